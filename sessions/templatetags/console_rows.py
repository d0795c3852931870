"""What each row of the console computes, done once per page instead of once per row.

A console page renders a hundred rows, and the live stream renders the same row template: these
give the same text as the template's own ``get_kind_display`` and ``{% url %}`` did, for less work.
"""

from __future__ import annotations

from django import template
from django.urls import get_script_prefix, get_urlconf, reverse

from sessions.models import Entry

register = template.Library()

# value -> lazy label: a label is translated when shown, in the language of the request
KIND_LABELS = dict(Entry.Kind.choices)
_PLACEHOLDER = "00000000-0000-0000-0000-000000000000"
_url_parts: dict[tuple, tuple[str, str]] = {}


@register.filter
def kind_label(entry: Entry) -> str:
    """``entry.get_kind_display``. The model's method hashes every choice's lazy label, which
    translates all seven of them, for each row."""
    label = KIND_LABELS.get(entry.kind)
    return entry.kind if label is None else str(label)


@register.filter
def url_of(public_id, name: str) -> str:
    """``{% url name public_id %}`` for the views that take one public id: the URL is reversed
    once per process (and script prefix), then the id is put in its place."""
    key = (name, get_script_prefix(), get_urlconf())
    parts = _url_parts.get(key)
    if parts is None:
        before, _, after = reverse(name, args=[_PLACEHOLDER]).partition(_PLACEHOLDER)
        parts = _url_parts[key] = (before, after)
    return f"{parts[0]}{public_id}{parts[1]}"
