"""Dates the record keeps as ISO text, shown to people in words."""

from __future__ import annotations

from datetime import date

from django import template
from django.utils.formats import date_format

register = template.Library()


@register.filter
def day(value: str | None) -> str:
    """ "2026-11-26" (or the date part of an ISO moment) as "26 November 2026"; anything else as it is."""
    if not value:
        return ""
    try:
        return date_format(date.fromisoformat(str(value)[:10]), "j F Y")
    except ValueError:
        return str(value)
