"""Take screenshots of the main pages of a running Verbatim (e.g. bin/serve)
into docs/, logged in as a demo user.

    .venv/bin/python scripts/screenshots.py [http://127.0.0.1:8000] [user]
"""

from __future__ import annotations

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

BASE = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000"
USER = sys.argv[2] if len(sys.argv) > 2 else "amara"
DOCS = Path(__file__).resolve().parent.parent / "docs"


def main() -> None:
    DOCS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
        )
        page = browser.new_page(viewport={"width": 1360, "height": 900})
        page.goto(f"{BASE}/login/")
        page.screenshot(path=DOCS / "login.png")
        page.fill("input[name=username]", USER)
        page.fill("input[name=password]", "verbatim-demo")
        page.click("button[type=submit]")
        page.wait_for_url(f"{BASE}/")
        page.screenshot(path=DOCS / "negotiations.png", full_page=True)
        page.click("table.list a")
        page.screenshot(path=DOCS / "negotiation.png", full_page=True)
        page.click("text=Opening round")
        page.screenshot(path=DOCS / "session.png", full_page=True)
        browser.close()


if __name__ == "__main__":
    main()
