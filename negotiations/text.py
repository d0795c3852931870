"""What the record accepts as text.

Text is stored exactly as received: every Unicode character, inner
whitespace and line breaks. Only what cannot be a record is refused.
"""

from __future__ import annotations

import unicodedata

from django.conf import settings
from django.core.exceptions import ValidationError

ALLOWED_CONTROLS = {"\t", "\n"}


def validate_record_text(text: str, *, allow_empty: bool = False) -> None:
    if allow_empty and text == "":
        return
    if not isinstance(text, str) or not text.strip():
        raise ValidationError("The text is empty. Type the words to record.", code="empty")
    limit = settings.VERBATIM_MAX_TEXT_CHARS
    if len(text) > limit:
        raise ValidationError(
            f"The text is {len(text):,} characters long; the limit is {limit:,}. Split it into several entries.",
            code="too_long",
        )
    for position, char in enumerate(text, start=1):
        category = unicodedata.category(char)
        if category == "Cc" and char not in ALLOWED_CONTROLS:
            raise ValidationError(
                f"The text contains the control character U+{ord(char):04X} at position {position}; "
                "only tabs and line breaks (LF) are allowed. Remove it and send again.",
                code="control_character",
            )
        if category == "Cs":
            raise ValidationError(
                f"The text contains an unpaired surrogate U+{ord(char):04X} at position {position}; "
                "it is not valid Unicode. Check the client's text encoding.",
                code="surrogate",
            )


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
