"""Fill the demo's second session from two delegations' consoles and take
screenshots: the Aurelian console (a Severian reading of an Aurelian line,
Severia's consent noted and awaiting), the Severian console (one click to
confirm), the head's close dialog and the desk's grid. Run against bin/serve:

    .venv/bin/python scripts/console_screenshot.py [http://127.0.0.1:8000] [output directory, default docs/]
"""

from __future__ import annotations

import sys
from pathlib import Path

from playwright.sync_api import expect, sync_playwright

BASE = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000"
OUT = Path(sys.argv[2]) if len(sys.argv) > 2 else Path(__file__).resolve().parent.parent / "docs"
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
SEVERIAN_READING = "Aurelia can accept a two-year cycle only if the figures are published every year."


def sign_in(browser, user, session="Second round"):
    page = browser.new_context(viewport={"width": 1440, "height": 1000}).new_page()
    page.goto(f"{BASE}/login/")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", "verbatim-demo")
    page.click("button[type=submit]")
    page.wait_for_url(f"{BASE}/")
    page.click("table.list a")
    page.click(f"text={session}")
    expect(page.locator("#connection")).to_have_text("live")
    return page


def type_line(page, line):
    box = page.locator("#capture-text")
    box.click()
    box.press_sequentially(line)
    box.press("Enter")


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        ilan = sign_in(browser, "ilan")
        petra = sign_in(browser, "petra")
        dmitri = sign_in(browser, "dmitri")
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

        # Dmitri's notes of Lind's statement differ: his reading goes beside Petra's line
        statement = dmitri.locator("#timeline li", has_text="two-year cycle if the figures are public")
        statement.hover()
        statement.get_by_role("button", name="Record our reading").click()
        form = dmitri.locator("#timeline li.editing")
        form.locator("textarea").fill(SEVERIAN_READING)
        form.get_by_role("button", name="Record our reading").click()
        expect(ilan.locator("#timeline")).to_contain_text("Severia's record reads:")

        # Ilan records Karpov's proposal as a formulation and notes that both sides accepted it
        proposal = ilan.locator("#timeline li", has_text="раз в два года")
        proposal.hover()
        proposal.get_by_role("button", name="Record as formulation").click()
        form = ilan.locator(".formulation-form")
        form.locator("select[name=point]").select_option(label="2. Fishing quotas")
        form.locator("select[name=party]").select_option(label="Severian Federation")
        form.locator("input[name=language]").fill("ru")
        form.get_by_role("button", name="Record formulation").click()
        block = ilan.locator("#formulations-panel figure", has_text="раз в два года")
        block.get_by_label("note that Severia consented (awaits Severia's confirmation)").check()
        block.get_by_role("button", name="Agreed").click()
        expect(block).to_contain_text("awaiting Severia's confirmation")
        expect(dmitri.locator("#formulations-panel")).to_contain_text("Confirm Severia's consent")

        ilan.locator("#capture-text").click()
        ilan.wait_for_timeout(500)
        ilan.screenshot(path=OUT / "console.png", full_page=True)
        dmitri.locator("#formulations-panel figure", has_text="раз в два года").scroll_into_view_if_needed()
        dmitri.screenshot(path=OUT / "console-severian.png", full_page=True)

        amara = sign_in(browser, "amara")
        amara.get_by_role("link", name="Close session").click()
        expect(amara.locator("#close-dialog")).to_be_visible()
        amara.locator("#close-dialog").screenshot(path=OUT / "close-dialog.png")

        yelena = sign_in(browser, "yelena")
        yelena.click(".crumb >> nth=0")
        yelena.wait_for_load_state("networkidle")
        yelena.screenshot(path=OUT / "desk.png", full_page=True)
        yelena.locator("#points a", has_text="Fishing quotas").click()
        yelena.wait_for_load_state("networkidle")
        yelena.screenshot(path=OUT / "point-history.png", full_page=True)
        yelena.goto(f"{BASE}/")
        yelena.click("table.list a")
        yelena.click("text=Navigation")
        yelena.screenshot(path=OUT / "point-history-navigation.png", full_page=True)

        # Petra's console loses the network, she types two lines, Amara closes: they arrive late
        petra.context.set_offline(True)
        type_line(petra, "/d Both delegations will meet again on 9 December.")
        type_line(petra, "/n Session adjourned at the chair's call.")
        amara.locator("#close-dialog").get_by_role("button", name="Close the session").click()
        expect(amara.locator(".messages")).to_contain_text("is closed")
        petra.context.set_offline(False)
        expect(ilan.locator("#timeline .badge.late")).to_have_count(2, timeout=30_000)
        ilan.wait_for_timeout(500)
        ilan.screenshot(path=OUT / "console-closed.png", full_page=True)
        browser.close()


if __name__ == "__main__":
    main()
