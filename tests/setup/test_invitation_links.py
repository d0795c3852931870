"""One-time invitation links: bound to a negotiation, a delegation and a role; only a hash is stored; they
expire, work once, cannot be turned to another delegation or role, and can be revoked while unused."""

from __future__ import annotations

import hashlib
import threading
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone

from negotiations.models import Delegation, Invitation, Membership, Negotiation

pytestmark = pytest.mark.django_db

STRONG = "lantern-quay-4417"


def link_for(client, world, role="note_taker", party=None, by=None) -> str:
    client.force_login(by or world.head)
    data = {"role": role}
    if party is not None:
        data["party"] = party.pk
    response = client.post(f"/negotiations/{world.negotiation.public_id}/people/links", data)
    assert response.status_code == 200, response.content
    url = response.context["new_link"]["url"]
    client.logout()
    return url.split("testserver", 1)[1]


def accept(client, path, username="newcomer", password=STRONG, **extra):
    return client.post(path, {"username": username, "password1": password, "password2": password, **extra})


def test_a_link_joins_a_newcomer_to_the_heads_delegation_with_the_role_and_signs_them_in(client, world):
    path = link_for(client, world)
    page = client.get(path, follow=True)
    assert page.status_code == 200
    assert "Aurelian delegation" in page.content.decode()
    response = accept(client, path)
    assert response.status_code == 302 and response.url == world.negotiation.get_absolute_url()
    user = get_user_model().objects.get(username="newcomer")
    membership = Membership.objects.get(user=user, negotiation=world.negotiation)
    assert (membership.delegation, membership.role) == (world.aurelian, Membership.Role.NOTE_TAKER)
    assert client.get(world.negotiation.get_absolute_url()).status_code == 200  # signed in


def test_only_a_hash_of_the_secret_is_stored(client, world):
    path = link_for(client, world)
    secret = path.rstrip("/").rsplit("/", 1)[1]
    invitation = Invitation.objects.get()
    assert invitation.digest == hashlib.sha256(secret.encode()).hexdigest()
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM negotiations_invitation")
        assert secret not in repr(cursor.fetchall())


def test_a_link_cannot_be_used_twice(client, world):
    path = link_for(client, world)
    assert accept(client, path).status_code == 302
    client.logout()
    again = accept(client, path, username="second")
    assert again.status_code == 410
    assert "cannot be used" in again.content.decode()
    assert not get_user_model().objects.filter(username="second").exists()


