from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from negotiations import forms
from negotiations.access import HEAD_ROLES, get_for_user, negotiations_for
from negotiations.models import Delegation, Invitation, Membership, Negotiation, Party, RecordCheck, delegation_of


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    negotiations = negotiations_for(request.user).select_related("owner").prefetch_related("parties")
    roles = dict(Membership.objects.filter(user=request.user).values_list("negotiation_id", "role"))
    rows = [(n, Membership.Role(roles[n.pk]).label) for n in negotiations]
    return render(request, "negotiations/index.html", {"rows": rows})


@require_GET
def detail(request: HttpRequest, negotiation_id: UUID) -> HttpResponse:
    """The head of delegation's desk: every point's status and current words,
    who has consented, open brackets, and progress session by session."""
    from agreements.standing import POINT_STATUSES, desk_standing, progress_chart

    negotiation, access = get_for_user(request.user, Negotiation, negotiation_id)
    standings, progress = desk_standing(negotiation)
    sessions = list(negotiation.sessions.all())
    status = request.GET.get("status", "")
    party = request.GET.get("party", "")
    session = request.GET.get("session", "")
    shown = [
        s
        for s in standings
        if (not status or s.status == status)
        and (not party or any(str(f.party.public_id) == party for f in s.positions))
        and (not session or (s.last_session and str(s.last_session.public_id) == session))
    ]
    membership = access.membership
    context = {
        "negotiation": negotiation,
        "membership": membership,
        # the parties whose noted consent this member may confirm with one click
        "confirms_for": {p.pk for p in membership.bound_parties()} if membership.can_capture else set(),
        "sessions": sessions,
        "parties": list(negotiation.parties.all()),
        "standings": shown,
        "all_count": len(standings),
        "statuses": POINT_STATUSES,
        "counts": {key: sum(1 for s in standings if s.status == key) for key, _ in POINT_STATUSES},
        "open_brackets": sum(s.open_brackets for s in standings),
        "awaiting_confirmation": sum(1 for s in standings for c in s.consents if c.state == "ad_referendum"),
        "noted_consents": sum(1 for s in standings for c in s.consents if c.state == "noted"),
        "filters": {"status": status, "party": party, "session": session},
        "progress": progress,
        "chart": progress_chart(progress),
        "record_check": (check := RecordCheck.latest_for(negotiation)),
        "record_breaks": check.lines_for(membership) if check and not check.ok else [],
    }
    if request.htmx:
        return render(request, "negotiations/detail.html#points", context)
    return render(request, "negotiations/detail.html", context)


@require_GET
def search(request: HttpRequest) -> HttpResponse:
    from negotiations.search import MAX_QUERY_CHARS, check_query
    from negotiations.search import search as run_search

    query = request.GET.get("q", "").strip()
    if query:
        try:
            check_query(query)
        except ValidationError as error:
            context = {"query": query[:MAX_QUERY_CHARS], "hits": [], "error": " ".join(error.messages)}
            return render(request, "negotiations/search.html", context, status=400)
    hits = run_search(request.user, query) if query else []
    return render(request, "negotiations/search.html", {"query": query, "hits": hits})


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", status=404)


