"""Word-level differences between two formulations, in any script.

Text is cut into words (letters, digits and their combining marks),
punctuation, whitespace, and single CJK characters (those scripts do not
separate words with spaces), so a change of one Chinese character or one
Arabic word shows as exactly that."""

from __future__ import annotations

import difflib
import unicodedata
from dataclasses import dataclass

CJK_RANGES = (
    (0x3040, 0x30FF),  # Hiragana, Katakana
    (0x3400, 0x4DBF),  # CJK Extension A
    (0x4E00, 0x9FFF),  # CJK Unified Ideographs
    (0xAC00, 0xD7AF),  # Hangul syllables
    (0xF900, 0xFAFF),  # CJK Compatibility Ideographs
    (0x20000, 0x2FA1F),  # CJK Extensions B and later
)


def _kind(char: str) -> str:
    code = ord(char)
    if any(low <= code <= high for low, high in CJK_RANGES):
        return "cjk"
    if char.isspace():
        return "space"
    category = unicodedata.category(char)
    if category[0] in "LNM" or char in "\u200c\u200d":  # letters, numbers, marks, ZWNJ/ZWJ
        return "word"
    return "other"


def tokens(text: str) -> list[str]:
    result: list[str] = []
    previous = None
    for char in text:
        kind = _kind(char)
        if result and kind == previous and kind in {"word", "space"}:
            result[-1] += char
        else:
            result.append(char)
        previous = kind
    return result


@dataclass(frozen=True)
class Piece:
    op: str  # "same", "added", "removed"
    text: str


def word_diff(old: str, new: str) -> list[Piece]:
    a, b = tokens(old), tokens(new)
    pieces: list[Piece] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            pieces.append(Piece("same", "".join(a[i1:i2])))
            continue
        if op in {"delete", "replace"}:
            pieces.append(Piece("removed", "".join(a[i1:i2])))
        if op in {"insert", "replace"}:
            pieces.append(Piece("added", "".join(b[j1:j2])))
    return pieces
