"""Prepare recorded text for the PDF, so that every character the record
accepts prints and no line runs off the page.

The record is not changed: the file's carried record (the attached JSON)
stays exact. Only the copy that Typst sets is prepared:

- The fonts are a fixed fallback chain (``SERIF`` and ``SANS``), and Typst
  is told not to look beyond it. Before rendering, the cmaps of the chain's
  installed font files (read once with fontTools) decide which characters
  of the record no font in the chain can draw. Those, private use
  characters (whose glyphs mean something only to the font that holds them)
  and noncharacters of older rows print as a boxed label naming the code
  point ("U+F8FF"): the template's show rule draws every character listed in
  ``undrawable``.
- A run without spaces wider than ``LONG_RUN_EM`` (measured with the
  advance widths of Noto Sans) gets a zero-width space (U+200B) between its
  characters, so that the line breaks at its end instead of the word running
  off the page. No hyphen is added: a hyphen printed at a line break could
  not be told apart from one in the record. Scripts that join their letters
  or break lines by dictionary (Arabic, Thai, Devanagari, ...) and CJK
  (which breaks anywhere) are left to Typst.
"""

from __future__ import annotations

import functools
import itertools
import os
import re
import unicodedata
from collections.abc import Iterable
from pathlib import Path
from typing import Any

# Body text, then every script's family, then symbols, emoji and the
# fallback for CJK Extension B and beyond (HanaMinA/B from fonts-hanazono).
SERIF = (
    "Noto Serif",
    "Noto Naskh Arabic",
    "Noto Serif Hebrew",
    "Noto Sans Hebrew",
    "Noto Serif Devanagari",
    "Noto Serif Thai",
    "Noto Serif CJK SC",
)
SANS = (
    "Noto Sans",
    "Noto Sans Arabic",
    "Noto Sans Hebrew",
    "Noto Sans Devanagari",
    "Noto Sans Thai",
    "Noto Sans CJK SC",
)
TAIL = (
    "Noto Sans Math",
    "Noto Sans Symbols",
    "Noto Sans Symbols2",
    "Noto Color Emoji",
    "HanaMinA",
    "HanaMinB",
)
FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts", "~/.local/share/fonts", "~/.fonts")
LONG_RUN_EM = 20.0
BREAK = "\u200b"

# Code points that are never drawn (Unicode's Default_Ignorable_Code_Point),
# so a font need not have them: joiners, bidi marks, the BOM, variation
# selectors, tags of emoji flags.
IGNORABLE = (
    (0x00AD, 0x00AD),
    (0x034F, 0x034F),
    (0x061C, 0x061C),
    (0x115F, 0x1160),
    (0x17B4, 0x17B5),
    (0x180B, 0x180F),
    (0x200B, 0x200F),
    (0x202A, 0x202E),
    (0x2060, 0x206F),
    (0x3164, 0x3164),
    (0xFE00, 0xFE0F),
    (0xFEFF, 0xFEFF),
    (0xFFA0, 0xFFA0),
    (0xFFF0, 0xFFF8),
    (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A),
    (0xE0000, 0xE0FFF),
)
# Typst sets these itself: tab and line feed; U+2028 and U+2029 are turned
# into a line and a paragraph break by the template.
LAID_OUT = {"\t", "\n", "\u2028", "\u2029"}
# Runs that may get break opportunities: Latin, Greek, Cyrillic, Armenian,
# Georgian, digits, punctuation and symbols, fullwidth forms.
BREAKABLE = (
    (0x0021, 0x058F),
    (0x10A0, 0x10FF),
    (0x1C80, 0x1CBF),
    (0x1D00, 0x1FFF),
    (0x2000, 0x2BFF),
    (0x2C00, 0x2E7F),
    (0xA640, 0xA7FF),
    (0xAB30, 0xAB6F),
    (0xFB00, 0xFB06),
    (0xFF01, 0xFF60),
)
RUN = re.compile(r"[^\s\u200b]{8,}")
# Values the template compares or looks up rather than prints.
KEYS_NOT_PRINTED = {"kind", "status", "minutes_status", "state", "at", "issued_at"}


def _within(point: int, ranges: Iterable[tuple[int, int]]) -> bool:
    return any(low <= point <= high for low, high in ranges)


def is_private_use(char: str) -> bool:
    return unicodedata.category(char) == "Co"


def _faces(path: Path):
    from fontTools.ttLib import TTCollection, TTFont

    if path.suffix.lower() == ".ttc":
        return TTCollection(str(path), lazy=True).fonts
    return [TTFont(str(path), lazy=True)]


@functools.cache
def _installed() -> dict[str, list[tuple[Path, int]]]:
    """Family name -> the (file, index in collection) of its faces."""
    families: dict[str, list[tuple[Path, int]]] = {}
    for folder in FONT_DIRS:
        root = Path(os.path.expanduser(folder))
        if not root.is_dir():
            continue
        for path in sorted(root.rglob("*")):
            if path.suffix.lower() not in {".ttf", ".otf", ".ttc"}:
                continue
            try:
                faces = _faces(path)
            except Exception:  # a broken font file is not ours to fix
                continue
            for index, face in enumerate(faces):
                names = face["name"]
                for name_id in (1, 16):
                    name = names.getDebugName(name_id)
                    if name and (path, index) not in families.setdefault(name, []):
                        families[name].append((path, index))
    return families


