"""The minutes page: the summary built from the record, the heads'
narrative, each party's approval, and corrigenda.

Minutes bind the table only when every party has approved the same text,
so the page says, party by party, who approved and who is still awaited,
and a head approves only for the party (or, for a secretariat that keeps
the record, the parties) their own acts bind. Approving is a deliberate
act: the form carries a checkbox naming the party and the fingerprint of
the text on screen, and nothing is recorded if either is missing or stale.
The narrative is saved against the version the head loaded; a stale save
shows both texts with status 409 and overwrites nothing."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_POST

from negotiations.access import get_for_user
from negotiations.models import Membership, Party
from sessions.models import Corrigendum, MinutesApproval, NarrativeConflict, Session, Summary
from sessions.services import summary_retry
from sessions.summary import without_internal_sources


def _names(parties: list[Party]) -> str:
    return ", ".join(p.label for p in parties)


def approval_sentence(rows: list[dict[str, Any]]) -> str:
    """ "approved by Aurelia, awaiting Severia"; a party whose approval a
    later change voided is awaited again."""
    approved = [row["party"] for row in rows if row["state"] == "approved"]
    awaiting = [
        (
            gettext("%(party)s (again)") % {"party": row["party"].label}
            if row["state"] == "voided"
            else row["party"].label
        )
        for row in rows
        if row["state"] != "approved"
    ]
    parts = []
    if approved:
        parts.append(gettext("approved by %(parties)s") % {"parties": _names(approved)})
    if awaiting:
        parts.append(gettext("awaiting %(parties)s") % {"parties": ", ".join(awaiting)})
    return ", ".join(parts)


def _voided(summary: Summary) -> dict[int, MinutesApproval]:
    """Each party's latest approval that a later change voided."""
    current = summary.fingerprint()
    latest: dict[int, MinutesApproval] = {}
    for approval in (
        summary.approvals.filter(corrigendum=None)
        .exclude(fingerprint=current)
        .select_related("party", "by", "delegation__party")
        .order_by("at", "pk")
    ):
        latest[approval.party_id] = approval
    return latest


def _pending_for(membership: Membership, rows: list[dict[str, Any]]) -> list[Party]:
    """The parties this head would approve for now: those their acts bind
    that have not approved the current text."""
    if not membership.is_head:
        return []
    done = {row["party"].pk for row in rows if row["state"] == "approved"}
    return [p for p in membership.bound_parties() if p.pk not in done]


def _minutes_context(session: Session, membership: Membership) -> dict[str, Any]:
    summary = (
        Summary.objects.filter(session=session)
        .select_related("approved_by", "narrative_edited_by", "session__negotiation")
        .first()
    )
    context: dict[str, Any] = {
        "session": session,
        "negotiation": session.negotiation,
        "membership": membership,
        "summary": summary,
        "content": without_internal_sources(summary.content) if summary else None,
        "corrigenda": [],
    }
    if summary is None or summary.status != Summary.Status.READY:
        return context
    rows = summary.approval_state()
    voided = _voided(summary)
    for row in rows:
        row["voided"] = voided.get(row["party"].pk) if row["state"] == "voided" else None
    corrigenda = []
    for c in summary.corrigenda.select_related("issued_by"):
        c_rows = c.approval_state()
        corrigenda.append(
            {
                "corrigendum": c,
                "rows": c_rows,
                "in_force": all(row["state"] == "approved" for row in c_rows),
                "sentence": approval_sentence(c_rows),
                "approve_for": (pending := _pending_for(membership, c_rows)),
                "approve_names": _names(pending),
                "label": f"corrigendum {c.number}",
            }
        )
    approve_for = [] if summary.is_approved else _pending_for(membership, rows)
    context |= {
        "fingerprint": summary.fingerprint(),
        "approval_rows": rows,
        "approval_sentence": approval_sentence(rows),
        "approve_for": approve_for,
        "approve_for_names": _names(approve_for),
        "corrigenda": corrigenda,
        "bound_parties": membership.bound_parties(),
        "can_issue_corrigendum": summary.is_approved and membership.is_head and bool(membership.bound_parties()),
    }
    return context


