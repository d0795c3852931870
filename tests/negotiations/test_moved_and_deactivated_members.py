"""A member's views follow their current delegation only, and a deactivated
account reads nothing. The Aurelian note-taker is moved to the Severian
delegation (staff remove them from one delegation and add them to the other,
the Severian head adds them to the negotiation again): from then on pages,
the API, search and the internal minutes show Severian internal entries and
never Aurelian ones."""

from __future__ import annotations

import pytest

from negotiations.admin import MembershipForm
from negotiations.models import DelegationMember, Membership
from tests.scene import build_scene

pytestmark = pytest.mark.django_db

AURELIAN = "Aurelian eyes only."
SEVERIAN = "Severian eyes only."


@pytest.fixture
def scene(world):
    return build_scene(world)


def move_to_severia(scene) -> None:
    DelegationMember.objects.get(user=scene.note_taker).delete()
    scene.severian.add_member(scene.note_taker)
    scene.negotiation.add_member(
        user=scene.note_taker, role=Membership.Role.NOTE_TAKER, by=scene.membership(scene.other_head)
    )


def unmarked(page: str) -> str:
    """Search results without the highlighting of the words searched for."""
    return page.replace("<mark>", "").replace("</mark>", "")


def what_they_read(scene, client, api) -> dict[str, str]:
    client.force_login(scene.note_taker)
    session = scene.session.public_id
    return {
        "console": client.get(scene.session.get_absolute_url()).content.decode(),
        "search": unmarked(client.get("/search", {"q": "eyes only"}).content.decode()),
        "api": api.as_user(scene.note_taker).get(f"/sessions/{session}/entries").content.decode(),
        "internal minutes": api.get(f"/sessions/{session}/minutes.json", version="internal").content.decode(),
    }


def test_before_the_move_the_note_taker_reads_aurelian_internal_entries(scene, client, api):
    for where, page in what_they_read(scene, client, api).items():
        assert AURELIAN in page, where
        assert SEVERIAN not in page, where


def test_a_moved_member_reads_only_the_new_delegations_internal_entries(scene, client, api):
    move_to_severia(scene)
    for where, page in what_they_read(scene, client, api).items():
        assert SEVERIAN in page, where
        assert AURELIAN not in page, where


def test_leaving_a_delegation_ends_the_memberships_held_with_it_at_once(scene, client, api):
    DelegationMember.objects.get(user=scene.note_taker).delete()
    assert not Membership.objects.filter(user=scene.note_taker).exists()
    client.force_login(scene.note_taker)
    assert client.get(scene.session.get_absolute_url()).status_code == 404
    assert api.as_user(scene.note_taker).get(f"/sessions/{scene.session.public_id}/entries").status_code == 404
    assert AURELIAN not in client.get("/search", {"q": "eyes only"}).content.decode()


def test_a_membership_whose_delegation_is_changed_in_code_takes_effect_at_once(scene, client, api):
    membership = scene.membership(scene.note_taker)
    membership.delegation = scene.severian
    membership.save()
    for where, page in what_they_read(scene, client, api).items():
        assert AURELIAN not in page, where


def test_the_admin_does_not_let_staff_move_a_membership_to_another_delegation(scene):
    membership = scene.membership(scene.note_taker)
    data = {"user": scene.note_taker.pk, "delegation": scene.severian.pk, "role": membership.role}
    form = MembershipForm(data=data, instance=membership)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["delegation"] == scene.aurelian  # the field is disabled: the posted value is ignored


def test_the_admin_refuses_a_new_membership_with_someone_elses_delegation(scene, make_user):
    newcomer = make_user("newcomer", delegation=scene.aurelian)
    data = {"user": newcomer.pk, "delegation": scene.severian.pk, "role": Membership.Role.NOTE_TAKER}
    form = MembershipForm(data=data, instance=Membership(negotiation=scene.negotiation))
    assert not form.is_valid()
    assert "a membership sits with the member's own delegation" in " ".join(form.non_field_errors())


def test_a_deactivated_users_session_no_longer_opens_pages(scene, client):
    client.force_login(scene.note_taker)
    assert client.get(scene.session.get_absolute_url()).status_code == 200
    scene.note_taker.is_active = False
    scene.note_taker.save()
    response = client.get(scene.session.get_absolute_url())
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
    assert client.get("/search", {"q": "eyes only"}).status_code == 302


def test_a_deactivated_users_api_token_is_refused(scene, api):
    client = api.as_user(scene.note_taker)
    assert client.get(f"/sessions/{scene.session.public_id}/entries").status_code == 200
    scene.note_taker.is_active = False
    scene.note_taker.save()
    assert client.get(f"/sessions/{scene.session.public_id}/entries").status_code == 401


def test_staff_removing_a_person_from_a_delegation_in_the_admin_ends_their_memberships(scene, client):
    scene.staff.is_superuser = True
    scene.staff.save()
    client.force_login(scene.staff)
    delegation = scene.aurelian
    members = list(delegation.delegation_members.order_by("pk"))
    form = {
        "name": delegation.name,
        "party": delegation.party_id,
        "delegation_members-TOTAL_FORMS": len(members),
        "delegation_members-INITIAL_FORMS": len(members),
        "delegation_members-MIN_NUM_FORMS": 0,
        "delegation_members-MAX_NUM_FORMS": 1000,
    }
    for i, member in enumerate(members):
        form |= {f"delegation_members-{i}-id": member.pk, f"delegation_members-{i}-delegation": delegation.pk}
        if member.user_id == scene.note_taker.pk:
            form[f"delegation_members-{i}-DELETE"] = "on"
    response = client.post(f"/admin/negotiations/delegation/{delegation.pk}/change/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert not DelegationMember.objects.filter(user=scene.note_taker).exists()
    assert not Membership.objects.filter(user=scene.note_taker).exists()
    assert Membership.objects.filter(user=scene.reviewer, delegation=delegation).exists()
