"""The desk's page reads the same however its rows are built: the whole page
of a negotiation with a point in every state (agreed with a language version
that is not, agreed by other hands, agreed ad referendum with a capital's
confirmation noted, a consent noted and awaiting its party (ad referendum or
not), bracketed by two parties, proposed in French, withdrawn, with no
formulation yet) is pinned in English and French for a member of each
delegation and a reviewer, as is the filtered grid htmx asks for; and the page
reads as many points in the same number of queries."""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from agreements.models import Formulation, Point
from negotiations.models import RecordCheck
from sessions.models import Session

pytestmark = pytest.mark.django_db

GOLDEN = Path(__file__).parent / "golden" / "desk.html"
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
CSRF = re.compile(r'(name="csrfmiddlewaretoken" value="|"x-csrftoken": ")[^"]+"')
NONCE = re.compile(r'nonce="[^"]+"')
PARTY_PK = re.compile(r'name="parties" value="(\d+)"')


def normalised(html: str, parties: dict[int, str]) -> str:
    """CSRF tokens and nonces blanked; ids as the n-th one met and party keys
    as their labels, so that two runs compare."""
    html = CSRF.sub(r'\1CSRF"', html)
    html = NONCE.sub('nonce="NONCE"', html)
    seen: dict[str, str] = {}
    html = UUID.sub(lambda m: seen.setdefault(m.group(), f"uuid-{len(seen)}"), html)
    return PARTY_PK.sub(lambda m: f'name="parties" value="pk-{parties[int(m.group(1))]}"', html)


@pytest.fixture
def desk(world):
    w = world
    m = w.membership
    w.note_taker.first_name, w.note_taker.last_name = "Ana", "O'Neil"
    w.note_taker.save()
    w.session.start()
    Session.schedule(
        negotiation=w.negotiation,
        title="Second round <draft>",
        place="Kel & Port",
        scheduled_for=datetime(2031, 5, 4, 8, 30, tzinfo=UTC),
        time_zone="Europe/Vienna",
    )
    RecordCheck.objects.create(negotiation=w.negotiation, at=datetime(2030, 1, 2, 3, 4, tzinfo=UTC), ok=True)
    aurelian, severian = m(w.note_taker), m(w.other_note_taker)

    quotas = Point.open(negotiation=w.negotiation, title="Quotas")
    agreed = quotas.propose(text="Quotas are set yearly.", party=w.severia, membership=aurelian, session=w.session)
    agreed.add_version(text="Квоты устанавливаются ежегодно.", language="ru", membership=aurelian)
    agreed.agree(parties=[w.aurelia, w.severia], membership=aurelian, session=w.session)
    agreed.agree(parties=[w.severia], membership=severian, session=w.session)

    buoys = Point.open(negotiation=w.negotiation, title="Buoys")  # agreed as Quotas was, by other hands
    buoys_text = buoys.propose(text="Buoys mark the channel.", party=w.aurelia, membership=severian)
    buoys_text.agree(parties=[w.severia], membership=severian)
    buoys_text.agree(parties=[w.aurelia], membership=m(w.head))

    light = Point.open(negotiation=w.negotiation, title="Lighthouse")
    adref = light.propose(text="Kel Light burns all night.", party=w.aurelia, membership=aurelian)
    adref.agree(parties=[w.aurelia, w.severia], membership=aurelian, ad_referendum=True)
    adref.agree(parties=[w.severia], membership=severian, ad_referendum=True)
    adref.confirm(parties=[w.severia], membership=aurelian)

    fees = Point.open(negotiation=w.negotiation, title="Fees & dues")
    fees.propose(text='Fees are "waived" <always>.', party=w.aurelia, membership=aurelian).agree(
        parties=[w.aurelia, w.severia], membership=aurelian
    )

    tolls = Point.open(negotiation=w.negotiation, title="Tolls")
    tolls.propose(text="No tolls are levied.", party=w.severia, membership=aurelian).agree(
        parties=[w.aurelia, w.severia], membership=aurelian, ad_referendum=True, session=w.session
    )

    nets = Point.open(negotiation=w.negotiation, title="Nets")
    nets.propose(text="Nets [are] [may be] allowed.", party=w.aurelia, membership=aurelian, session=w.session)
    nets.propose(text="Nets are banned.", party=w.severia, membership=severian)

    flags = Point.open(negotiation=w.negotiation, title="Flags")
    flags.propose(text="Les pavillons flottent côte à côte.", party=w.severia, membership=severian, language="fr")

    pilots = Point.open(negotiation=w.negotiation, title="Pilots")
    withdrawn = pilots.propose(text="Pilots [are] optional.", party=w.severia, membership=severian)
    Formulation.objects.filter(pk=withdrawn.pk).update(status=Formulation.Status.WITHDRAWN)

    Point.open(negotiation=w.negotiation, title="Dispute settlement")
    return w


