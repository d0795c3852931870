"""Does this file prove the record? One verdict for ``manage.py
verify_export`` and for the verify page.

A Verbatim export carries its canonical record at a fixed place (see
``exports.renderers``). Verification reads it from there, never from
the visible text, and checks three things:

(a) the carried record gives the fingerprint the file states;
(b) it is the record this database holds now (``records.rebuild``);
(c) the file's visible text is what the carried record renders to in the
    same format (JSON has no other visible text than the record).

Besides the verdict, it says whether this instance issued these exact
bytes, and to whom."""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext

from exports import records, renderers

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

FORMAT_NAMES = {"pdf": "PDF", "docx": "Word", "md": "Markdown", "json": "JSON"}
CONTEXT = 24  # characters shown either side of a difference
UNPACKED_LIMIT = 100  # a DOCX that unpacks to more than this many times its size is refused (a zip bomb)


class Unreadable(Exception):
    """The file carries no record that can be read."""


@dataclass(frozen=True)
class Carried:
    fmt: str
    body: dict[str, Any]  # the JSON export: fingerprint, generated_at, record
    visible: str | None  # what a person reads, None for JSON

    @property
    def record(self) -> dict[str, Any]:
        return self.body["record"]

    @property
    def stated(self) -> str:
        return str(self.body.get("fingerprint", "")).removeprefix("sha256:")

    @property
    def names(self) -> str:
        r = self.record["record"]
        return f"{r['kind']} {r['id']} ({r['version']})"


@dataclass(frozen=True)
class Verdict:
    matches: bool
    line: str  # "match: ..." or "mismatch: ..."
    issued: str  # what the issued-files registry says about these bytes
    subject: str = ""  # on a match, the record in words ("the shared minutes of session 1, ...")

    @property
    def text(self) -> str:
        return f"{self.line}\n{self.issued}"


# ---- reading the carried record -------------------------------------------------


def _envelope(raw: str | bytes, where: str) -> dict[str, Any]:
    try:
        body = json.loads(raw)
    except ValueError as error:
        raise Unreadable(f"its {where} is not valid JSON ({error})") from None
    record = body.get("record") if isinstance(body, dict) else None
    if not isinstance(record, dict) or not isinstance(record.get("record"), dict):
        raise Unreadable(f"its {where} holds no Verbatim record")
    ids = record["record"]
    if not all(isinstance(ids.get(k), str) for k in ("kind", "id", "version")) or ids["kind"] not in (
        "minutes",
        "agreed-text",
    ):
        raise Unreadable(f"its {where} does not say which record it is")
    return body


def _markdown(text: str) -> Carried:
    """The last fenced block, at the very end of the file, after the
    trailer's label line. Its fence is longer than any backtick run inside,
    so nothing recorded can open or close it."""
    body = text.removesuffix("\n")
    fence = body[body.rfind("\n") + 1 :]
    if len(fence) < 3 or fence.strip("`"):
        raise Unreadable("it does not end with the fenced block of the machine-readable record")
    opening = f"\n{renderers.MD_TRAILER_LABEL}\n\n{fence}json\n"
    start = body.rfind(opening)
    if start < 0:
        raise Unreadable("its last fenced block is not Verbatim's machine-readable record")
    inside = body[start + len(opening) : -len(fence)]
    return Carried("md", _envelope(inside, "machine-readable record"), body[:start])


def docx_visible(document) -> str:
    """The header, then every paragraph and table cell of the body in order."""
    from docx.table import Table

    lines = [p.text for section in document.sections for p in section.header.paragraphs]
    for block in document.iter_inner_content():
        if isinstance(block, Table):
            lines += [p.text for row in block.rows for cell in row.cells for p in cell.paragraphs]
        else:
            lines.append(block.text)
    return "\n".join(lines)


def _docx(content: bytes) -> Carried:
    from docx import Document
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from lxml import etree

    try:
        with zipfile.ZipFile(io.BytesIO(content)) as package:
            unpacked = sum(info.file_size for info in package.infolist())
        if unpacked > UNPACKED_LIMIT * max(len(content), 1):
            raise Unreadable(f"it unpacks to {unpacked:,} bytes, far more than a Word document of its size")
        document = Document(io.BytesIO(content))
    except (ValueError, KeyError, zipfile.BadZipFile) as error:
        raise Unreadable(f"it is not a Word document that can be opened ({error})") from None
    found = []
    for rel in document.part.rels.values():
        if rel.reltype != RT.CUSTOM_XML or rel.is_external:
            continue
        try:
            root = etree.fromstring(rel.target_part.blob)
        except etree.XMLSyntaxError:
            continue
        if root.tag == f"{{{renderers.RECORD_XML_NAMESPACE}}}record":
            found.append(root.text or "")
    if len(found) != 1:
        raise Unreadable(
            "it has no Verbatim record part" if not found else f"it has {len(found)} Verbatim record parts, not one"
        )
    return Carried("docx", _envelope(found[0], "record part"), docx_visible(document))


