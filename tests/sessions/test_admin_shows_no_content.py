"""Staff manage people (users, parties, delegations, memberships), not
content: no page of /admin/ shows a delegation's internal entries, whatever
staff search for, and the record's lines are not in the admin at all."""

from __future__ import annotations

import uuid

import pytest
from django.contrib import admin
from django.urls import reverse

from sessions.models import Entry
from tests.scene import build_scene

pytestmark = pytest.mark.django_db

SECRETS = ["Aurelian eyes only.", "Severian eyes only."]


@pytest.fixture
def superuser(world, client):
    build_scene(world)
    world.staff.is_superuser = True
    world.staff.save()
    client.force_login(world.staff)
    return world


def admin_pages(client):
    """Every admin list (searched for the internal words) and every object's change page."""
    yield "/admin/", client.get("/admin/")
    for model, model_admin in admin.site._registry.items():
        opts = model._meta
        changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        yield changelist, client.get(changelist)
        if model_admin.search_fields:
            for words in ("eyes only", "eyes"):  # not the whole secret: the search box echoes it
                yield f"{changelist}?q={words}", client.get(changelist, {"q": words})
        for pk in model._default_manager.values_list("pk", flat=True)[:20]:
            change = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[pk])
            yield change, client.get(change)


def test_no_admin_page_shows_internal_entry_text(superuser, client):
    seen = 0
    for url, response in admin_pages(client):
        assert response.status_code == 200, url
        page = response.content.decode()
        for secret in SECRETS:
            assert secret not in page, url
        seen += 1
    assert seen > 30  # the walk did visit the admin


def test_entries_are_not_in_the_admin(superuser, client):
    assert Entry not in admin.site._registry
    assert client.get("/admin/negotiation_sessions/entry/").status_code == 404


def test_a_formulations_admin_page_does_not_show_the_line_it_came_from(superuser, client):
    formulation = superuser.formulation
    formulation_line, _ = superuser.session.record_entry(
        membership=superuser.membership(superuser.note_taker),
        client_id=uuid.uuid4(),
        text="Ships pass freely, said the Aurelian head.",
        kind="proposal",
    )
    cited = superuser.point.propose(
        text="Ships pass freely.",
        party=superuser.aurelia,
        membership=superuser.membership(superuser.note_taker),
        entry=formulation_line,
    )
    page = client.get(reverse("admin:agreements_formulation_change", args=[cited.pk])).content.decode()
    assert "said the Aurelian head" not in page
    assert formulation.pk != cited.pk


def test_staff_cannot_change_a_points_words_in_the_admin(superuser, client):
    point = superuser.point
    url = reverse("admin:agreements_point_change", args=[point.pk])
    assert 'name="title"' not in client.get(url).content.decode()
    client.post(url, {"negotiation": point.negotiation_id, "number": point.number, "title": "Rewritten by staff"})
    point.refresh_from_db()
    assert point.title == "Navigation"


def test_staff_still_manage_people(superuser, client):
    for name in ("auth_user", "negotiations_party", "negotiations_delegation", "negotiations_negotiation"):
        assert client.get(reverse(f"admin:{name}_add")).status_code == 200, name