def pages(client, w) -> str:
    parties = {p.pk: p.short_name for p in w.negotiation.parties.all()}
    url = w.negotiation.get_absolute_url()
    found = []
    for user in (w.head, w.other_note_taker, w.reviewer):
        client.force_login(user)
        for language in ("en", "fr"):
            headers = {"accept-language": language}
            page = client.get(url, headers=headers)
            assert page.status_code == 200
            found.append(f"<!-- {user.username} {language} page -->\n{normalised(page.content.decode(), parties)}")
            grid = client.get(url, {"status": "agreed_ad_referendum"}, headers={**headers, "HX-Request": "true"})
            found.append(f"<!-- {user.username} {language} htmx grid -->\n{normalised(grid.content.decode(), parties)}")
    return "\n".join(found) + "\n"


def test_the_desk_renders_every_state_of_a_point_as_pinned_in_english_and_french(desk, client):
    got = pages(client, desk)
    if os.environ.get("VERBATIM_WRITE_GOLDEN"):
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(got, encoding="utf-8")
    for state in ("agreed", "ad_referendum", "noted", "none"):
        assert f"consent-{state}" in got
    assert "crochets ouverts" in got  # the French pages are in French
    assert "Confirm Severia" in got and "Capital confirmed</button>" in got  # the confirmations offered
    assert got == GOLDEN.read_text(encoding="utf-8")


def test_the_desk_reads_as_many_points_in_the_same_number_of_queries(desk, client):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(desk.negotiation.get_absolute_url()).status_code == 200
        return len(captured)

    client.force_login(desk.other_note_taker)
    before = queries()
    m = desk.membership(desk.note_taker)
    for n in range(6):
        point = Point.open(negotiation=desk.negotiation, title=f"More {n}")
        formulation = point.propose(text=f"Text {n}.", party=desk.aurelia, membership=m, session=desk.session)
        formulation.add_version(text=f"Texte {n}.", language="fr", membership=m)
        formulation.agree(parties=[desk.aurelia, desk.severia], membership=m, ad_referendum=n % 2 == 0)
    assert queries() == before


def test_the_desk_reads_each_events_parties_as_the_orm_gives_them_even_a_party_the_negotiation_does_not_list(desk):
    from agreements.models import Agreement
    from agreements.standing import _read

    stray = Agreement.objects.filter(formulation__point__negotiation=desk.negotiation).first()
    stray.parties.add(desk.borealis)
    _, _, events, event_parties = _read(desk.negotiation)
    assert len(events) > 5
    for event in events:
        assert list(event.parties.all()) == list(Agreement.objects.get(pk=event.pk).parties.all())
        assert sorted(event_parties.get(event.pk, [])) == sorted(p.pk for p in event.parties.all())
        # asked further, an event's parties are still only its own
        everyone = [desk.aurelia.pk, desk.severia.pk, desk.borealis.pk]
        assert list(event.parties.filter(pk__in=everyone)) == list(event.parties.all())
        assert event.parties.count() == len(event_parties.get(event.pk, []))
    assert desk.borealis in next(e for e in events if e.pk == stray.pk).parties.all()