def pdf_visible(content: bytes) -> str:
    """The extracted text with every run of whitespace (line wraps, page
    breaks) made one space."""
    from pypdf import PdfReader

    text = " ".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(content)).pages)
    return " ".join(text.split())


def _pdf(content: bytes) -> Carried:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        attached = PdfReader(io.BytesIO(content)).attachments.get(renderers.RECORD_ATTACHMENT, [])
    except (PdfReadError, ValueError, KeyError) as error:
        raise Unreadable(f"it is not a PDF that can be read ({error})") from None
    if len(attached) != 1:
        raise Unreadable(
            f"it has no attached {renderers.RECORD_ATTACHMENT}"
            if not attached
            else f"it has {len(attached)} attached {renderers.RECORD_ATTACHMENT} files, not one"
        )
    return Carried("pdf", _envelope(attached[0], f"attached {renderers.RECORD_ATTACHMENT}"), pdf_visible(content))


def read(content: bytes) -> Carried:
    """The record a file carries, from the place its format keeps it."""
    if content.startswith(b"%PDF"):
        return _pdf(content)
    if content.startswith(b"PK\x03\x04"):
        return _docx(content)
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        raise Unreadable("it is neither a PDF, a Word document, nor UTF-8 text") from None
    if text.lstrip().startswith("{"):
        return Carried("json", _envelope(text, "content"), None)
    return _markdown(text)


# ---- comparing ---------------------------------------------------------------------


def _snippet(text: str, at: int) -> str:
    start, end = max(0, at - CONTEXT), at + CONTEXT
    while start > 0 and not text[start - 1].isspace() and at - start < 2 * CONTEXT:
        start -= 1
    while end < len(text) and not text[end].isspace() and end - at < 2 * CONTEXT:
        end += 1
    piece = " ".join(text[start:end].split())
    return ("..." if start > 0 else "") + piece + ("..." if end < len(text) else "")


def first_difference(expected: str, found: str) -> str:
    """Where two texts first part: the expected words, then the file's."""
    at = next((i for i, (a, b) in enumerate(zip(expected, found, strict=False)) if a != b), None)
    if at is None:
        at = min(len(expected), len(found))
        if len(found) > at:
            return f'the end "{_snippet(expected, at)}" (the file goes on with "{_snippet(found[at:], 0)}")'
        return f'"{_snippet(expected, at)}" (the file ends before it)'
    return f'"{_snippet(expected, at)}" (file has "{_snippet(found, at)}")'


def _where(expected: Any, found: Any, path: str = "") -> str | None:
    """The first place two records differ, as a path and the two values."""
    if isinstance(expected, dict) and isinstance(found, dict):
        for key in sorted(expected.keys() | found.keys()):
            if key not in found or key not in expected:
                return f"{path}{key} ({'missing from the file' if key not in found else 'not in the record'})"
            inner = _where(expected[key], found[key], f"{path}{key}.")
            if inner:
                return inner
        return None
    if isinstance(expected, list) and isinstance(found, list):
        for i, (a, b) in enumerate(zip(expected, found, strict=False)):
            inner = _where(a, b, f"{path.removesuffix('.')}[{i}].")
            if inner:
                return inner
        if len(expected) != len(found):
            return f"{path.removesuffix('.')} ({len(expected)} items in the record, {len(found)} in the file)"
        return None
    if expected == found:
        return None
    place = path.removesuffix(".")
    if isinstance(expected, str) and isinstance(found, str):
        return f"{place}: {first_difference(expected, found)}"
    return f"{place}: {json.dumps(expected, ensure_ascii=False)} (file has {json.dumps(found, ensure_ascii=False)})"


def rerender_visible(carried: Carried) -> str:
    """What the carried record renders to in the file's own format."""
    try:
        generated_at = datetime.fromisoformat(carried.body["generated_at"])
    except (KeyError, TypeError, ValueError):
        generated_at = datetime.now(UTC)
    export = records.Export(
        record=carried.record, fingerprint=carried.stated, generated_at=generated_at, filename_stem=""
    )
    if carried.fmt == "md":
        return renderers.md_visible(export)
    if carried.fmt == "docx":
        from docx import Document

        return docx_visible(Document(io.BytesIO(renderers.to_docx(export))))
    return pdf_visible(renderers.to_pdf(export))


def _held(carried: Carried, user: AbstractBaseUser | None) -> dict[str, Any] | None:
    """The record as this database holds it now; for a user, only a record
    they may read (anything else is as if this instance did not hold it)."""
    r = carried.record["record"]
    if user is not None and not _may_read(user, r["kind"], r["id"], r["version"]):
        return None
    try:
        return records.rebuild(r["kind"], r["id"], r["version"])
    except (ValidationError, ValueError, TypeError):  # not a UUID, or a version that names nothing
        return None


