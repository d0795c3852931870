"""Fill the demo's second session from two consoles and take a screenshot
of one of them into docs/console.png. Run against bin/serve:

    .venv/bin/python scripts/console_screenshot.py [http://127.0.0.1:8000]
"""

from __future__ import annotations

import sys
from pathlib import Path

from playwright.sync_api import expect, sync_playwright

BASE = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000"
DOCS = Path(__file__).resolve().parent.parent / "docs"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]

LINES_ILAN = [
    "/s @sor We have studied the Aurelian text on quotas with our fishermen.",
    "/p @kar Квоты на вылов устанавливаются Совместной комиссией раз в два года.",
    "/q @lin Would the Commission publish its figures?",
    "/i /o @- Sorokina conferred with Karpov before answering; they seem ready to drop the three-year cycle.",
]
LINES_PETRA = [
    "/s @lin Aurelia can accept a two-year cycle if the figures are public.",
    "/a Severian delegation to send draft wording on publication before Friday.",
]


def sign_in(browser, user):
    page = browser.new_context(viewport={"width": 1440, "height": 1000}).new_page()
    page.goto(f"{BASE}/login/")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", "verbatim-demo")
    page.click("button[type=submit]")
    page.wait_for_url(f"{BASE}/")
    page.click("table.list a")
    page.click("text=Second round")
    expect(page.locator("#connection")).to_have_text("live")
    return page


def type_line(page, line):
    box = page.locator("#capture-text")
    box.click()
    box.press_sequentially(line)
    box.press("Enter")


def main() -> None:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        ilan = sign_in(browser, "ilan")
        petra = sign_in(browser, "petra")
        for title in ["Fishing quotas", "Publication of catch figures"]:
            ilan.fill("#agenda-panel input[name=title]", title)
            ilan.click("#agenda-panel button:has-text('Add and take up')")
            expect(ilan.locator("#agenda-panel")).to_contain_text(title)
        for name in ["Amara Lind", "Tomas Reyes", "Yelena Sorokina", "Oleg Karpov"]:
            ilan.locator("#attendance-panel label", has_text=name).locator("input").check()
            expect(ilan.locator("#attendance-panel label", has_text=name).locator("input")).to_be_checked()
        for line in LINES_ILAN[:2]:
            type_line(ilan, line)
        type_line(petra, LINES_PETRA[0])
        for line in LINES_ILAN[2:]:
            type_line(ilan, line)
        type_line(petra, LINES_PETRA[1])
        expect(ilan.locator("#timeline")).to_contain_text("draft wording on publication")
        ilan.locator("#timeline li", has_text="раз в два года").hover()
        ilan.wait_for_timeout(500)
        ilan.locator("#capture-text").click()
        ilan.locator("#capture-text").press_sequentially("@kar")
        ilan.wait_for_timeout(300)
        ilan.screenshot(path=DOCS / "console.png", full_page=True)
        browser.close()


if __name__ == "__main__":
    main()