@functools.cache
def _cmap(path: Path, index: int) -> frozenset[int]:
    face = _faces(path)[index]
    table = face.getBestCmap() or {}
    return frozenset(table)


@functools.cache
def coverage(chain: tuple[str, ...]) -> frozenset[int]:
    """Every code point some installed font of ``chain`` maps."""
    installed = _installed()
    points: set[int] = set()
    for family in chain:
        for path, index in installed.get(family, []):
            points |= _cmap(path, index)
    return frozenset(points)


@functools.cache
def chain(base: tuple[str, ...]) -> tuple[str, ...]:
    """``base``, then ``TAIL``, then every other installed Noto family (for
    the scripts ``base`` does not name: Bengali, Tamil, Ethiopic, ...)."""
    named = set(base + TAIL)
    others = sorted(
        family
        for family in _installed()
        if family.startswith("Noto ")
        and family not in named
        and not any(word in family for word in (" Mono", " UI", " Display", "Unjoined"))
    )
    return base + TAIL + tuple(others)


def missing_families() -> list[str]:
    installed = _installed()
    return [family for family in dict.fromkeys(SERIF + SANS + TAIL) if family not in installed]


def drawable(char: str) -> bool:
    """Whether the PDF prints ``char`` with a glyph of its own (or lays it
    out as space or a break) rather than as a placeholder."""
    if char in LAID_OUT:
        return True
    point = ord(char)
    category = unicodedata.category(char)
    if category in {"Co", "Cs", "Cc"} or (0xFDD0 <= point <= 0xFDEF) or point & 0xFFFE == 0xFFFE:
        return False
    if _within(point, IGNORABLE):
        return True
    return point in coverage(chain(SERIF)) and point in coverage(chain(SANS))


def label(char: str) -> str:
    return f"U+{ord(char):04X}"


@functools.cache
def _advances() -> tuple[dict[int, float], float]:
    """Advance widths in em of Noto Sans, and the width assumed for others."""
    for path, index in _installed().get("Noto Sans", []):
        face = _faces(path)[index]
        units = face["head"].unitsPerEm
        metrics = face["hmtx"].metrics
        return {point: metrics[glyph][0] / units for point, glyph in (face.getBestCmap() or {}).items()}, 1.0
    return {}, 0.6


def width_em(run: str) -> float:
    advances, default = _advances()
    return sum(map(advances.get, map(ord, run), itertools.repeat(default)))


def _joins_next(char: str) -> bool:
    return char == "\u200d" or unicodedata.category(char) in {"Mn", "Me", "Mc"}


def break_long_runs(text: str) -> str:
    """``text`` with a zero-width space between the characters of every run
    without spaces that is wider than ``LONG_RUN_EM``, in scripts that are
    safe to break anywhere; never inside a character and its combining
    marks."""

    def split(match: re.Match[str]) -> str:
        run = match.group()
        if width_em(run) <= LONG_RUN_EM:
            return run
        out = [run[0]]
        for previous, char in zip(run, run[1:], strict=False):
            if (
                _within(ord(previous), BREAKABLE)
                and _within(ord(char), BREAKABLE)
                and not _joins_next(char)
                and previous != "\u200d"
            ):
                out.append(BREAK)
            out.append(char)
        return "".join(out)

    return RUN.sub(split, text)


def _strings(value: Any, key: str | None = None) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _strings(v, k)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v, key)


def _prepared(value: Any, key: str | None = None) -> Any:
    if isinstance(value, str):
        return value if key in KEYS_NOT_PRINTED else break_long_runs(value)
    if isinstance(value, dict):
        return {k: _prepared(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_prepared(v, key) for v in value]
    return value


def prepare(envelope: dict[str, Any]) -> dict[str, Any]:
    """The envelope Typst sets: the record's texts with break opportunities
    in long runs, the font chains, and every character of the envelope that
    prints as a placeholder, with its label."""
    characters: set[str] = set()
    for text in _strings(envelope):
        characters.update(text)  # each distinct character is tested once, not once per occurrence
    undrawable = sorted(char for char in characters if not drawable(char))
    return {
        **envelope,
        "record": _prepared(envelope["record"]),
        "approval_line": _prepared(envelope["approval_line"]),
        "corrigendum_lines": _prepared(envelope["corrigendum_lines"]),
        "fonts": {"serif": list(chain(SERIF)), "sans": list(chain(SANS))},
        "undrawable": "[" + "".join(f"\\x{{{ord(c):X}}}" for c in undrawable) + "]" if undrawable else "",
        "labels": {char: label(char) for char in undrawable},
    }
