"""/api/v1/docs shows the API in the browser under our own Content Security Policy: Swagger UI's script and
style are served by us, so nothing is blocked and the operations are listed."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_api_docs_list_the_operations_with_no_policy_violation(asgi_server, browser):
    page = browser.new_context(viewport={"width": 1360, "height": 900}).new_page()
    problems: list[str] = []
    page.on("console", lambda message: "Content Security Policy" in message.text and problems.append(message.text))
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on(
        "response", lambda answer: answer.status >= 400 and "favicon" not in answer.url and problems.append(answer.url)
    )

    response = page.goto(f"{asgi_server.url}/api/v1/docs")

    assert "script-src" in response.headers["content-security-policy"]
    assert "unsafe-inline" not in response.headers["content-security-policy"]
    token = page.locator(".opblock-post", has_text="/api/v1/auth/token")
    expect(token).to_be_visible()
    expect(token.locator(".opblock-summary-method")).to_have_text("POST")
    assert page.locator(".opblock").count() > 10
    assert problems == []


def test_the_api_docs_take_no_asset_from_another_site(client):
    page = client.get("/api/v1/docs").content.decode()

    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in page
    assert "/static/vendor/swagger-ui/swagger-ui.css" in page
    assert "cdn" not in page.lower()