def test_two_people_racing_for_one_link_make_one_account(transactional_db, world):
    _invitation, raw = Invitation.issue(
        negotiation=world.negotiation, by=world.membership(world.head), role=Membership.Role.REVIEWER
    )
    from django.test import Client

    results = []
    barrier = threading.Barrier(2)

    def take(name):
        c = Client()
        barrier.wait()
        results.append(accept(c, f"/invitations/{raw}", username=name).status_code)
        connection.close()

    threads = [threading.Thread(target=take, args=(n,)) for n in ("racer_a", "racer_b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [302, 410]
    assert Membership.objects.filter(user__username__in=["racer_a", "racer_b"]).count() == 1
    assert get_user_model().objects.filter(username__in=["racer_a", "racer_b"]).count() == 1


def test_an_expired_link_says_so_and_joins_nobody(client, world, settings):
    path = link_for(client, world)
    Invitation.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    page = client.get(path)
    assert page.status_code == 410
    assert "expired" in page.content.decode()
    assert accept(client, path).status_code == 410
    assert not get_user_model().objects.filter(username="newcomer").exists()


def test_a_link_lives_as_long_as_the_setting_says(client, world, settings):
    settings.INVITATION_LIFETIME_DAYS = 2
    link_for(client, world)
    lifetime = Invitation.objects.get().expires_at - timezone.now()
    assert timedelta(days=1, hours=23) < lifetime <= timedelta(days=2)


def test_an_unknown_link_and_a_used_one_show_the_same_page(client, world):
    path = link_for(client, world)
    accept(client, path)
    client.logout()
    used = client.get(path)
    unknown = client.get("/invitations/not-a-real-secret")
    assert used.status_code == unknown.status_code == 410

    def main(response) -> str:  # the page itself, without the per-request nonce, token and path
        body = response.content.decode()
        return body[body.index("<main") : body.index("</main>")]

    assert main(used) == main(unknown)


def test_the_form_cannot_choose_another_delegation_or_role(client, world):
    path = link_for(client, world, role="reviewer")
    response = accept(client, path, role="head", delegation=str(world.severian.public_id))
    assert response.status_code == 302
    membership = Membership.objects.get(user__username="newcomer")
    assert (membership.delegation, membership.role) == (world.aurelian, Membership.Role.REVIEWER)


def test_a_weak_password_is_refused_with_the_reason_and_the_link_still_works(client, world):
    path = link_for(client, world)
    response = accept(client, path, password="12345")
    assert response.status_code == 400
    assert "too short" in response.content.decode() or "too common" in response.content.decode()
    assert accept(client, path).status_code == 302


def test_a_head_revokes_an_unused_link(client, world):
    path = link_for(client, world)
    invitation = Invitation.objects.get()
    client.force_login(world.head)
    client.post(f"/negotiations/{world.negotiation.public_id}/people/links/{invitation.public_id}/revoke")
    client.logout()
    assert client.get(path).status_code == 410
    assert accept(client, path).status_code == 410


def test_the_other_partys_head_cannot_revoke_a_link_of_the_aurelians(client, world):
    link_for(client, world)
    invitation = Invitation.objects.get()
    client.force_login(world.other_head)
    client.post(f"/negotiations/{world.negotiation.public_id}/people/links/{invitation.public_id}/revoke")
    assert Invitation.objects.get().revoked_at is None


@pytest.fixture
def northern(world):
    """The Aurelians open talks with Borealis; no Borealian takes part yet."""
    negotiation = Negotiation.start(title="Northern talks", parties=[world.aurelia.name, "Ostria"], by=world.head)
    world.negotiation = negotiation
    return world


def test_a_link_for_the_other_partys_head_creates_its_delegation_and_makes_them_head(client, northern):
    world = northern
    ostria = world.negotiation.parties.get(name="Ostria")
    path = link_for(client, world, role="head", party=ostria)
    delegation = Delegation.objects.get(party=ostria)
    assert accept(client, path, username="ostrian_head").status_code == 302
    membership = Membership.objects.get(user__username="ostrian_head")
    assert (membership.delegation, membership.role) == (delegation, Membership.Role.HEAD)
    # ... who then invites their own note-taker
    second = link_for(client, world, role="note_taker", by=membership.user)
    client.logout()
    assert accept(client, second, username="ostrian_scribe").status_code == 302
    scribe = Membership.objects.get(user__username="ostrian_scribe")
    assert (scribe.delegation, scribe.role) == (delegation, Membership.Role.NOTE_TAKER)


def test_the_other_party_is_invited_only_as_head(client, northern):
    world = northern
    client.force_login(world.head)
    ostria = world.negotiation.parties.get(name="Ostria")
    response = client.post(
        f"/negotiations/{world.negotiation.public_id}/people/links", {"role": "reviewer", "party": ostria.pk}
    )
    assert response.status_code == 400
    assert "invited by its head" in response.content.decode()
    assert not Invitation.objects.exists()


def test_once_the_other_delegation_takes_part_an_earlier_link_for_its_head_lapses(client, world):
    """The Severians take part already: no new head link for them; and a link made before they joined stops."""
    client.force_login(world.head)
    response = client.post(
        f"/negotiations/{world.negotiation.public_id}/people/links", {"role": "head", "party": world.severia.pk}
    )
    assert response.status_code == 400
    assert "its own heads invite its members" in response.content.decode()


def test_a_link_lapses_when_the_head_who_made_it_is_removed(client, world, make_user):
    second_head = make_user("second_head", delegation=world.aurelian)
    head_m = world.membership(world.head)
    world.negotiation.add_member(user=second_head, role=Membership.Role.HEAD, by=head_m)
    path = link_for(client, world, by=second_head)
    world.negotiation.remove_member(membership=world.membership(second_head), by=head_m)
    assert client.get(path).status_code == 410
