"""Small helpers for the interface's sentences, in the viewer's language."""

from __future__ import annotations

from collections.abc import Iterable

from django import template
from django.utils.text import get_text_list
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def labels(parties: Iterable) -> str:
    """Parties by their short labels, as a list in words: "Aurelia, Severia and Istria" (French: "et")."""
    return get_text_list([str(getattr(p, "label", p)) for p in parties], _("and"))
