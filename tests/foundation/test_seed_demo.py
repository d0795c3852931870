from __future__ import annotations

import io

import pytest
from django.apps import apps
from django.core.management import call_command

from agreements.models import Formulation
from sessions.models import Entry

pytestmark = pytest.mark.django_db


def counts() -> dict[str, int]:
    return {m._meta.label: m.objects.count() for m in apps.get_models()}


def test_seeding_twice_changes_nothing():
    call_command("seed_demo", stdout=io.StringIO())
    first = counts()
    call_command("seed_demo", stdout=io.StringIO())
    assert counts() == first


def test_the_demo_has_agreed_bracketed_and_ad_referendum_formulations_in_several_scripts():
    call_command("seed_demo", stdout=io.StringIO())
    statuses = set(Formulation.objects.values_list("status", flat=True))
    assert {"agreed", "bracketed", "agreed_ad_referendum"} <= statuses
    texts = " ".join(Formulation.objects.values_list("text", flat=True))
    assert "Квоты" in texts and "منارة" in texts and "灯塔" in texts
    assert Entry.objects.filter(kind="action_item").exists()
    assert Entry.objects.filter(visibility="internal").values("delegation").distinct().count() == 2


def test_the_demo_shows_a_differing_reading_and_consents_confirmed_by_each_party():
    from agreements.models import Agreement
    from sessions.models import Summary

    call_command("seed_demo", stdout=io.StringIO())
    reading = Entry.objects.get(disputes__isnull=False)
    assert (
        reading.delegation.name == "Severian delegation" and reading.disputes.delegation.name == "Aurelian delegation"
    )
    assert Agreement.objects.filter(binding=False).exists()  # noted by the Aurelian note-taker
    agreed = Formulation.objects.get(status="agreed")
    assert {s.consent for s in agreed.consents().values()} == {"confirmed"}
    summary = Summary.objects.get()
    assert not summary.is_approved and len(summary.awaiting_parties()) == 2
