"""The 503 answered while the database is unreachable speaks the reader's language: the switcher's cookie, else
the browser's. It can be answered before Django's locale middleware has run (the outage middleware is first),
and nothing in the database (a signed-in user's choice) can be read then. Its stylesheet is still served."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import InterfaceError

from config import outage


@pytest.fixture
def database_held_down():
    outage.note_failure(InterfaceError("the database is unreachable"))  # as after a failed connection
    assert outage.database_held_down()
    yield
    outage._down_until = 0.0


def test_the_page_is_in_french_for_a_browser_that_asks_for_french(database_held_down, client):
    response = client.get("/", headers={"Accept-Language": "fr-FR,fr;q=0.9"})
    assert response.status_code == 503 and response["Retry-After"]
    page = response.content.decode()
    assert '<html lang="fr">' in page and "momentanément" in page and response["Content-Language"] == "fr"


def test_the_switchers_cookie_wins_over_the_browser(database_held_down, client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    response = client.get("/negotiations/", headers={"Accept-Language": "en"})
    assert response.status_code == 503 and '<html lang="fr">' in response.content.decode()


def test_the_page_stays_english_for_an_english_browser(database_held_down, client):
    response = client.get("/", headers={"Accept-Language": "en-GB"})
    assert response.status_code == 503 and '<html lang="en">' in response.content.decode()


def test_the_api_detail_follows_the_same_language(database_held_down, client):
    french = client.get("/api/v1/negotiations", headers={"Accept-Language": "fr"})
    english = client.get("/api/v1/negotiations")
    assert french.status_code == english.status_code == 503
    assert english.json()["detail"].startswith("The record is unreachable for a moment; try again in ")
    assert french.json()["detail"] != english.json()["detail"] and "Rien" in french.json()["detail"]


def test_the_pages_stylesheet_is_still_served_while_pages_answer_503(database_held_down, client):
    page = client.get("/", headers={"Accept-Language": "fr"}).content.decode()
    assert 'href="/static/css/verbatim.css"' in page
    stylesheet = client.get("/static/css/verbatim.css")
    assert stylesheet.status_code == 200 and b"{" in b"".join(stylesheet.streaming_content)
    assert client.get("/negotiations/").status_code == 503  # everything else still waits for the database
