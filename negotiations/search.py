"""Search over what a user may see: entries (the shared record and their own
delegation's internal entries), formulations and session summaries.

On PostgreSQL, full-text search with the 'simple' configuration (no
stemming, so every language is treated alike), combined with a substring
match for scripts written without spaces (Chinese, Japanese); on SQLite, a
substring match."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db import connection
from django.db.models import Q, QuerySet
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from agreements.models import Formulation
from negotiations.access import signed_in_with_two_factor
from negotiations.models import Membership, Negotiation
from sessions.models import Entry, Summary

MAX_RESULTS = 50
MAX_QUERY_CHARS = 300
MAX_QUERY_WORDS = 20


def check_query(query: str) -> None:
    """A query is a few words: at most ``MAX_QUERY_CHARS`` characters and
    ``MAX_QUERY_WORDS`` words, with the characters the record accepts."""
    from django.core.exceptions import ValidationError

    from negotiations.text import validate_text

    validate_text(query, what=gettext_lazy("search"), max_length=MAX_QUERY_CHARS)
    words = len(query.split())
    if words > MAX_QUERY_WORDS:
        raise ValidationError(
            _("The search has %(words)s words; the limit is %(limit)s. Keep the few words that matter most.")
            % {"words": words, "limit": MAX_QUERY_WORDS},
            code="too_many_words",
        )


@dataclass
class Hit:
    kind: str
    text: str
    snippet: SafeString
    url: str
    where: str
    negotiation: Negotiation


def terms_of(query: str) -> list[str]:
    """Words of the query; "quoted phrases" stay whole."""
    return [quoted or word for quoted, word in re.findall(r'"([^"]+)"|(\S+)', query)][:10]


def highlight(text: str, terms: list[str], width: int = 220) -> SafeString:
    """The passage around the first hit, escaped, with every hit in <mark>."""
    lowered = text.casefold()
    positions = [lowered.find(t.casefold()) for t in terms]
    first = min((p for p in positions if p >= 0), default=0)
    start = max(0, first - width // 3)
    passage = text[start : start + width]
    prefix = "…" if start else ""
    suffix = "…" if start + width < len(text) else ""
    pattern = re.compile("|".join(re.escape(t) for t in sorted(terms, key=len, reverse=True)), re.IGNORECASE)
    out, last = [], 0
    for match in pattern.finditer(passage):
        out.append(escape(passage[last : match.start()]))
        out.append(f"<mark>{escape(match.group(0))}</mark>")
        last = match.end()
    out.append(escape(passage[last:]))
    return mark_safe(prefix + "".join(out) + suffix)  # noqa: S308 - every piece is escaped above


def _matching(qs: QuerySet, field: str, query: str, terms: list[str]) -> QuerySet:
    substring = Q()
    for term in terms:
        substring &= Q(**{f"{field}__icontains": term})
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import SearchQuery, SearchVector

        qs = qs.annotate(_search=SearchVector(field, config="simple"))
        return qs.filter(Q(_search=SearchQuery(query, config="simple", search_type="websearch")) | substring)
    return qs.filter(substring)


def search(user, query: str) -> list[Hit]:
    terms = terms_of(query)
    if not terms:
        return []
    negotiations = Negotiation.objects.filter(memberships__user=user)
    if not signed_in_with_two_factor(user):  # nothing from a negotiation that requires two-factor sign-in
        negotiations = negotiations.exclude(requires_two_factor=True)
    # In each negotiation, the internal entries of the delegation the member sits with there now.
    visible = Q(stream=Entry.RECORD_STREAM)
    for membership in Membership.objects.filter(user=user).select_related("delegation"):
        visible |= Q(
            session__negotiation_id=membership.negotiation_id,
            stream=Entry.stream_for(Entry.Visibility.INTERNAL, membership.delegation),
        )
    hits: list[Hit] = []

    entries = _matching(
        Entry.objects.filter(session__negotiation__in=negotiations).filter(visible), "text", query, terms
    ).select_related("session__negotiation", "speaker")
    for e in entries.order_by("-created_at")[:MAX_RESULTS]:
        if e.is_internal:
            where = _("Session %(session)s, internal entry %(seq)s") % {"session": e.session.number, "seq": e.seq}
        else:
            where = _("Session %(session)s, entry %(seq)s") % {"session": e.session.number, "seq": e.seq}
        if e.speaker:
            where += f" ({e.speaker.name})"
        hits.append(
            Hit(
                "entry",
                e.text,
                highlight(e.text, terms),
                f"{e.session.get_absolute_url()}#entry-{e.public_id}",
                where,
                e.session.negotiation,
            )
        )

    formulations = _matching(
        Formulation.objects.filter(point__negotiation__in=negotiations), "text", query, terms
    ).select_related("point__negotiation", "party")
    for f in formulations.order_by("-created_at")[:MAX_RESULTS]:
        hits.append(
            Hit(
                "formulation",
                f.text,
                highlight(f.text, terms),
                f.point.get_absolute_url(),
                _("Point %(number)s: %(title)s — %(party)s, %(status)s")
                % {
                    "number": f.point.number,
                    "title": f.point.title,
                    "party": f.party.name,
                    "status": f.get_status_display().lower(),
                },
                f.point.negotiation,
            )
        )

    summaries = _matching(
        Summary.objects.filter(session__negotiation__in=negotiations, status=Summary.Status.READY),
        "narrative",
        query,
        terms,
    ).select_related("session__negotiation")
    for s in summaries[:MAX_RESULTS]:
        hits.append(
            Hit(
                "summary",
                s.narrative,
                highlight(s.narrative, terms),
                f"{s.session.get_absolute_url()}minutes",
                _("Summary of session %(session)s") % {"session": s.session.number},
                s.session.negotiation,
            )
        )
    return hits
