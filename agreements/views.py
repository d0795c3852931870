from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import trigger_client_event

from agreements.models import Agreement, AgreementRefused, Formulation, PartyConsent, Point, consent_states
from negotiations.access import CAPTURE_ROLES, get_for_user, get_in_negotiation
from negotiations.models import Membership, Negotiation, Party
from sessions.models import Entry, Session, SessionClosed


def recorder(event: Agreement | None) -> str:
    """Who recorded an act, and for which delegation: "Ilan Morel (Aurelia)"."""
    if event is None:
        return ""
    user = event.recorded_by
    name = user.get_full_name() or user.get_username()
    return f"{name} ({event.delegation.label})" if event.delegation is not None else name


@dataclass
class PartyStanding:
    """One party's consent to one formulation, as the console shows it to
    one member: confirmed (by whom), noted by another delegation and
    awaiting the party's own confirmation, or nothing yet; and what the
    member may do about it."""

    party: Party
    state: PartyConsent
    mine: bool  # the member's acts bind this party

    @property
    def consent(self) -> str | None:
        return self.state.consent

    @property
    def confirmed_by(self) -> str:
        return recorder(self.state.consent_event)

    @property
    def noted_by(self) -> str:
        return recorder(self.state.noted_event)

    @property
    def noted_ad_referendum(self) -> bool:
        return bool(self.state.noted_event and self.state.noted_event.ad_referendum)

    @property
    def awaits_capital(self) -> bool:
        return self.state.consent == "confirmed" and self.state.ad_referendum and self.state.capitals != "confirmed"

    @property
    def capitals_by(self) -> str:
        return recorder(self.state.capitals_event)

    @property
    def can_confirm(self) -> bool:
        """One click confirms what another delegation noted for this party."""
        return self.mine and self.state.consent == "noted"

    @property
    def can_tick(self) -> bool:
        """In the "Agreed" form: any party while nothing is recorded for it
        (the member's own is confirmed, another's noted). A consent already
        noted for the member's own party is confirmed with its own button."""
        return self.state.consent is None

    @property
    def capital_action(self) -> str:
        """ "confirm", "note" or "" for the capitals' confirmation of this party."""
        if not self.awaits_capital:
            return ""
        if self.mine:
            return "confirm"
        return "note" if self.state.capitals is None else ""


def annotate_consents(formulations: list[Formulation], membership: Membership, parties: list[Party]) -> None:
    """Give each formulation ``party_standings`` (one per party, in the
    negotiation's order), replayed from its events in one query."""
    events: dict[int, list[Agreement]] = {}
    for event in (
        Agreement.objects.filter(formulation__in=formulations)
        .select_related("delegation__party", "recorded_by")
        .prefetch_related("parties")
        .order_by("recorded_at", "pk")
    ):
        events.setdefault(event.formulation_id, []).append(event)
    bound = {p.pk for p in membership.bound_parties()}
    for formulation in formulations:
        states = consent_states(events.get(formulation.pk, []), [p.pk for p in parties])
        formulation.party_standings = [PartyStanding(p, states[p.pk], p.pk in bound) for p in parties]
        formulation.can_tick_any = any(s.can_tick for s in formulation.party_standings)
        formulation.any_consent = any(s.consent for s in formulation.party_standings)


def formulations_context(session: Session, membership: Membership) -> dict:
    negotiation = session.negotiation
    points = list(negotiation.points.all())
    parties = list(negotiation.parties.all())
    formulations = list(
        Formulation.objects.filter(point__negotiation=negotiation)
        .exclude(status__in=[Formulation.Status.SUPERSEDED, Formulation.Status.WITHDRAWN])
        .select_related("point", "party", "session")
        .order_by("point__number", "created_at")
    )
    annotate_consents(formulations, membership, parties)
    by_point: dict[int, list[Formulation]] = {}
    for formulation in formulations:
        by_point.setdefault(formulation.point_id, []).append(formulation)
    return {
        "points": [(p, by_point.get(p.pk, [])) for p in points],
        "all_parties": parties,
        "languages": negotiation.working_languages,
    }


