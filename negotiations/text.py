"""What the record accepts as text.

Text is stored exactly as received: every Unicode character, inner
whitespace and line breaks. Only what cannot be a record is refused, the
same way in every text field a user can fill (entry text, titles, names,
places, reasons, narrative, corrigenda, working languages, search queries),
at input, with a message naming the field:

- control characters (Unicode category Cc), except tab and line feed in
  texts of several lines; a one-line field (a title, a name, a place, a
  language code) refuses tabs and line breaks too;
- unpaired surrogates (category Cs): not valid Unicode;
- Unicode noncharacters (U+FDD0 to U+FDEF, and the last two code points of
  every plane, U+FFFE, U+FFFF, U+1FFFE ... U+10FFFF): they are reserved for
  a program's internal use, are invalid in XML (so in DOCX) and no font
  draws them;
- a text that is only whitespace where the field is required, and a text
  longer than its column.

Private use characters (U+E000 to U+F8FF and planes 15 and 16) are
accepted: some agencies draw local glyphs with them, XML and DOCX carry
them, and an export that cannot draw one prints a placeholder naming its
code point. Format characters (ZWJ, ZWNJ, bidi marks, the BOM) and the line
and paragraph separators U+2028/U+2029 are accepted: they are part of how
scripts are written.

Texts keep their leading and trailing spaces as typed (titles included);
names that identify someone or something (a party, a delegation, a
participant) are trimmed, so that "Ana Lima " and "Ana Lima" are one person.
See docs/TEXT.md.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import Annotated, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible
from django.utils.formats import number_format
from django.utils.translation import gettext, gettext_lazy
from pydantic import AfterValidator
from pydantic import Field as PydanticField

ALLOWED_CONTROLS = {"\t", "\n"}


def is_noncharacter(char: str) -> bool:
    point = ord(char)
    return 0xFDD0 <= point <= 0xFDEF or point & 0xFFFE == 0xFFFE


def _refused_characters(*, multiline: bool) -> re.Pattern[str]:
    """The refused characters of the Basic Multilingual Plane as one character
    class, so that an acceptable text is checked in one pass of the regex
    engine, not character by character in Python (every line's text is checked
    three times on its way in). Categories Cc and Cs are fixed ranges in every
    Unicode version; a test compares the check with ``unicodedata`` over every
    code point."""
    controls = r"\x00-\x08\x0b-\x1f" if multiline else r"\x00-\x1f"
    return re.compile(f"[{controls}\\x7f-\\x9f\\ud800-\\udfff\\ufdd0-\\ufdef\\ufffe\\uffff]")


REFUSED = {True: _refused_characters(multiline=True), False: _refused_characters(multiline=False)}
# Beyond the BMP only the last two code points of each plane are refused. A class
# listing those 32 makes the regex engine test each one per character (10x slower):
# a text with characters beyond the BMP (its UTF-16 is longer than two bytes a
# character) has them found in one more pass and looked at in Python.
ASTRAL = re.compile("[\U00010000-\U0010ffff]")


def first_refused(text: str, *, multiline: bool = True) -> int | None:
    """The index of the first character ``text`` cannot carry, or None."""
    found = REFUSED[multiline].search(text)
    end = found.start() if found else len(text)
    if len(text.encode("utf-16-le", "surrogatepass")) == 2 * len(text):
        return end if found else None
    for char in ASTRAL.finditer(text, 0, end):
        if ord(char.group()) & 0xFFFE == 0xFFFE:
            return char.start()
    return end if found else None


def refusal(text: str, *, what: str = gettext_lazy("text"), multiline: bool = True) -> ValidationError | None:
    """Why ``text`` cannot be recorded (the first offending character), or None."""
    first = first_refused(text, multiline=multiline)
    if first is None:
        return None
    allowed = ALLOWED_CONTROLS if multiline else set()
    for position, char in enumerate(text[first:], start=first + 1):
        category = unicodedata.category(char)
        if category == "Cc" and char not in allowed:
            if multiline:
                said = gettext(
                    "The %(what)s contains the control character %(char)s at position %(position)s; only tabs "
                    "and line breaks (LF) are allowed. Remove it and send again."
                )
            else:
                said = gettext(
                    "The %(what)s contains the control character %(char)s at position %(position)s; it must be "
                    "a single line. Remove it and send again."
                )
            return ValidationError(
                said % {"what": what, "char": f"U+{ord(char):04X}", "position": position},
                code="control_character",
            )
        if category == "Cs":
            return ValidationError(
                gettext(
                    "The %(what)s contains an unpaired surrogate %(char)s at position %(position)s; "
                    "it is not valid Unicode. Check the client's text encoding."
                )
                % {"what": what, "char": f"U+{ord(char):04X}", "position": position},
                code="surrogate",
            )
        if is_noncharacter(char):
            return ValidationError(
                gettext(
                    "The %(what)s contains %(char)s at position %(position)s, a Unicode noncharacter that no "
                    "document format can carry. Remove it and send again."
                )
                % {"what": what, "char": f"U+{ord(char):04X}", "position": position},
                code="noncharacter",
            )
    return None


def validate_record_text(text: str, *, allow_empty: bool = False) -> None:
    if allow_empty and text == "":
        return
    if not isinstance(text, str) or not text.strip():
        raise ValidationError(gettext("The text is empty. Type the words to record."), code="empty")
    limit = settings.VERBATIM_MAX_TEXT_CHARS
    if len(text) > limit:
        raise ValidationError(
            gettext("The text is %(length)s characters long; the limit is %(limit)s. Split it into several entries.")
            % {"length": _number(len(text)), "limit": _number(limit)},
            code="too_long",
        )
    if (error := refusal(text)) is not None:
        raise error


def validate_text(
    value: str,
    *,
    what: str = gettext_lazy("text"),
    max_length: int | None = None,
    multiline: bool = False,
    required: bool = True,
) -> str:
    """The rules of the record for any text field; returns ``value`` unchanged."""
    if not isinstance(value, str):
        raise ValidationError(gettext("The %(what)s must be text.") % {"what": what}, code="invalid")
    if required and not value.strip():
        raise ValidationError(gettext("The %(what)s is empty. Type it and send again.") % {"what": what}, code="empty")
    if max_length is not None and len(value) > max_length:
        raise ValidationError(
            gettext("The %(what)s is %(length)s characters long; the limit is %(limit)s. Shorten it and send again.")
            % {"what": what, "length": _number(len(value)), "limit": _number(max_length)},
            code="too_long",
        )
    if (error := refusal(value, what=what, multiline=multiline)) is not None:
        raise error
    return value


def _number(n: int) -> str:
    """A count in the viewer's locale, grouped: "20,000" in English, "20 000" in French."""
    return number_format(n, force_grouping=True)


