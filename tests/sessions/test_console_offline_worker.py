"""The console's service worker is served from /sessions/ (the scope of the
console pages) to anyone, as a script: it holds nothing of the record, and
the console page still answers a stranger with 404."""

from __future__ import annotations

import pytest

from tests.scene import build_scene

pytestmark = pytest.mark.django_db


def test_the_service_worker_is_a_script_served_at_the_scope_of_the_consoles(client):
    response = client.get("/sessions/console-sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Service-Worker-Allowed"] == "/sessions/"
    assert response["Cache-Control"] == "no-cache"
    assert "Content-Security-Policy" in response  # our policy covers the worker as well


def test_the_service_worker_holds_no_record_and_keeps_only_console_pages_and_static_files(world, client):
    scene = build_scene(world)
    client.force_login(scene.outsider)
    script = client.get("/sessions/console-sw.js").content.decode()
    assert scene.entry.text not in script and str(scene.session.public_id) not in script
    assert "/static/" in script and "CONSOLE_PAGE" in script
    # the worker changes nothing about who may read a console: a stranger still gets 404
    assert client.get(scene.session.get_absolute_url()).status_code == 404


def test_the_console_page_registers_the_worker_and_names_its_messages(world, client):
    scene = build_scene(world)
    client.force_login(scene.reviewer)
    html = client.get(scene.session.get_absolute_url()).content.decode()
    assert 'data-service-worker="/sessions/console-sw.js"' in html
    assert 'id="console-messages"' in html and '"new_entries_other":' in html