def _notify_open_sessions(negotiation: Negotiation, session: Session | None = None) -> None:
    for open_session in negotiation.sessions.filter(status__in=[Session.Status.SCHEDULED, Session.Status.IN_PROGRESS]):
        open_session.changed()
    if session is not None:
        session.changed()


def _panel(request: HttpRequest, session: Session, membership: Membership, *, error: str = "", status: int = 200):
    if not request.htmx:
        if error:
            messages.error(request, error)
        return redirect(session.get_absolute_url())
    context = {
        "session": session,
        "membership": membership,
        "can_edit": membership.can_capture and not session.is_frozen,
        "error": error,
    }
    context |= formulations_context(session, membership)
    response = render(request, "sessions/console.html#formulations-panel", context, status=status)
    return trigger_client_event(response, "panelSaved", {"panel": "formulations"})


def _refusal(error: Exception) -> str:
    return " ".join(error.messages) if isinstance(error, ValidationError) else str(error)


def _named_parties(request: HttpRequest, negotiation: Negotiation) -> list[Party]:
    """The parties a form names. One that is not a party to this negotiation
    (another negotiation's, or none at all) is no such party here."""
    named = {raw for raw in request.POST.getlist("parties") if raw.isascii() and raw.isdigit() and len(raw) < 19}
    parties = list(negotiation.parties.filter(pk__in=named))
    if len(parties) != len(named):
        raise ValidationError(gettext("No such party in this negotiation; tick only parties listed here."))
    return parties


NO_PARTY = {
    "agree": gettext_lazy(
        "Tick the party whose consent you record: yours, or another party's to note that it consented."
    ),
    "confirm": gettext_lazy(
        "Name the party whose capital confirmed the agreement; each party's capital confirms for itself."
    ),
}


@require_GET
def new_formulation(request: HttpRequest, session_id: UUID) -> HttpResponse:
    """The 'record a formulation' form, prefilled from a proposal entry."""
    session, access = get_for_user(request.user, Session, session_id, roles=CAPTURE_ROLES)
    entry, error = None, ""
    if request.GET.get("entry"):
        try:
            entry = _source_entry(request, session)
        except ValidationError as refusal:
            error = _refusal(refusal)
    context = {
        "session": session,
        "entry": entry,
        "words": _prefilled_words(entry, request.GET.get("words", "")),
        "error": error,
        **formulations_context(session, access.membership),
    }
    return render(request, "sessions/console.html#formulation-form", context, status=400 if error else 200)


def _prefilled_words(entry: Entry | None, selected: str) -> str:
    """The exact words the form starts with: the part of the entry the
    note-taker selected, if it is one, else the entry's whole text, exactly."""
    if entry is None:
        return ""
    selected = selected.replace("\r\n", "\n")
    if selected.strip() and selected in entry.text:
        return selected
    return entry.text


def _source_entry(request: HttpRequest, session: Session) -> Entry:
    """The line a formulation is recorded from: a shared line of this
    negotiation. Another negotiation's line is no such line here; an
    internal line never becomes words on the shared record."""
    raw = request.POST.get("entry") or request.GET.get("entry", "")
    entry = get_in_negotiation(request.user, Entry, raw, negotiation=session.negotiation, what=gettext_lazy("line"))
    if entry.is_internal:
        raise ValidationError(INTERNAL_SOURCE)
    return entry


INTERNAL_SOURCE = gettext_lazy(
    "That line is internal to your delegation; a formulation on the shared record must come from a "
    "shared line. Record the words on the shared record first."
)