@deconstructible
class RecordText:
    """A model field validator: the characters the record accepts (length and
    blankness are the field's own ``max_length`` and ``blank``). Every field
    that carries it is also checked before each save (negotiations/apps.py),
    whatever path the value came by."""

    def __init__(self, multiline: bool = False) -> None:
        self.multiline = multiline

    def __call__(self, value: str) -> None:
        if isinstance(value, str) and (error := refusal(value, multiline=self.multiline)) is not None:
            raise error

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RecordText) and other.multiline == self.multiline

    def __hash__(self) -> int:
        return hash(("RecordText", self.multiline))


def validate_language_codes(value: object) -> None:
    """Working languages: a list of short one-line codes (en, ru, ar, zh-Hant)."""
    if not isinstance(value, list):
        raise ValidationError(gettext('Working languages are a list of language codes, e.g. ["en", "ru"].'))
    for code in value:
        validate_text(code, what=gettext_lazy("working language code"), max_length=35)


@functools.cache
def _text_fields(model: type) -> tuple[tuple[Any, Any], ...]:
    """A model's fields that carry the record's text rules, with their rule (None for the
    working languages): found once per model, not at every save."""
    found = []
    for field in model._meta.concrete_fields:
        if validate_language_codes in field.validators:
            found.append((field, None))
        elif (rule := next((v for v in field.validators if isinstance(v, RecordText)), None)) is not None:
            found.append((field, rule))
    return tuple(found)


def check_model_text(instance) -> None:
    """Refuse to save a text field that breaks the rules of the record: a
    field carrying a ``RecordText`` validator (or the working languages),
    too long for its column, or only whitespace where it is required."""
    for field, rule in _text_fields(type(instance)):
        value = getattr(instance, field.attname)
        if rule is None:
            validate_language_codes(value)
            continue
        if value is None:
            continue
        what = str(field.verbose_name)
        validate_text(value, what=what, max_length=field.max_length, multiline=rule.multiline, required=not field.blank)


def _checked(what: str, max_length: int | None, multiline: bool, required: bool):
    def check(value: str) -> str:
        try:
            return validate_text(value, what=what, max_length=max_length, multiline=multiline, required=required)
        except ValidationError as error:
            raise ValueError(" ".join(error.messages)) from None

    return check


def Line(what: str, max_length: int, *, required: bool = True):  # noqa: N802 - a type, used as one
    """A one-line text in an API payload (a title, a name): the rules of the record."""
    return Annotated[
        str,
        AfterValidator(_checked(what, max_length, False, required)),
        PydanticField(json_schema_extra={"maxLength": max_length}),
    ]


def Paragraphs(what: str, max_length: int | None = None, *, required: bool = True):  # noqa: N802
    """A text of several lines in an API payload (a reason, a narrative)."""
    limit = max_length or settings.VERBATIM_MAX_TEXT_CHARS
    return Annotated[
        str,
        AfterValidator(_checked(what, limit, True, required)),
        PydanticField(json_schema_extra={"maxLength": limit}),
    ]


OPENING_BRACKETS = "[\uff3b"  # [ and the full-width ［ used in CJK drafts
CLOSING_BRACKETS = "]\uff3d"


def count_open_brackets(text: str) -> int:
    """How many bracketed passages a draft text still has.

    Any bracket counts, balanced or not: an unmatched bracket is an
    unresolved drafting question too.
    """
    opening = sum(text.count(c) for c in OPENING_BRACKETS)
    closing = sum(text.count(c) for c in CLOSING_BRACKETS)
    return max(opening, closing)


def has_brackets(text: str) -> bool:
    return count_open_brackets(text) > 0


@functools.cache
def time_zone_names() -> tuple[str, ...]:
    """The IANA time zones one may choose, sorted: places (Europe/Paris) and UTC, without the legacy
    aliases (EST, Navajo). Where sessions are scheduled and in which zone a viewer reads them."""
    from zoneinfo import available_timezones

    return tuple(sorted(name for name in available_timezones() if "/" in name or name == "UTC"))


@functools.cache
def _time_zone_set() -> frozenset[str]:
    return frozenset(time_zone_names())


def is_time_zone(value: str) -> bool:
    return value in _time_zone_set()


def validate_time_zone(value: str) -> None:
    if not is_time_zone(value):
        raise ValidationError(
            gettext("%(zone)s is not a time zone we know; pick one from the list, e.g. Europe/Paris or UTC.")
            % {"zone": value[:64]},
            code="unknown_time_zone",
        )
