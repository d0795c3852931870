"""On a phone (390 px wide) the pages of issue 11 and the negotiation page fit the screen: the top bar wraps
and wide tables scroll inside their box, so the page itself never scrolls sideways."""

from __future__ import annotations

import pytest

from negotiations.models import ApiToken

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_account_and_negotiation_pages_fit_a_phone_screen(asgi_server, world, browser):
    ApiToken.issue(world.head, name="minutes script")
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(f"{asgi_server.url}/login/")
    page.fill("input[name=username]", world.head.username)
    page.fill("input[name=password]", "pw")
    page.click("main button[type=submit]")
    page.wait_for_url(f"{asgi_server.url}/")
    for path in ("/account/", "/account/two-factor/", "/verify", world.negotiation.get_absolute_url()):
        page.goto(f"{asgi_server.url}{path}")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, path