@require_POST
def propose(request: HttpRequest, session_id: UUID) -> HttpResponse:
    session, access = get_for_user(request.user, Session, session_id, roles=CAPTURE_ROLES)
    membership = access.membership
    negotiation = session.negotiation
    text = request.POST.get("text", "").replace("\r\n", "\n")
    raw_party = request.POST.get("party", "")
    party = negotiation.party_from_form(raw_party)
    entry = None
    try:
        if request.POST.get("entry"):
            entry = _source_entry(request, session)
        if party is None and raw_party:
            raise ValidationError(gettext("No such party in this negotiation; choose one of its parties."))
        if party is None:
            raise ValidationError(gettext("Choose the party that proposed these words."))
        with transaction.atomic():
            point_id = request.POST.get("point", "")
            if point_id == "new" or not point_id:
                point = Point.open(negotiation=negotiation, title=request.POST.get("point_title", ""))
            else:
                point = negotiation.points.filter(public_id=point_id).first()
                if point is None:
                    raise ValidationError(
                        gettext("No such point in this negotiation; pick one of its points or open a new one.")
                    )
            point.propose(
                text=text,
                party=party,
                membership=membership,
                language=request.POST.get("language", ""),
                session=session,
                entry=entry,
            )
    except SessionClosed as error:
        return _panel(request, session, membership, error=str(error), status=409)
    except (ValidationError, AgreementRefused) as error:
        return _panel(request, session, membership, error=_refusal(error), status=400)
    _notify_open_sessions(session.negotiation, session)
    return _panel(request, session, membership)


@require_POST
def agree(request: HttpRequest, session_id: UUID, formulation_id: UUID) -> HttpResponse:
    """Record consent (or capitals' confirmation) at the table: confirmed
    for the parties the member binds, noted for any other party, awaiting
    that party's own confirmation."""
    session, access = get_for_user(request.user, Session, session_id, roles=CAPTURE_ROLES)
    # a formulation of another negotiation is no such formulation here
    formulation, _ = get_for_user(
        request.user,
        Formulation,
        formulation_id,
        roles=CAPTURE_ROLES,
        queryset=Formulation.objects.filter(point__negotiation=session.negotiation_id),
    )
    action = "confirm" if request.POST.get("action") == "confirm" else "agree"
    try:
        parties = _named_parties(request, session.negotiation)
    except ValidationError as error:
        return _panel(request, session, access.membership, error=_refusal(error), status=400)
    if not parties:
        return _panel(request, session, access.membership, error=NO_PARTY[action], status=400)
    try:
        if action == "confirm":
            formulation.confirm(parties=parties, membership=access.membership, session=session)
        else:
            formulation.agree(
                parties=parties,
                membership=access.membership,
                session=session,
                ad_referendum=request.POST.get("ad_referendum") == "1",
            )
    except (ValidationError, AgreementRefused, SessionClosed) as error:
        return _panel(request, session, access.membership, error=_refusal(error), status=409)
    _notify_open_sessions(session.negotiation, session)
    return _panel(request, session, access.membership)


@require_POST
def consent(request: HttpRequest, formulation_id: UUID) -> HttpResponse:
    """A party confirms its own consent (or its capital's confirmation)
    outside a session: from the desk, the point's page, or a closed
    session's console. Only the parties the member binds may be named here;
    noting another party's consent belongs in the session where it was given."""
    formulation, access = get_for_user(
        request.user,
        Formulation,
        formulation_id,
        roles=CAPTURE_ROLES,
        queryset=Formulation.objects.select_related("point"),
    )
    membership = access.membership
    negotiation = access.negotiation
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        back = negotiation.get_absolute_url()
    action = "confirm" if request.POST.get("action") == "confirm" else "agree"
    try:
        parties = _named_parties(request, negotiation)
    except ValidationError as error:
        messages.error(request, _refusal(error))
        return redirect(back)
    if not parties:
        messages.error(request, NO_PARTY[action])
        return redirect(back)
    bound = {p.pk for p in membership.bound_parties()}
    others = [p.label for p in parties if p.pk not in bound]
    if others:
        names = gettext(" and ").join(others)
        raise PermissionDenied(
            gettext(
                "Only %(parties)s's own delegation can confirm for %(parties)s. "
                "Note another party's consent in the session where it was given."
            )
            % {"parties": names}
        )
    try:
        if action == "confirm":
            formulation.confirm(parties=parties, membership=membership)
        else:
            formulation.agree(
                parties=parties, membership=membership, ad_referendum=request.POST.get("ad_referendum") == "1"
            )
    except (ValidationError, AgreementRefused, SessionClosed) as error:
        messages.error(request, _refusal(error))
        return redirect(back)
    names = ", ".join(p.label for p in parties)
    if action == "confirm":
        said = gettext("%(parties)s's capital's confirmation is confirmed.") % {"parties": names}
    else:
        said = gettext("%(parties)s's consent is confirmed.") % {"parties": names}
    if formulation.is_agreed:
        said += " " + gettext("The text of point %(number)s is %(status)s.") % {
            "number": formulation.point.number,
            "status": formulation.get_status_display().lower(),
        }
    messages.success(request, said)
    _notify_open_sessions(negotiation)
    return redirect(back)