def _may_read(user: AbstractBaseUser, kind: str, object_id: str, version: str) -> bool:
    from negotiations.access import get_for_user
    from negotiations.models import Negotiation
    from sessions.models import Session

    try:
        if kind == "agreed-text":
            get_for_user(user, Negotiation, object_id)
            return version == "shared"
        _, access = get_for_user(user, Session, object_id)
    except Http404:
        return False
    return version == "shared" or version == f"internal:{access.membership.delegation.public_id}"


def _issued(content: bytes, known: bool, matches: bool = False, user: AbstractBaseUser | None = None) -> str:
    """What the registry says about these bytes. To whom and when a file went is a delegation's own
    business: a user of another delegation learns only that this instance issued them."""
    from negotiations.models import IssuedFile, Membership

    issued = IssuedFile.first_of(content) if known else None
    if (
        issued is not None
        and user is not None
        and issued.issued_to_id != user.pk
        and not (
            issued.delegation_id and Membership.objects.filter(user=user, delegation=issued.delegation_id).exists()
        )
    ):
        return gettext("This instance issued these exact bytes (to whom and when is told only to that delegation).")
    if issued is None:
        never = gettext("This instance never issued these bytes.")
        if matches:
            return (
                never
                + " "
                + gettext("That alone is no mismatch: a copy rendered again from the same record still matches it.")
            )
        return never
    to = issued.issued_to.get_username() + (f" ({issued.delegation.label})" if issued.delegation else "")
    return gettext("An identical file was issued on %(at)s to %(to)s.") % {
        "at": date_format(timezone.localtime(issued.issued_at), "DATETIME_FORMAT"),
        "to": to,
    }


def described(record: dict[str, Any]) -> str:
    """A record in words, for people: which minutes or agreed text of which negotiation."""
    try:
        r, negotiation = record["record"], record["negotiation"]["title"]
        shared = r["version"] == "shared"
        if r["kind"] == "minutes":
            session = record["session"]
            words = {"number": session["number"], "title": session["title"], "negotiation": negotiation}
            if shared:
                return gettext("the shared minutes of session %(number)s, %(title)s, of %(negotiation)s") % words
            return gettext("the internal minutes of session %(number)s, %(title)s, of %(negotiation)s") % words
        if shared:
            return gettext("the shared agreed text to date of %(negotiation)s") % {"negotiation": negotiation}
        return gettext("the internal agreed text to date of %(negotiation)s") % {"negotiation": negotiation}
    except (KeyError, TypeError):
        return ""


def verify(name: str, content: bytes, *, user: AbstractBaseUser | None = None) -> Verdict:
    """The verdict on one file. With ``user``, as that user may know the
    record (the verify page); without, as the operator (the command)."""

    def mismatch(reason: str, known: bool = False) -> Verdict:
        return Verdict(False, f"mismatch: {name}: {reason}", _issued(content, known, user=user))

    try:
        carried = read(content)
    except Unreadable as why:
        return mismatch(f"no Verbatim record can be read from it: {why}. Only exports of Verbatim can be verified.")
    held = _held(carried, user)
    if held is None:
        return mismatch(f"it names a record ({carried.names}) that this instance does not hold.")
    if carried.visible is not None:
        try:
            expected = rerender_visible(carried)
        except Exception:  # a record shaped by hand, not by Verbatim: any renderer error means the same
            return mismatch(
                "the record it carries cannot be rendered, so it is not a record as Verbatim writes it.", True
            )
        if expected != carried.visible:
            return mismatch(
                f"the visible text differs from the record at {first_difference(expected, carried.visible)}", True
            )
    actual = records.fingerprint(carried.record)
    if actual != carried.stated:
        where = _where(held, carried.record)
        against = f"; against this database's record it differs at {where}" if where else ""
        return mismatch(
            f"the record it carries gives sha256:{actual}, not the sha256:{carried.stated or '(none)'} it states, "
            f"so it was changed after export{against}.",
            True,
        )
    if records.fingerprint(held) != actual:
        return mismatch(
            f"it is not the record as this database holds it now; they differ at {_where(held, carried.record)}. "
            "Either the record changed after this file was made, or the file's record was altered.",
            True,
        )
    shown = (
        "and the file is that record (JSON)"
        if carried.fmt == "json"
        else f"and its visible text is what that record renders to ({FORMAT_NAMES[carried.fmt]})"
    )
    return Verdict(
        True,
        f"match: {name} is the record {carried.names} as this database holds it, {shown}.",
        _issued(content, True, matches=True, user=user),
        described(held),
    )
