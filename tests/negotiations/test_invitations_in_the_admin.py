"""Operators see the links heads handed out in /admin/, never their secrets, and can revoke a link still unused
(one sent to a wrong address); a used link stays as it was."""

from __future__ import annotations

import pytest

from negotiations.models import Invitation, InvitationUnusable, Membership

pytestmark = pytest.mark.django_db


@pytest.fixture
def links(world):
    head_m = world.membership(world.head)
    unused, unused_raw = Invitation.issue(negotiation=world.negotiation, by=head_m, role=Membership.Role.REVIEWER)
    used, used_raw = Invitation.issue(negotiation=world.negotiation, by=head_m, role=Membership.Role.NOTE_TAKER)
    Invitation.objects.filter(pk=used.pk).update(used_at=used.created_at, used_by=world.note_taker)
    return unused, unused_raw, used


@pytest.fixture
def operator(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("root", password="pw"))
    return client


def test_operators_see_each_link_and_its_state_without_its_secret_or_digest(links, operator):
    unused, raw, used = links
    listing = operator.get("/admin/negotiations/invitation/").content.decode()
    assert "Strait talks" in listing
    assert '<td class="field-state">open</td>' in listing and '<td class="field-state">used</td>' in listing
    page = operator.get(f"/admin/negotiations/invitation/{unused.pk}/change/").content.decode()
    assert raw not in listing + page
    assert unused.digest not in listing + page


def test_an_operator_revokes_an_unused_link_and_it_stops_opening_while_a_used_one_stays_as_it_was(links, operator):
    unused, raw, used = links
    response = operator.post(
        "/admin/negotiations/invitation/", {"action": "revoke", "_selected_action": [unused.pk, used.pk]}, follow=True
    )
    assert "Revoked 1 unused link(s)." in response.content.decode()
    with pytest.raises(InvitationUnusable):
        Invitation.open_for(raw)
    used.refresh_from_db()
    assert used.revoked_at is None and used.state == "used"


def test_nobody_adds_or_deletes_a_link_in_the_admin(links, operator):
    unused, _raw, _used = links
    assert operator.get("/admin/negotiations/invitation/add/").status_code == 403
    assert operator.post(f"/admin/negotiations/invitation/{unused.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Invitation.objects.filter(pk=unused.pk).exists()