def _page(
    request: HttpRequest, session: Session, membership: Membership, status: int = 200, **extra: Any
) -> HttpResponse:
    return render(request, "sessions/minutes.html", _minutes_context(session, membership) | extra, status=status)


@require_GET
def minutes(request: HttpRequest, session_id: UUID) -> HttpResponse:
    """The draft or approved minutes: the summary built from the record,
    the heads' narrative, each party's approval and corrigenda."""
    session, access = get_for_user(request.user, Session, session_id)
    return _page(request, session, access.membership)


def _head_access(request: HttpRequest, session_id: UUID) -> tuple[Session, Membership]:
    """A head of delegation's access; anyone else who may read the minutes
    is refused with the reason, on the page (403)."""
    session, access = get_for_user(request.user, Session, session_id)
    if not access.membership.is_head:
        raise _Refused(session, access.membership, gettext("Only a head of delegation can do this; ask your head."))
    return session, access.membership


class _Refused(Exception):
    def __init__(self, session: Session, membership: Membership, reason: str) -> None:
        self.session, self.membership, self.reason = session, membership, reason
        super().__init__(reason)


def _refusals(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Show a refusal on the minutes page with status 403, in words."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except _Refused as refused:
            return _page(request, refused.session, refused.membership, status=403, refusal=refused.reason)

    return wrapped


def _summary_or_404(session: Session) -> Summary:
    summary = Summary.objects.filter(session=session).select_related("narrative_edited_by").first()
    if summary is None:
        raise Http404(gettext("No summary yet."))
    return summary


def _minutes_action(request: HttpRequest, session: Session, membership: Membership, action) -> HttpResponse:
    try:
        done = action()
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    except PermissionDenied as error:
        raise _Refused(session, membership, str(error)) from error
    else:
        messages.success(request, done)
    return redirect("sessions:minutes", session.public_id)


def _check_approval_form(request: HttpRequest, session: Session, membership: Membership) -> list[Party]:
    """The parties named on the form must be the ones this head's acts bind,
    and the head must have ticked the box: an approval is never implied."""
    bound = {p.public_id: p for p in membership.bound_parties()}
    if not bound:
        raise _Refused(
            session,
            membership,
            gettext(
                "The secretariat does not approve for the parties in this negotiation; each party's head approves."
            ),
        )
    named = request.POST.getlist("party")
    for value in named:
        try:
            key = UUID(value)
        except ValueError:
            key = None
        if key not in bound:
            others = _names(list(bound.values())) or gettext("no party")
            raise _Refused(
                session,
                membership,
                gettext(
                    "You approve for %(parties)s only: each party's approval is given by its own head "
                    "(or by the secretariat where it keeps the record)."
                )
                % {"parties": others},
            )
    if request.POST.get("confirm") != "yes":
        raise ValidationError(
            gettext("Nothing was approved: tick “I approve this text for %(parties)s” to approve.")
            % {"parties": _names(list(bound.values()))}
        )
    return list(bound.values())


@require_POST
@_refusals
def minutes_narrative(request: HttpRequest, session_id: UUID) -> HttpResponse:
    """Save the narrative against the version the head loaded. A save made
    on a stale version shows both texts (409); nothing is overwritten."""
    session, membership = _head_access(request, session_id)
    summary = _summary_or_404(session)
    text = request.POST.get("narrative", "").replace("\r\n", "\n")
    try:
        version = int(request.POST["narrative_version"])
    except (KeyError, ValueError):
        messages.error(request, gettext("This form is out of date: reload the page and make your change again."))
        return redirect("sessions:minutes", session.public_id)
    approved_before = sorted(a.party.label for a in summary.valid_approvals())
    try:
        summary.edit_narrative(text=text, membership=membership, version=version)
    except NarrativeConflict as conflict:
        return _page(request, session, membership, status=409, conflict=conflict)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    except PermissionDenied as error:
        raise _Refused(session, membership, str(error)) from error
    else:
        again = approved_before if summary.narrative_version != version else []
        said = gettext("The narrative is saved.")
        if again:
            said += " " + gettext("%(parties)s must approve the minutes again: the text changed.") % {
                "parties": ", ".join(again)
            }
        messages.success(request, said)
    return redirect("sessions:minutes", session.public_id)


@require_POST
@_refusals
def minutes_approve(request: HttpRequest, session_id: UUID) -> HttpResponse:
    """Approve the minutes for the head's own party, exactly as displayed:
    the form carries the fingerprint of the text the head read."""
    session, membership = _head_access(request, session_id)
    summary = _summary_or_404(session)

    def approve() -> str:
        _check_approval_form(request, session, membership)
        with transaction.atomic():
            locked = Summary.objects.select_for_update().get(pk=summary.pk)
            if request.POST.get("fingerprint") != locked.fingerprint():
                raise ValidationError(
                    gettext(
                        "Nothing was approved: the minutes changed after you opened them. "
                        "Read them again as they now stand, then approve."
                    )
                )
            approvals = locked.approve(membership=membership, fingerprint=request.POST.get("fingerprint"))
        parties = _names([a.party for a in approvals])
        if locked.is_approved:
            return gettext(
                "Approved for %(parties)s. Every party has now approved: the minutes are binding and change only "
                "by a numbered corrigendum."
            ) % {"parties": parties}
        awaiting = _names([row["party"] for row in locked.approval_state() if row["state"] != "approved"])
        return gettext("You approved the minutes for %(parties)s. They now await %(awaiting)s.") % {
            "parties": parties,
            "awaiting": awaiting,
        }

    return _minutes_action(request, session, membership, approve)


@require_POST
@_refusals
def minutes_corrigendum(request: HttpRequest, session_id: UUID) -> HttpResponse:
    session, membership = _head_access(request, session_id)
    summary = _summary_or_404(session)
    text = request.POST.get("text", "").replace("\r\n", "\n")

    def issue() -> str:
        corrigendum = summary.add_corrigendum(text=text, membership=membership)
        state = approval_sentence(corrigendum.approval_state())
        return gettext("Corrigendum %(number)s is proposed and counts as %(delegation)s's approval; %(state)s.") % {
            "number": corrigendum.number,
            "delegation": membership.delegation.label,
            "state": state,
        }

    return _minutes_action(request, session, membership, issue)


@require_POST
@_refusals
def retry_summary(request: HttpRequest, session_id: UUID) -> HttpResponse:
    session, membership = _head_access(request, session_id)
    summary = _summary_or_404(session)

    def retry() -> str:
        summary_retry(summary=summary, by=membership)
        return gettext("The summary is being built again.")

    return _minutes_action(request, session, membership, retry)


@require_POST
@_refusals
def corrigendum_approve(request: HttpRequest, session_id: UUID, number: int) -> HttpResponse:
    """A head approves a corrigendum for their own party; it is in force
    once every party has approved it."""
    session, membership = _head_access(request, session_id)
    summary = _summary_or_404(session)
    corrigendum = Corrigendum.objects.filter(summary=summary, number=number).first()
    if corrigendum is None:
        raise Http404(gettext("No such corrigendum."))

    def approve() -> str:
        _check_approval_form(request, session, membership)
        approvals = corrigendum.approve(membership=membership)
        parties = _names([a.party for a in approvals])
        if corrigendum.in_force:
            return gettext(
                "Corrigendum %(number)s is approved for %(parties)s and now in force: every party has approved it."
            ) % {"number": number, "parties": parties}
        awaiting = _names([row["party"] for row in corrigendum.approval_state() if row["state"] != "approved"])
        return gettext(
            "You approved corrigendum %(number)s for %(parties)s. It is not in force until %(awaiting)s approves it."
        ) % {"number": number, "parties": parties, "awaiting": awaiting}

    return _minutes_action(request, session, membership, approve)
