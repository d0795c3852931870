from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.django_db


def test_an_anonymous_visitor_is_sent_to_the_login_page(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response.url.startswith("/login/?next=/")


def test_the_login_page_needs_no_login(client):
    assert client.get("/login/").status_code == 200


def test_a_user_signs_in_and_out(client, django_user_model):
    django_user_model.objects.create_user("ilan", password="right-password")
    response = client.post("/login/", {"username": "ilan", "password": "right-password"})
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    client.post("/logout/")
    assert client.get("/").status_code == 302


def test_a_wrong_password_says_so_in_words(client, django_user_model):
    django_user_model.objects.create_user("ilan", password="right-password")
    response = client.post("/login/", {"username": "ilan", "password": "wrong"})
    assert b"do not match" in response.content


def test_pages_carry_a_nonce_csp_and_the_script_tags_carry_the_nonce(client, django_user_model):
    user = django_user_model.objects.create_user("ilan", password="pw")
    client.force_login(user)
    response = client.get("/")
    policy = response.headers["Content-Security-Policy"]
    nonce = re.search(r"'nonce-([^']+)'", policy).group(1)
    assert "default-src 'self'" in policy
    scripts = re.findall(rb"<script[^>]*>", response.content)
    assert scripts and all(f'nonce="{nonce}"'.encode() in tag for tag in scripts)


def test_csrf_for_htmx_is_set_once_on_the_body(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("ilan", password="pw"))
    assert b'<body hx-headers=\'{"x-csrftoken": "' in client.get("/").content


def test_htmx_is_served_from_our_own_static_files(client):
    response = client.get("/static/vendor/htmx/htmx-2.0.11.min.js")
    assert response.status_code == 200


def test_no_template_or_stylesheet_loads_anything_from_another_origin():
    for path in [*ROOT.glob("templates/**/*.html"), *ROOT.glob("static/css/*.css")]:
        text = path.read_text()
        assert not re.search(r"(src|href)=[\"']?(https?:)?//", text), path
        assert "@import url(http" not in text, path


def test_a_missing_page_is_a_friendly_404(client, django_user_model, settings):
    settings.DEBUG = False
    client.force_login(django_user_model.objects.create_user("ilan", password="pw"))
    response = client.get("/negotiations/00000000-0000-0000-0000-000000000000/")
    assert response.status_code == 404
    assert b"nothing here that you can open" in response.content
