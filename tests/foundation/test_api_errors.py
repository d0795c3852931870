"""Every answer under /api/ is JSON with a `detail` a person can act on,
errors included: unknown paths, other methods, unreadable bodies, bugs."""

from __future__ import annotations

import logging

import pytest

pytestmark = pytest.mark.django_db


def test_an_unknown_path_under_the_api_is_a_json_404(client, api, world):
    for response in (client.get("/api/v1/no-such-thing"), api.as_user(world.head).get("/negotiations/not-a-uuid/x")):
        assert response.status_code == 404
        assert response["Content-Type"].startswith("application/json")
        assert "no such path" in response.json()["detail"]
    assert client.get("/api/unversioned").json()["detail"].startswith("Not found")


def test_a_method_an_operation_does_not_take_is_a_json_405_with_allow(api, world):
    response = api.as_user(world.head).post("/negotiations/" + str(world.negotiation.public_id))
    assert response.status_code == 405
    assert response.json() == {
        "detail": "This path does not take the POST method; see /api/v1/docs for the methods it takes."
    }
    assert "GET" in response["Allow"]


def test_a_body_that_is_not_json_is_a_json_400(client, world):
    from negotiations.models import ApiToken

    response = client.post(
        "/api/v1/negotiations",
        "{not json",
        content_type="application/json",
        headers={"Authorization": f"Bearer {ApiToken.issue(world.head)}"},
    )
    assert response.status_code == 400
    assert "detail" in response.json()


def test_a_nul_in_the_login_username_is_a_400_not_a_500(client):
    response = client.post(
        "/api/v1/auth/token", {"username": "a\x00b", "password": "x"}, content_type="application/json"
    )
    assert response.status_code == 400, response.content
    assert "NUL" in response.json()["detail"]


def test_a_bug_in_an_operation_answers_json_500_with_a_request_id_that_is_in_the_log(api, world, monkeypatch, caplog):
    import negotiations.api

    def broken(user):
        raise RuntimeError("a bug")

    # Forcing a bug: the listing's query helper fails as a real bug would.
    monkeypatch.setattr(negotiations.api, "negotiations_for", broken)
    with caplog.at_level(logging.ERROR, logger="verbatim.api"):
        response = api.as_user(world.head).get("/negotiations")
    assert response.status_code == 500
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["request_id"] in body["detail"]
    assert "a bug" not in body["detail"]  # nothing of the inside is shown
    assert any(body["request_id"] in record.getMessage() for record in caplog.records)


def test_pages_outside_the_api_keep_their_html_404(client, world):
    client.force_login(world.head)
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_a_body_larger_than_the_limit_is_a_json_413(api, world, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = api.as_user(world.head).post("/negotiations", {"title": "x" * 2000, "parties": ["Ruritania"]})
    assert response.status_code == 413
    assert response.json() == {"detail": "The request is larger than the 1,000 bytes the API takes; send less at once."}


def test_the_openapi_document_lists_each_operations_error_statuses_with_the_error_schema(client):
    schema = client.get("/api/v1/openapi.json").json()
    entries = schema["paths"]["/api/v1/sessions/{session_id}/entries"]
    assert sorted(entries["post"]["responses"]) == ["200", "201", "400", "401", "403", "404", "409", "413", "503"]
    assert sorted(entries["get"]["responses"]) == ["200", "400", "401", "404", "503"]
    assert sorted(schema["paths"]["/api/v1/auth/token"]["post"]["responses"]) == [
        "200",
        "400",
        "401",
        "403",
        "413",
        "429",
        "503",
    ]
    error = entries["post"]["responses"]["409"]["content"]["application/json"]["schema"]
    assert error == {"$ref": "#/components/schemas/Error"}
    assert schema["components"]["schemas"]["Error"]["required"] == ["detail"]
