"""Dates the record keeps as ISO text, shown to people in words."""

from __future__ import annotations

from datetime import date

from django import template
from django.utils.formats import date_format

register = template.Library()


@register.filter
def day(value: str | None) -> str:
    """ "2026-11-26" (or the date part of an ISO moment) as "26 November 2026" ("26 novembre 2026"
    in French: the locale's DATE_FORMAT); anything else as it is."""
    if not value:
        return ""
    try:
        return date_format(date.fromisoformat(str(value)[:10]), "DATE_FORMAT")
    except ValueError:
        return str(value)
