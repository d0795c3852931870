"""What a member does in the browser, in a few words."""

from __future__ import annotations

from playwright.sync_api import Page, expect


def sign_in(browser, server, user) -> Page:
    context = browser.new_context(viewport={"width": 1360, "height": 900})
    page = context.new_page()
    page.goto(f"{server.url}/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", "pw")
    page.click("main button[type=submit]")  # not the language switcher's button in the top bar
    page.wait_for_url(f"{server.url}/")
    return page


def open_console(page: Page, server, session) -> None:
    page.goto(f"{server.url}{session.get_absolute_url()}")
    expect(page.locator("#connection")).to_have_text("live")


def type_entry(page: Page, text: str) -> None:
    box = page.locator("#capture-text")
    box.click()
    box.press_sequentially(text)
    box.press("Enter")
