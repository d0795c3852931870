"""Every main page read in French, on a phone (390 px) and a desktop (1440 px): the page is in
French (lang="fr" and French words), and the longer French strings never make it scroll
sideways. Pictures of each are left in var/test-artifacts/french/ to look at (the looked-at
copies are docs/screenshots/*-fr-*.png)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings

from negotiations.models import ApiToken
from tests.scene import build_rich_record

pytestmark = pytest.mark.django_db(transaction=True)

ARTIFACTS = Path(settings.BASE_DIR) / "var" / "test-artifacts" / "french"


def main_pages(w) -> list[tuple[str, str, str]]:
    """(name, path, a French string the page must show) for every main page."""
    return [
        ("negotiations", "/", "Vos négociations"),
        ("negotiation", w.negotiation.get_absolute_url(), "Texte agréé à ce jour"),
        ("point", w.point_agreed.get_absolute_url(), "Comparer deux formulations"),
        ("minutes", f"/sessions/{w.session.public_id}/minutes", "Approuvé par toutes les parties"),
        ("search", "/search?q=Kel", "résultats dans les négociations auxquelles vous participez"),
        ("account", "/account/", "Langue et fuseau horaire"),
        ("verify", "/verify", "Vérifier un fichier exporté"),
    ]


def fits_and_reads_french(page, width: int, name: str, french: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}-fr-{width}.png"), full_page=True)
    assert page.evaluate("document.documentElement.lang") == "fr", name
    assert french in page.inner_text("body"), name
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{name} at {width} px scrolls {overflow} px sideways"


@pytest.mark.parametrize("width", [390, 1440])
def test_every_main_page_in_french_fits_the_screen(asgi_server, world, browser, width):
    w = build_rich_record(world)
    ApiToken.issue(w.head, name="script des procès-verbaux")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": width, "height": 900}, timezone_id="Europe/Paris")
    page = context.new_page()
    page.goto(f"{asgi_server.url}/login/")
    page.select_option("#language-choice", "fr")
    page.click(".language button")
    page.wait_for_selector("html[lang=fr]")
    fits_and_reads_french(page, width, "login", "Nom d’utilisateur")
    assert page.inner_text("main h1") == "Se connecter"
    page.fill("input[name=username]", w.head.username)
    page.fill("input[name=password]", "pw")
    page.click("main button[type=submit]")
    page.wait_for_url(f"{asgi_server.url}/")
    for name, path, french in main_pages(w):
        page.goto(f"{asgi_server.url}{path}")
        fits_and_reads_french(page, width, name, french)
    # the browser's zone (Europe/Paris), reported by static/js/timezone.js, names the times shown
    page.goto(f"{asgi_server.url}/account/")
    assert "CET" in page.inner_text("body")