def not_allowed(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """A member without the role or party for an action: say which, in words."""
    reason = " ".join(str(arg) for arg in exception.args) if exception is not None else ""
    return render(request, "403.html", {"reason": reason}, status=403)


# --- Setting up talks: a head's pages ------------------------------------------------------------------------


def _refusal(error: ValidationError) -> str:
    return " ".join(error.messages)


@require_http_methods(["GET", "POST"])
def new_negotiation(request: HttpRequest) -> HttpResponse:
    """A member of a delegation opens a negotiation, with their delegation as its owner and themselves as head."""
    delegation = delegation_of(request.user)
    form = forms.NewNegotiationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            negotiation = Negotiation.start(
                title=data["title"],
                parties=data["other_parties"],
                by=request.user,
                format=data["format"],
                package_rule=data["package_rule"],
                working_languages=data["working_languages"],
                classification=data["classification"],
                secretariat_keeps_record=data["secretariat_keeps_record"],
            )
        except ValidationError as error:
            form.add_error(None, _refusal(error))
        else:
            messages.success(request, _("The negotiation is open. Invite the people who keep its record."))
            return redirect("negotiations:people", negotiation.public_id)
    status = 400 if request.method == "POST" else 200
    return render(request, "negotiations/new.html", {"form": form, "delegation": delegation}, status=status)


def _people_context(request: HttpRequest, negotiation: Negotiation, membership: Membership, **forms_in) -> dict:
    memberships = negotiation.memberships.select_related("user", "delegation__party").order_by(
        "delegation__name", "user__username"
    )
    by_delegation: dict[Delegation, list[Membership]] = {}
    for m in memberships:
        by_delegation.setdefault(m.delegation, []).append(m)
    own_party_id = membership.delegation.party_id
    invitations = (
        negotiation.invitations.filter(created_by_delegation=membership.delegation)
        .select_related("delegation", "created_by")
        .order_by("-created_at")
        if membership.is_head
        else []
    )
    return {
        "negotiation": negotiation,
        "membership": membership,
        "delegations": list(by_delegation.items()),
        "roles": Membership.Role.choices,
        "member_form": forms_in.get("member_form") or forms.MemberForm(),
        "link_form": forms_in.get("link_form")
        or forms.InvitationForm(negotiation=negotiation, own_party_id=own_party_id),
        "invitations": invitations,
        "new_link": forms_in.get("new_link"),
        "lifetime_days": _lifetime_days(),
    }


def _lifetime_days() -> int:
    from django.conf import settings

    return settings.INVITATION_LIFETIME_DAYS


@require_GET
def people(request: HttpRequest, negotiation_id: UUID) -> HttpResponse:
    """The negotiation's members by delegation; a head manages their own delegation and invites by link."""
    negotiation, access = get_for_user(request.user, Negotiation, negotiation_id)
    return render(request, "negotiations/people.html", _people_context(request, negotiation, access.membership))


def _people_refused(request: HttpRequest, negotiation: Negotiation, membership: Membership, **kw) -> HttpResponse:
    context = _people_context(request, negotiation, membership, **kw)
    return render(request, "negotiations/people.html", context, status=400)


@require_POST
def add_member(request: HttpRequest, negotiation_id: UUID) -> HttpResponse:
    """Add a member with an account (of your delegation, or another party's head), or change a role."""
    negotiation, access = get_for_user(request.user, Negotiation, negotiation_id, roles=HEAD_ROLES)
    form = forms.MemberForm(request.POST)
    if form.is_valid():
        user = get_user_model().objects.filter(username=form.cleaned_data["username"].strip()).first()
        try:
            membership = negotiation.add_member(user=user, role=form.cleaned_data["role"], by=access.membership)
        except ValidationError as error:
            form.add_error(None, _refusal(error))
        else:
            messages.success(
                request,
                _("%(user)s is %(role)s in this negotiation.")
                % {"user": membership.user.get_username(), "role": membership.get_role_display().lower()},
            )
            return redirect("negotiations:people", negotiation.public_id)
    return _people_refused(request, negotiation, access.membership, member_form=form)


@require_POST
def change_role(request: HttpRequest, negotiation_id: UUID) -> HttpResponse:
    negotiation, access = get_for_user(request.user, Negotiation, negotiation_id, roles=HEAD_ROLES)
    form = forms.MemberForm(request.POST)
    if form.is_valid():
        try:
            member = negotiation.member_of_own_delegation(username=form.cleaned_data["username"], by=access.membership)
            negotiation.add_member(user=member.user, role=form.cleaned_data["role"], by=access.membership)
        except ValidationError as error:
            messages.error(request, _refusal(error))
        else:
            messages.success(request, _("The role of %(user)s is changed.") % {"user": member.user.get_username()})
    else:
        messages.error(request, _("Choose a member of your delegation and a role."))
    return redirect("negotiations:people", negotiation.public_id)


@require_POST
def remove_member(request: HttpRequest, negotiation_id: UUID) -> HttpResponse:
    """Remove a member of your own delegation: their open consoles and streams end; what they recorded stays."""
    negotiation, access = get_for_user(request.user, Negotiation, negotiation_id, roles=HEAD_ROLES)
    form = forms.RemoveMemberForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(_("Choose a member of your delegation to remove."))
        member = negotiation.member_of_own_delegation(username=form.cleaned_data["username"], by=access.membership)
        negotiation.remove_member(membership=member, by=access.membership)
    except ValidationError as error:
        messages.error(request, _refusal(error))
    else:
        messages.success(
            request,
            _("%(user)s no longer takes part in this negotiation; what they recorded stays in the record.")
            % {"user": member.user.get_username()},
        )
    return redirect("negotiations:people", negotiation.public_id)


@require_POST
def create_link(request: HttpRequest, negotiation_id: UUID) -> HttpResponse:
    """A one-time link, shown once on the page that answers."""
    negotiation, access = get_for_user(request.user, Negotiation, negotiation_id, roles=HEAD_ROLES)
    membership = access.membership
    form = forms.InvitationForm(request.POST, negotiation=negotiation, own_party_id=membership.delegation.party_id)
    if form.is_valid():
        try:
            invitation, raw = Invitation.issue(
                negotiation=negotiation, by=membership, role=form.cleaned_data["role"], party=form.cleaned_data["party"]
            )
        except ValidationError as error:
            form.add_error(None, _refusal(error))
        else:
            link = request.build_absolute_uri(reverse("accounts:invitation", args=[raw]))
            context = _people_context(
                request, negotiation, membership, new_link={"url": link, "invitation": invitation}
            )
            return render(request, "negotiations/people.html", context)
    return _people_refused(request, negotiation, membership, link_form=form)


@require_POST
def revoke_link(request: HttpRequest, negotiation_id: UUID, invitation_id: UUID) -> HttpResponse:
    negotiation, access = get_for_user(request.user, Negotiation, negotiation_id, roles=HEAD_ROLES)
    invitation = negotiation.invitations.filter(
        public_id=invitation_id, created_by_delegation=access.membership.delegation
    ).first()
    if invitation is None:
        messages.error(request, _("Your delegation has no such link in this negotiation; pick one from its list."))
    else:
        try:
            invitation.revoke(by=access.membership)
        except ValidationError as error:
            messages.error(request, _refusal(error))
        else:
            messages.success(request, _("The link is revoked: it no longer opens anything."))
    return redirect("negotiations:people", negotiation.public_id)


@require_http_methods(["GET", "POST"])
def schedule(request: HttpRequest, negotiation_id: UUID) -> HttpResponse:
    """A head schedules a session at a date, time and place, in the place's time zone."""
    from sessions.models import Session
    from sessions.setup_api import local_moment

    negotiation, _access = get_for_user(request.user, Negotiation, negotiation_id, roles=HEAD_ROLES)
    form = forms.ScheduleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            session = Session.schedule(
                negotiation=negotiation,
                title=data["title"],
                place=data["place"].strip(),
                scheduled_for=local_moment(data["date"], data["time"], data["time_zone"]),
                time_zone=data["time_zone"],
            )
        except ValidationError as error:
            form.add_error(None, _refusal(error))
        else:
            messages.success(
                request, _("Session %(number)s is scheduled. Prepare its agenda.") % {"number": session.number}
            )
            return redirect("negotiations:agenda", session.public_id)
    status = 400 if request.method == "POST" else 200
    return render(request, "negotiations/schedule.html", {"negotiation": negotiation, "form": form}, status=status)


def _agenda_page(request: HttpRequest, session_id: UUID, *, form=None, status: int = 200) -> HttpResponse:
    from sessions.models import Session

    session, access = get_for_user(request.user, Session, session_id)
    context = {
        "session": session,
        "negotiation": session.negotiation,
        "membership": access.membership,
        "items": list(session.agenda_items.order_by("position")),
        "ahead": session.status == Session.Status.SCHEDULED,
        "form": form or forms.AgendaItemForm(),
    }
    return render(request, "negotiations/agenda.html", context, status=status)


@require_GET
def agenda(request: HttpRequest, session_id: UUID) -> HttpResponse:
    """The agenda of a session, prepared ahead of it by a head: ordered, nothing taken up."""
    return _agenda_page(request, session_id)


def _agenda_change(request: HttpRequest, session_id: UUID, change) -> HttpResponse:
    from sessions.models import AgendaChanged, Session, SessionClosed

    session, _access = get_for_user(request.user, Session, session_id, roles=HEAD_ROLES)
    try:
        change(session)
    except (ValidationError, SessionClosed, AgendaChanged) as error:
        text = _refusal(error) if isinstance(error, ValidationError) else str(error)
        messages.error(request, text)
    return redirect("negotiations:agenda", session.public_id)


@require_POST
def agenda_add(request: HttpRequest, session_id: UUID) -> HttpResponse:
    form = forms.AgendaItemForm(request.POST)
    if not form.is_valid():
        from sessions.models import Session

        get_for_user(request.user, Session, session_id, roles=HEAD_ROLES)
        return _agenda_page(request, session_id, form=form, status=400)
    return _agenda_change(request, session_id, lambda s: s.prepare_agenda_item(form.cleaned_data["title"]))


def _place_seen(form: forms.AgendaRemoveForm) -> tuple[int, str | None]:
    """The form's place and the title the page showed there (the model checks it is still that item)."""
    if not form.is_valid():
        raise ValidationError(_("No agenda item at that place in this session; reload the agenda."))
    return form.cleaned_data["position"], form.cleaned_data["seen"] or None


@require_POST
def agenda_move(request: HttpRequest, session_id: UUID) -> HttpResponse:
    form = forms.AgendaMoveForm(request.POST)

    def move(session) -> None:
        position, seen = _place_seen(form)
        session.move_agenda_item(position, form.cleaned_data["to"], seen=seen)

    return _agenda_change(request, session_id, move)


@require_POST
def agenda_remove(request: HttpRequest, session_id: UUID) -> HttpResponse:
    form = forms.AgendaRemoveForm(request.POST)

    def remove(session) -> None:
        position, seen = _place_seen(form)
        session.remove_agenda_item(position, seen=seen)

    return _agenda_change(request, session_id, remove)


# --- Records staff: people without /admin/ -------------------------------------------------------------------


def _require_staff(request: HttpRequest) -> None:
    if not request.user.is_staff:
        raise PermissionDenied(_("Only records staff create users, parties and delegations; ask them."))


def _staff_page(request: HttpRequest, status: int = 200, **forms_in) -> HttpResponse:
    context = {
        "user_form": forms_in.get("user_form") or forms.StaffUserForm(),
        "party_form": forms_in.get("party_form") or forms.PartyForm(),
        "delegation_form": forms_in.get("delegation_form") or forms.DelegationForm(),
        "placement_form": forms_in.get("placement_form") or forms.PlacementForm(),
        "delegations": Delegation.objects.select_related("party").prefetch_related("delegation_members__user"),
        "parties": Party.objects.all(),
        "unplaced": get_user_model().objects.filter(is_active=True, delegation_member=None).order_by("username"),
    }
    return render(request, "negotiations/staff_people.html", context, status=status)


@require_GET
def staff_people(request: HttpRequest) -> HttpResponse:
    _require_staff(request)
    return _staff_page(request)


@require_POST
def staff_create_user(request: HttpRequest) -> HttpResponse:
    from negotiations.api import create_user

    _require_staff(request)
    form = forms.StaffUserForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                user = create_user(username=data["username"], password=data["password"], full_name=data["full_name"])
                if data["delegation"] is not None:
                    data["delegation"].add_member(user)
        except ValidationError as error:
            form.add_error(None, _refusal(error))
        else:
            messages.success(request, _("The account %(user)s is created.") % {"user": user.get_username()})
            return redirect("negotiations:staff_people")
    return _staff_page(request, status=400, user_form=form)


@require_POST
def staff_create_party(request: HttpRequest) -> HttpResponse:
    _require_staff(request)
    form = forms.PartyForm(request.POST)
    if form.is_valid():
        party = Party.objects.create(name=form.cleaned_data["name"], short_name=form.cleaned_data["short_name"].strip())
        messages.success(request, _("The party %(party)s is created.") % {"party": party.name})
        return redirect("negotiations:staff_people")
    return _staff_page(request, status=400, party_form=form)


@require_POST
def staff_create_delegation(request: HttpRequest) -> HttpResponse:
    _require_staff(request)
    form = forms.DelegationForm(request.POST)
    if form.is_valid():
        delegation = Delegation.objects.create(name=form.cleaned_data["name"], party=form.cleaned_data["party"])
        messages.success(request, _("The delegation %(delegation)s is created.") % {"delegation": delegation.name})
        return redirect("negotiations:staff_people")
    return _staff_page(request, status=400, delegation_form=form)


@require_POST
def staff_place_user(request: HttpRequest) -> HttpResponse:
    _require_staff(request)
    form = forms.PlacementForm(request.POST)
    if form.is_valid():
        user = get_user_model().objects.filter(username=form.cleaned_data["username"].strip(), is_active=True).first()
        delegation = form.cleaned_data["delegation"]
        if user is None:
            form.add_error("username", _("There is no active user with that username."))
        else:
            try:
                delegation.add_member(user)
            except ValidationError as error:
                form.add_error(None, _refusal(error))
            else:
                messages.success(
                    request,
                    _("%(user)s is in the delegation %(delegation)s.")
                    % {"user": user.get_username(), "delegation": delegation.name},
                )
                return redirect("negotiations:staff_people")
    return _staff_page(request, status=400, placement_form=form)