@require_GET
def point(request: HttpRequest, point_id: UUID) -> HttpResponse:
    """A point's history: every formulation in order with its events, and a
    word-level comparison of any two."""
    from agreements.diff import word_diff

    point, access = get_for_user(request.user, Point, point_id)
    formulations = list(
        point.formulations.select_related("party", "session", "proposed_by", "version_of").order_by("created_at", "pk")
    )
    events = list(
        Agreement.objects.filter(formulation__point=point)
        .select_related("formulation__party", "session", "recorded_by", "delegation__party")
        .prefetch_related("parties")
        .order_by("recorded_at", "pk")
    )
    follow_noted_acts(events)
    timeline = sorted(
        [("formulation", f.created_at, f) for f in formulations] + [("event", e.recorded_at, e) for e in events],
        key=lambda item: item[1],
    )
    by_id = {str(f.public_id): f for f in formulations}
    originals = [f for f in formulations if f.version_of_id is None]
    a = by_id.get(request.GET.get("a", "")) or (originals[-2] if len(originals) > 1 else None)
    b = by_id.get(request.GET.get("b", "")) or (originals[-1] if originals else None)
    context = {
        "point": point,
        "negotiation": point.negotiation,
        "membership": access.membership,
        "timeline": timeline,
        "formulations": formulations,
        "a": a,
        "b": b,
        "diff": word_diff(a.text, b.text) if a and b and a != b else None,
        "languages": point.negotiation.working_languages,
    }
    if request.htmx and request.GET.get("part") == "diff":
        return render(request, "agreements/point.html#diff", context)
    return render(request, "agreements/point.html", context)


def follow_noted_acts(events: list[Agreement]) -> None:
    """Give each event ``by`` (who recorded it, for which delegation) and
    each noted one ``confirmations``, the later events in which a party
    confirmed it itself (until the text is reopened), and ``awaiting``, the
    parties that have not yet."""
    waiting: dict[tuple[int, str, int], list[Agreement]] = {}
    for event in events:
        event.by = recorder(event)
        event.confirmations = []
        event.awaiting = []
        if event.kind == Agreement.Kind.REOPENED:
            waiting = {k: v for k, v in waiting.items() if k[0] != event.formulation_id}
            continue
        for party in event.parties.all():
            key = (event.formulation_id, event.kind, party.pk)
            if not event.binding:
                waiting.setdefault(key, []).append(event)
                continue
            for noted in waiting.pop(key, []):
                noted.confirmations.append((party, event))
    for event in events:
        confirmed = {party.pk for party, _ in event.confirmations}
        if not event.binding and event.kind != Agreement.Kind.REOPENED:
            event.awaiting = [p for p in event.parties.all() if p.pk not in confirmed]


@require_POST
def reopen(request: HttpRequest, formulation_id: UUID) -> HttpResponse:
    from negotiations.access import HEAD_ROLES

    formulation, access = get_for_user(request.user, Formulation, formulation_id, roles=HEAD_ROLES)
    try:
        formulation.reopen(reason=request.POST.get("reason", "").replace("\r\n", "\n"), membership=access.membership)
    except (ValidationError, AgreementRefused) as error:
        messages.error(request, " ".join(error.messages) if isinstance(error, ValidationError) else str(error))
    else:
        messages.success(request, gettext("The point is reopened. The agreed text stays in its history."))
    return redirect(formulation.point.get_absolute_url())


@require_POST
def add_version(request: HttpRequest, formulation_id: UUID) -> HttpResponse:
    formulation, access = get_for_user(request.user, Formulation, formulation_id, roles=CAPTURE_ROLES)
    try:
        formulation.add_version(
            text=request.POST.get("text", "").replace("\r\n", "\n"),
            language=request.POST.get("language", ""),
            membership=access.membership,
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, gettext("The language version is recorded."))
    return redirect(formulation.point.get_absolute_url())
