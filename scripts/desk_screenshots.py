"""Screenshots of the head of delegation's desk (dashboard, a point's
history, search) from a running demo into docs/.

    .venv/bin/python scripts/desk_screenshots.py [http://127.0.0.1:8000]
"""

from __future__ import annotations

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

BASE = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000"
DOCS = Path(__file__).resolve().parent.parent / "docs"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]


def main() -> None:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        page = browser.new_context(viewport={"width": 1440, "height": 1000}).new_page()
        page.goto(f"{BASE}/login/")
        page.fill("input[name=username]", "amara")
        page.fill("input[name=password]", "verbatim-demo")
        page.click("button[type=submit]")
        page.wait_for_url(f"{BASE}/")
        page.click("table.list a")
        page.wait_for_load_state("networkidle")
        page.screenshot(path=DOCS / "dashboard.png", full_page=True)
        page.click("text=2. Fishing quotas")
        page.wait_for_load_state("networkidle")
        page.screenshot(path=DOCS / "point-history.png", full_page=True)
        page.goto(f"{BASE}/search?q=Kel")
        page.screenshot(path=DOCS / "search.png", full_page=True)
        browser.close()


if __name__ == "__main__":
    main()
