"""A fictional negotiation for demos and tests: invented states, people and
wording, following the pattern in DOMAIN.md (a vague consent, a
counter-formulation accepted verbatim, a point left bracketed, an action
item), with Cyrillic, Arabic and Chinese text."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from django.contrib.auth import get_user_model
from django.db import transaction

from agreements.models import Point
from negotiations.models import Delegation, Membership, Negotiation, Party
from sessions.models import AgendaItem, Attendance, Entry, Participant, Session, Summary
from sessions.services import summary_build

TITLE = "Aurelia–Severia talks on the Veldrin Strait"
PASSWORD = "verbatim-demo"
NAMESPACE = uuid.UUID("6f0c1e1e-8d6a-4c8e-9a55-0d2f3c1b7a10")

USERS = [
    # username, full name, delegation, role in the negotiation (None: staff only)
    ("records", "Rhea Okafor", None, None),
    ("amara", "Amara Lind", "Aurelian delegation", Membership.Role.HEAD),
    ("ilan", "Ilan Morel", "Aurelian delegation", Membership.Role.NOTE_TAKER),
    ("petra", "Petra Vos", "Aurelian delegation", Membership.Role.NOTE_TAKER),
    ("lucas", "Lucas Brand", "Aurelian delegation", Membership.Role.REVIEWER),
    ("yelena", "Yelena Sorokina", "Severian delegation", Membership.Role.HEAD),
    ("dmitri", "Dmitri Volkov", "Severian delegation", Membership.Role.NOTE_TAKER),
]

AURELIA = "Republic of Aurelia"
SEVERIA = "Severian Federation"


def _cid(label: str) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, label)


def seed() -> bool:
    """Load the scenario. Returns False (and changes nothing) if it is
    already there."""
    User = get_user_model()
    with transaction.atomic():
        if Negotiation.objects.filter(title=TITLE).exists():
            return False
        aurelia, _ = Party.objects.get_or_create(name=AURELIA, defaults={"short_name": "Aurelia"})
        severia, _ = Party.objects.get_or_create(name=SEVERIA, defaults={"short_name": "Severia"})
        delegations = {
            "Aurelian delegation": Delegation.objects.get_or_create(name="Aurelian delegation", party=aurelia)[0],
            "Severian delegation": Delegation.objects.get_or_create(name="Severian delegation", party=severia)[0],
        }
        users = {}
        for username, full_name, delegation, _role in USERS:
            first, last = full_name.split(" ", 1)
            user, created = User.objects.get_or_create(
                username=username, defaults={"first_name": first, "last_name": last, "email": f"{username}@example.org"}
            )
            if created:
                user.set_password(PASSWORD)
                user.is_staff = delegation is None
                user.is_superuser = delegation is None
                user.save()
            if delegation:
                delegations[delegation].add_member(user)
            users[username] = user

        negotiation = Negotiation.start(
            title=TITLE,
            parties=[AURELIA, SEVERIA],
            by=users["amara"],
            working_languages=["en", "ru"],
            classification="CONFIDENTIAL",
        )
        head = Membership.objects.get(negotiation=negotiation, user=users["amara"])
        for username, _name, _delegation, role in USERS:
            if role and username not in {"amara"}:
                by = head
                if username == "dmitri":
                    by = Membership.objects.get(negotiation=negotiation, user=users["yelena"])
                negotiation.add_member(user=users[username], role=role, by=by)
        m = {ms.user.username: ms for ms in negotiation.memberships.select_related("user", "delegation")}

        people = {}
        for name, party, function, title in [
            ("Amara Lind", aurelia, Participant.Function.HEAD, "Ambassador"),
            ("Ilan Morel", aurelia, Participant.Function.NOTE_TAKER, ""),
            ("Tomas Reyes", aurelia, Participant.Function.EXPERT, "Maritime law adviser"),
            ("Yelena Sorokina", severia, Participant.Function.HEAD, "Deputy Minister"),
            ("Oleg Karpov", severia, Participant.Function.ADVISOR, "Fisheries adviser"),
            ("Nadia Haddad", severia, Participant.Function.INTERPRETER, ""),
        ]:
            people[name] = Participant.objects.create(
                negotiation=negotiation, party=party, name=name, function=function, title=title
            )

        start = datetime(2026, 11, 18, 9, 30, tzinfo=UTC)
        session = Session.schedule(negotiation=negotiation, title="Opening round", place="Hotel Meridian, Port Calder")
        for position, title in enumerate(["Freedom of navigation", "Fishing quotas", "Names on the charts"], start=1):
            AgendaItem.objects.create(session=session, position=position, title=title)
        agenda = list(session.agenda_items.all())
        for person in people.values():
            Attendance.objects.create(session=session, participant=person)

        navigation = Point.open(negotiation=negotiation, title="Freedom of navigation in the Veldrin Strait")
        quotas = Point.open(negotiation=negotiation, title="Fishing quotas")
        names = Point.open(negotiation=negotiation, title="Name of the lighthouse on Kel Island")

        minute = 0

        def note(who: str, text: str, *, kind=Entry.Kind.NOTE, speaker=None, item=0, visibility="record") -> Entry:
            nonlocal minute
            minute += 3
            entry, _ = session.record_entry(
                membership=m[who],
                client_id=_cid(f"{who}:{minute}:{text[:20]}"),
                text=text,
                kind=kind,
                speaker=people[speaker] if speaker else None,
                agenda_item=agenda[item],
                visibility=visibility,
                at=start + timedelta(minutes=minute),
            )
            return entry

        at = lambda: start + timedelta(minutes=minute)  # noqa: E731

        note("ilan", "Session opened by the two heads of delegation.", speaker="Amara Lind")
        vague = note(
            "ilan",
            "Yes, in principle, of course ships should be able to pass. We have never said otherwise.",
            kind=Entry.Kind.STATEMENT,
            speaker="Yelena Sorokina",
        )
        proposal = note(
            "ilan",
            "Merchant vessels of both Parties shall enjoy unimpeded passage through the Veldrin Strait at all times.",
            kind=Entry.Kind.PROPOSAL,
            speaker="Tomas Reyes",
        )
        agreed = navigation.propose(
            text=proposal.text,
            party=aurelia,
            membership=m["ilan"],
            language="en",
            session=session,
            entry=proposal,
            at=at(),
        )
        minute += 1
        session.record_entry(
            membership=m["dmitri"],
            client_id=_cid("severian-reading-of-the-consent"),
            text="In principle ships may pass; the modalities remain to be agreed.",
            kind=Entry.Kind.STATEMENT,
            speaker=people["Yelena Sorokina"],
            agenda_item=agenda[0],
            disputes=vague,
            at=at(),
        )
        note(
            "dmitri",
            "Мы принимаем эту формулировку. We accept this wording.",
            kind=Entry.Kind.STATEMENT,
            speaker="Yelena Sorokina",
        )
        # The Aurelian note-taker notes both consents; Severia's stands once its own head confirms it.
        agreed.agree(parties=[aurelia, severia], membership=m["ilan"], session=session, at=at())
        agreed.agree(parties=[severia], membership=m["yelena"], session=session, at=at())
        agreed.add_version(
            text="Торговые суда обеих Сторон пользуются беспрепятственным проходом через пролив Вельдрин в любое время.",
            language="ru",
            membership=m["dmitri"],
            session=session,
        )
        note("ilan", "Point 1 agreed as formulated by Aurelia.", kind=Entry.Kind.DECISION)

        text_ru = "Квоты на вылов устанавливаются Совместной комиссией [ежегодно] [раз в три года]."
        entry = note("dmitri", text_ru, kind=Entry.Kind.PROPOSAL, speaker="Oleg Karpov", item=1)
        quotas.propose(
            text=text_ru, party=severia, membership=m["dmitri"], language="ru", session=session, entry=entry, at=at()
        )
        text_en = "Fishing quotas shall be set by the Joint Commission [annually] [every three years], after consulting  coastal communities."
        entry = note("petra", text_en, kind=Entry.Kind.PROPOSAL, speaker="Amara Lind", item=1)
        quotas.propose(
            text=text_en, party=aurelia, membership=m["petra"], language="en", session=session, entry=entry, at=at()
        )
        note(
            "petra",
            "Severian fisheries adviser hesitated on the three-year cycle; Karpov looked to Sorokina twice.",
            kind=Entry.Kind.OBSERVATION,
            visibility="internal",
            item=1,
        )
        note(
            "dmitri",
            "Аврелийская сторона не готова обсуждать сроки до консультаций с рыбаками.",
            kind=Entry.Kind.OBSERVATION,
            visibility="internal",
            item=1,
        )

        lighthouse = (
            "The lighthouse on Kel Island shall be named in every official text as:\n"
            "\tKel Light — Маяк Кель — منارة كيل — 克尔灯塔 🗼"
        )
        entry = note("ilan", lighthouse, kind=Entry.Kind.PROPOSAL, speaker="Nadia Haddad", item=2)
        named = names.propose(
            text=lighthouse, party=severia, membership=m["ilan"], language="mul", session=session, entry=entry, at=at()
        )
        named.agree(parties=[aurelia, severia], membership=m["ilan"], session=session, ad_referendum=True, at=at())
        named.agree(parties=[severia], membership=m["dmitri"], session=session, ad_referendum=True, at=at())
        note(
            "ilan",
            "Names agreed ad referendum, subject to confirmation by both capitals.",
            kind=Entry.Kind.DECISION,
            item=2,
        )
        note(
            "ilan",
            "Aurelian delegation to circulate a map of the shipping lanes before Session 2.",
            kind=Entry.Kind.ACTION_ITEM,
            item=0,
        )
        typo = note("petra", "Next session proposed for 2 Decmber in Port Calder.", kind=Entry.Kind.NOTE)
        minute += 1
        session.record_entry(
            membership=m["ilan"],
            client_id=_cid("correction-next-session"),
            text="Next session proposed for 2 December in Port Calder.",
            kind=Entry.Kind.NOTE,
            supersedes=typo,
            at=at(),
        )
        session.close(by=m["amara"])
        Session.objects.filter(pk=session.pk).update(started_at=start, ended_at=start + timedelta(minutes=minute + 5))
        session.refresh_from_db()
        Session.schedule(
            negotiation=negotiation,
            title="Second round",
            place="Port Calder",
            scheduled_for=datetime(2026, 12, 2, 9, 0, tzinfo=UTC),
        )
        # The summary is built here, not by a worker: the demo must be complete at once.
        summary_build(summary=Summary.objects.create(session=session))
    return True
