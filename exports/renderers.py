"""Render an export's canonical record into each format. Every format
carries the classification, the record line and the fingerprint, and the
record itself in machine-readable form at a fixed place (the carried
record): JSON is the record; Markdown ends with it in a fenced block; DOCX
holds it in a custom XML part; PDF (PDF/A-3b) has it as an attached file.
``exports.verification`` reads it back from there, never from the
visible text."""

from __future__ import annotations

import io
import json
import re
import threading
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings

if TYPE_CHECKING:
    from exports.records import Export

TEMPLATES = Path(settings.BASE_DIR) / "templates" / "exports"
STATUS_WORDS = {
    "agreed": "Agreed",
    "provisionally_agreed": "Provisionally agreed",
    "agreed_ad_referendum": "Agreed ad referendum",
    "awaiting_consent": "Awaiting a party's confirmation",
    "bracketed": "Bracketed",
    "proposed": "Proposed",
    "withdrawn": "Withdrawn",
    "superseded": "Superseded",
    "empty": "No formulation yet",
}


# ---- sentences every format prints alike ---------------------------------------------


MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


def _when(value: str | None) -> str:
    """A moment as an official document prints it, in UTC (the record
    keeps no time zone of its own): "26 November 2026, 00:01 UTC"."""
    if not value:
        return ""
    at = datetime.fromisoformat(value).astimezone(UTC)
    return f"{at.day} {MONTHS[at.month - 1]} {at.year}, {at:%H:%M} UTC"


def _day(value: str | None) -> str:
    """A calendar date ("2026-11-26", or the date of a moment) as "26 November 2026"."""
    if not value:
        return ""
    day = date.fromisoformat(value[:10])
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def _minutes(n: int | None) -> str:
    return "" if n is None else f"{n} minute{'s' if n != 1 else ''}"


def session_line(r: dict[str, Any]) -> str:
    """Place, date and length of the session, as far as the record knows them."""
    header = r["summary"]["header"]
    parts = [r["session"]["place"], _day(header["date"]), _minutes(header.get("duration_minutes"))]
    return " · ".join(part for part in parts if part)


def next_session_line(r: dict[str, Any]) -> str:
    n = r["summary"].get("next_session")
    if not n:
        return ""
    where = f", {n['place']}" if n["place"] else ""
    when = f", {_day(n['scheduled_for'])}" if n.get("scheduled_for") else ""
    return f"Next session: {n['number']}. {n['title']}{where}{when}"


def agreed_in_line(p: dict[str, Any]) -> str:
    at = p["agreed_in"]
    return f"Agreed in session {at['session']}" + (f" on {_when(at['at'])}" if at["at"] else "") + "."


def _approved(approvals: list[dict[str, Any]]) -> str:
    return ", ".join(f"{a['party']} ({a['by']}, {a['delegation']}, {_when(a['at'])})" for a in approvals)


def approval_line(r: dict[str, Any]) -> str:
    """Where the joint approval of the minutes stands: who approved, for
    which party, and which parties are still awaited."""
    approvals = r.get("approvals", [])
    if r["minutes_status"] == "approved":
        return f"Approved by every party: {_approved(approvals)}."
    parts = ["DRAFT, not yet approved by every party"]
    if approvals:
        parts.append(f"approved by {_approved(approvals)}")
    voided = set(r.get("approval_voided", []))
    awaiting = [
        name + (" (again: the text changed after its approval)" if name in voided else "")
        for name in r.get("awaiting", [])
    ]
    if awaiting:
        parts.append(f"awaiting {', '.join(awaiting)}")
    return "; ".join(parts) + "."


def corrigendum_line(c: dict[str, Any]) -> str:
    head = f"Corrigendum {c['number']}" + (f", proposed by {c['issued_by']}" if c.get("issued_by") else "")
    head += f" on {_when(c['issued_at'])}"
    if "in_force" not in c:
        return head
    if c["in_force"]:
        return f"{head}. In force: approved by {_approved(c['approvals'])}."
    approved = f"approved by {_approved(c['approvals'])}; " if c["approvals"] else ""
    return f"{head}. Not in force yet: {approved}awaiting {', '.join(c['awaiting'])}."


def formulation_caption(a: dict[str, Any]) -> str:
    flags = " — ad referendum" if a.get("ad_referendum") else ""
    flags += " — provisional (package rule)" if a.get("provisional") else ""
    recorded = f", recorded by {a['recorded_by']}" if a.get("recorded_by") else ""
    return f"Point {a['point_number']}. {a['point']} (proposed by {a['proposed_by']}{recorded}){flags}"


def consent_lines(item: dict[str, Any]) -> list[str]:
    """Each party's consent in words; older summaries only name the parties."""
    if "consents" in item:
        return [c["line"] for c in item["consents"]]
    return [f"Accepted by {', '.join(item.get('consenting_parties', []))}"]


def plural(count: int, noun: str) -> str:
    """ "1 open bracket", "2 open brackets": the template's ``plural`` says the same."""
    return f"{count} {noun}" + ("" if count == 1 else "s")


def _late(item: dict[str, Any]) -> str:
    return " (recorded late)" if item.get("recorded_late") else ""


def _envelope(export: Export) -> dict[str, Any]:
    r = export.record
    minutes = r["record"]["kind"] == "minutes"
    return {
        "record": r,
        "fingerprint": f"sha256:{export.fingerprint}",
        "record_line": export.record_line,
        "generated_at": export.generated_at.isoformat(),
        "status_words": STATUS_WORDS,
        "approval_line": approval_line(r) if minutes else "",
        "corrigendum_lines": [corrigendum_line(c) for c in r.get("corrigenda", [])] if minutes else [],
        "act_times": [_when(act["at"]) for act in r["summary"].get("acts", [])] if minutes else [],
        "session_line": session_line(r) if minutes else "",
        "next_session_line": next_session_line(r) if minutes else "",
        "agreed_in_lines": [agreed_in_line(p) if p["agreed_in"] else "" for p in r["points"]] if not minutes else [],
    }


# Where each format carries its record.
RECORD_ATTACHMENT = "verbatim-record.json"
RECORD_XML_NAMESPACE = "urn:verbatim:record"
MD_TRAILER_LABEL = "Machine-readable record (read by `verify_export`; the minutes above are rendered from it):"


def to_json(export: Export) -> bytes:
    body = {
        "fingerprint": f"sha256:{export.fingerprint}",
        "fingerprint_covers": "the 'record' member, serialised as canonical JSON (sorted keys, UTF-8, no spaces)",
        "generated_at": export.generated_at.isoformat(),
        "record": export.record,
    }
    return json.dumps(body, ensure_ascii=False, indent=2).encode()


# ---- Markdown -----------------------------------------------------------------


# Markdown special characters anywhere in a line, and what opens a block at its start.
_MD_INLINE = re.compile(r"([\\`*_\[\]<>&|~])")
# In a heading or caption also every "#": a trailing run of them would close an ATX heading.
_MD_INLINE_HEADING = re.compile(r"([\\`*_\[\]<>&|~#])")
_MD_NUMBERED = re.compile(r"^(\d{1,9})([.)])")


def _entity(ch: str) -> str:
    return f"&#{ord(ch)};"


def md_line(text: str, *, heading: bool = False) -> str:
    """One line of recorded text as Markdown that a CommonMark renderer
    reads back as exactly these characters, in plain text: the characters
    that make emphasis, code, links, HTML, entities or tables are
    backslash-escaped, so is a character that would open a heading, list,
    quote or rule at the start of the line, and leading and trailing
    whitespace (which Markdown strips) is written as character references."""
    body = (_MD_INLINE_HEADING if heading else _MD_INLINE).sub(r"\\\1", text)
    lead = len(body) - len(body.lstrip())
    trail = len(body) - len(body.rstrip()) if body.strip() else 0
    core = body[lead : len(body) - trail]
    if _MD_NUMBERED.match(core):
        core = _MD_NUMBERED.sub(r"\1\\\2", core, count=1)
    elif core[:1] in "#+-=>:" and core:
        core = "\\" + core
    return "".join(map(_entity, body[:lead])) + core + "".join(map(_entity, body[len(body) - trail :]))


def md_inline(text: str) -> str:
    """A recorded name or title inside a line of Markdown (a heading, a
    caption): escaped like a line, its line breaks as character references."""
    return "&#10;".join(md_line(line, heading=True) for line in text.split("\n"))


def _quote(text: str) -> str:
    """A recorded text as a Markdown block quote that renders to exactly
    the recorded characters: each line escaped (``md_line``) and ended by
    a hard line break (a backslash), trailing line breaks as character
    references, so no recorded text can become a heading, list, code,
    table or HTML."""
    body = text.rstrip("\n")
    lines = [md_line(line) for line in body.split("\n")]
    lines[-1] += "&#10;" * (len(text) - len(body))
    if lines == [""]:
        return ">"
    return "\n".join(f"> {line}" + ("\\" if i < len(lines) - 1 else "") for i, line in enumerate(lines))


def _md_readings(item: dict[str, Any]) -> list[str]:
    """Another delegation's differing reading of a line, below it."""
    out: list[str] = []
    for reading in item.get("readings", []):
        out += [f"*{md_inline(reading['reads'])}*{_late(reading)}:", "", _quote(reading["text"]), ""]
    return out


def _md_speaker(st: dict[str, Any]) -> str:
    speaker = md_inline(st["speaker"]) if st["speaker"] else "Speaker not recorded"
    party = f" ({md_inline(st['party'])})" if st["party"] else ""
    reads = f" — {md_inline(st['recorded_by'])}'s record reads" if st.get("readings") else ""
    return f"*{speaker}*{party}{reads}{_late(st)}:"


def _md_minutes(export: Export) -> list[str]:
    r = export.record
    s, summary = r["session"], r["summary"]
    out = [
        f"# {md_inline(r['negotiation']['title'])}",
        f"## Minutes of session {s['number']}: {md_inline(s['title'])}",
        "",
        md_inline(session_line(r)),
        "",
        f"**{md_inline(approval_line(r))}**",
        "",
        "### Participants",
        "",
    ]
    for group in summary["header"]["attendance"]:
        names = ", ".join(f"{p['name']} ({p['function'].lower()})" for p in group["participants"]) or "none recorded"
        out.append(f"- **{md_inline(group['party'])}**: {md_inline(names)}")
    if summary["header"]["agenda"]:
        out += ["", "### Agenda", ""] + [f"{i}. {md_inline(t)}" for i, t in enumerate(summary["header"]["agenda"], 1)]
    out += ["", "### Summary", "", _quote(r["narrative"]), "", "### Agreed formulations", ""]
    for a in summary["agreed"]:
        out += [f"**{md_inline(formulation_caption(a))}**", "", _quote(a["text"]), ""]
        out += [f"- {md_inline(line)}" for line in consent_lines(a)] + [""]
    if not summary["agreed"]:
        out += ["Nothing was agreed in this session.", ""]
    awaiting = summary.get("awaiting_consent", [])
    if awaiting:
        out += ["### Awaiting a party's confirmation", ""]
        for a in awaiting:
            caption = f"{formulation_caption(a)} — {a['awaiting_line']}"
            out += [f"**{md_inline(caption)}**", "", _quote(a["text"]), ""]
            out += [f"- {md_inline(line)}" for line in consent_lines(a)] + [""]
    out += ["### Open points", ""]
    for d in summary["discussed"]:
        out += [
            f"**Point {d['point_number']}. {md_inline(d['point'])}** ({plural(d['open_brackets'], 'open bracket')})",
            "",
        ]
        for p in d["positions"]:
            language = f" ({md_inline(p['language'])})" if p["language"] else ""
            out += [f"*{md_inline(p['party'])}*{language}:", "", _quote(p["text"]), ""]
    if not summary["discussed"]:
        out += ["None.", ""]
    disputes = summary.get("disputes", [])
    if disputes:
        out += ["### Differing readings", ""]
        for d in disputes:
            who = f" — {md_inline(d['speaker'])}" if d["speaker"] else ""
            out += [f"**Entry {d['seq']}** ({d['kind'].replace('_', ' ')}{who})", ""]
            for reading in d["readings"]:
                seqs = ", ".join(str(src["seq"]) for src in reading["sources"])
                out += [
                    f"*{md_inline(reading['reads'])}* (entry {seqs}, {md_inline(reading['recorded_by'])})"
                    f"{_late(reading)}:",
                    "",
                    _quote(reading["text"]),
                    "",
                ]
    out += ["### Action items", ""]
    for a in summary["action_items"]:
        owner = f" — {md_inline(a['owner'])}" if a["owner"] else ""
        out += [f"*Action item{owner}*{_late(a)}:", "", _quote(a["text"]), ""] + _md_readings(a)
    if not summary["action_items"]:
        out += ["None.", ""]
    if summary["decisions"]:
        out += ["### Decisions", ""]
        for d in summary["decisions"]:
            out += [f"*Decision*{_late(d)}:", "", _quote(d["text"]), ""] + _md_readings(d)
    if next_session_line(r):
        out += [md_inline(next_session_line(r)), ""]
    for heading, key in (("Statements on the record", "statements"), ("Questions", "questions")):
        if summary.get(key):
            out += [f"### {heading}", ""]
            for st in summary[key]:
                out += [_md_speaker(st), "", _quote(st["text"]), ""] + _md_readings(st)
    if summary.get("acts"):
        out += ["### Acts in the record", ""]
        out += [f"{act['seq']}. {md_inline(act['text'])} ({_when(act['at'])})" for act in summary["acts"]] + [""]
    if r["corrigenda"]:
        out += ["### Corrigenda", ""]
        for c in r["corrigenda"]:
            out += [f"**{md_inline(corrigendum_line(c))}**", "", _quote(c["text"]), ""]
    if "internal_entries" in r:
        out += ["### Internal entries (this delegation only)", ""]
        for e in r["internal_entries"]:
            out += [f"*{e['seq']} · {e['kind'].replace('_', ' ')}*:", "", _quote(e["text"]), ""]
        if not r["internal_entries"]:
            out += ["None.", ""]
    return out


def _md_agreed_text(export: Export) -> list[str]:
    r = export.record
    out = [f"# {md_inline(r['negotiation']['title'])}", "## Agreed text to date", ""]
    if r["negotiation"]["package_rule"]:
        out += ["*Nothing is agreed until everything is agreed.*", ""]
    for p in r["points"]:
        out += [f"### {p['number']}. {md_inline(p['title'])} — {STATUS_WORDS.get(p['status'], p['status'])}", ""]
        for t in p["texts"]:
            language = f" ({md_inline(t['language'])})" if t["language"] else ""
            out += [f"*{md_inline(t['party'])}*{language}:", "", _quote(t["text"]), ""]
        for v in p["versions"]:
            out += [
                f"*{md_inline(v['language'])} version* ({STATUS_WORDS.get(v['status'], v['status'])}):",
                "",
                _quote(v["text"]),
                "",
            ]
        if any(c["state"] != "none" for c in p["consents"]):
            out += [f"- {md_inline(c['line'])}" for c in p["consents"]] + [""]
        if p["awaiting"]:
            out += [f"Awaiting confirmation by {md_inline(', '.join(p['awaiting']))}.", ""]
        if p["agreed_in"]:
            out += [agreed_in_line(p), ""]
    return out


def md_fence(text: str) -> str:
    """A backtick fence longer than any run of backticks inside ``text``,
    so nothing recorded can close the block early."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    return "`" * max(3, longest + 1)


def md_visible(export: Export) -> str:
    """The minutes as a person reads them, above the carried record."""
    r = export.record
    out: list[str] = [f"**{md_inline(r['classification'])}**", ""]
    out += _md_minutes(export) if r["record"]["kind"] == "minutes" else _md_agreed_text(export)
    out += [
        "",
        "---",
        "",
        f"Record: {export.record_line}",
        "",
        f"Fingerprint: sha256:{export.fingerprint}",
        "",
        f"**{md_inline(r['classification'])}**",
        "",
    ]
    return "\n".join(out)


def to_markdown(export: Export) -> bytes:
    carried = to_json(export).decode()
    fence = md_fence(carried)
    return f"{md_visible(export)}\n{MD_TRAILER_LABEL}\n\n{fence}json\n{carried}\n{fence}\n".encode()


# ---- DOCX -------------------------------------------------------------------------


def _field(run, instruction: str) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    def char(kind: str):
        element = OxmlElement("w:fldChar")
        element.set(qn("w:fldCharType"), kind)
        return element

    code = OxmlElement("w:instrText")
    code.set(qn("xml:space"), "preserve")
    code.text = f" {instruction} "
    placeholder = OxmlElement("w:t")
    placeholder.text = "1"  # Word replaces it when it updates the field
    for element in (char("begin"), code, char("separate"), placeholder, char("end")):
        run._r.append(element)


def starts_rtl(text: str) -> bool:
    """Whether the text's first strong character (a letter with a direction
    of its own, digits and punctuation are weak) is right-to-left, as a
    browser decides for ``dir="auto"``: "2024 هو..." is right-to-left."""
    for ch in text:
        kind = unicodedata.bidirectional(ch)
        if kind == "L":
            return False
        if kind in ("R", "AL"):
            return True
    return False


def docx_text(text: str) -> str:
    """A text as python-docx writes it: U+2028 and U+2029 become the line
    break a newline becomes (``w:br``), a tab stays a tab (``w:tab``)."""
    return text.replace("\u2028", "\n").replace("\u2029", "\n")


def to_docx(export: Export) -> bytes:
    from docx import Document
    from docx.enum.style import WD_STYLE_TYPE
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt, RGBColor
    from docx.text.run import Run

    r = export.record
    doc = Document()
    styles = doc.styles
    styles["Normal"].font.name = "Noto Sans"
    styles["Normal"].font.size = Pt(10.5)
    verbatim = styles.add_style("Verbatim", WD_STYLE_TYPE.PARAGRAPH)
    verbatim.base_style = styles["Normal"]
    verbatim.font.name = "Noto Serif"
    verbatim.font.size = Pt(11.5)
    verbatim.paragraph_format.left_indent = Cm(1)
    verbatim.paragraph_format.space_after = Pt(8)
    caption = styles.add_style("Attribution", WD_STYLE_TYPE.PARAGRAPH)
    caption.base_style = styles["Normal"]
    caption.font.size = Pt(9)
    caption.font.color.rgb = RGBColor(0x55, 0x5B, 0x63)
    caption.paragraph_format.space_after = Pt(2)

    section = doc.sections[0]
    header = section.header.paragraphs[0]
    header.text = r["classification"]
    header.runs[0].bold = True
    draft = r["record"]["kind"] == "minutes" and r["minutes_status"] != "approved"
    if draft:
        mark = header.add_run("    DRAFT — not approved")
        mark.bold = True
        mark.font.color.rgb = RGBColor(0xB0, 0x3A, 0x2E)
    footer = section.footer.paragraphs[0]
    footer.add_run(f"{r['classification']} · page ")
    _field(footer.add_run(), "PAGE")
    footer.add_run(" of ")
    _field(footer.add_run(), "NUMPAGES")

    style_ids: dict[str, str | None] = {}

    def add_run(p, text: str):
        """``p.add_run(text)``. A text without tabs or line breaks goes into
        one ``w:t`` at once, as python-docx would put it there after looking
        at it character by character."""
        if "\t" in text or "\n" in text or "\r" in text:
            return p.add_run(text)
        r = p._p.add_r()
        if text:
            r.add_t(text)
        return Run(r, p)

    def add_paragraph(text: str = "", style: str | None = None):
        """``doc.add_paragraph``, with each style's id looked up once per
        document: python-docx looks it up for every paragraph, walking every
        style of the document twice (most of the time a long DOCX took)."""
        p = doc.add_paragraph()
        if text:
            add_run(p, text)
        if style is not None:
            if style not in style_ids:
                style_ids[style] = doc.part.get_style_id(style, WD_STYLE_TYPE.PARAGRAPH)
            if style_ids[style] is None:
                p._p.style = None
            else:  # what ``p._p.style = id`` makes of a new paragraph: its first child, without searching
                properties = OxmlElement("w:pPr")
                properties.append(OxmlElement("w:pStyle", {qn("w:val"): style_ids[style]}))
                p._p.insert(0, properties)
        return p

    def add_heading(text: str, level: int):
        """``doc.add_heading``, through ``add_paragraph``."""
        return add_paragraph(text, "Title" if level == 0 else f"Heading {level}")

    def paragraph(text: str, style: str | None = None):
        """A paragraph of one run; a tab prints as a tab, a line break as a
        line break, and a text that starts right-to-left is laid out
        right-to-left (the paragraph's ``w:bidi``, the run's ``w:rtl``)."""
        p = add_paragraph(style=style)
        run = add_run(p, docx_text(text))
        if starts_rtl(text):
            p._p.get_or_add_pPr().append(OxmlElement("w:bidi"))
            rtl = OxmlElement("w:rtl")
            rtl.set(qn("w:val"), "1")
            run._r.get_or_add_rPr().append(rtl)
        return p

    def verbatim_paragraph(text: str) -> None:
        paragraph(text, "Verbatim")

    def attribution(text: str) -> None:
        paragraph(text, "Attribution")

    def readings(item: dict[str, Any]) -> None:
        for reading in item.get("readings", []):
            attribution(f"{reading['reads']}{_late(reading)}:")
            verbatim_paragraph(reading["text"])

    def consents(item: dict[str, Any]) -> None:
        for line in consent_lines(item):
            paragraph(line, "List Bullet")

    if r["record"]["kind"] == "minutes":
        s, summary = r["session"], r["summary"]
        add_heading(r["negotiation"]["title"], level=0)
        add_paragraph(f"Minutes of session {s['number']}: {s['title']}", style="Subtitle")
        paragraph(session_line(r))
        add_paragraph().add_run(approval_line(r)).bold = True
        add_heading("Participants", level=1)
        for group in summary["header"]["attendance"]:
            names = (
                ", ".join(f"{p['name']} ({p['function'].lower()})" for p in group["participants"]) or "none recorded"
            )
            p = add_paragraph(style="List Bullet")
            p.add_run(group["party"]).bold = True
            p.add_run(f": {names}")
        if summary["header"]["agenda"]:
            add_heading("Agenda", level=1)
            for item in summary["header"]["agenda"]:
                paragraph(item, "List Number")
        add_heading("Summary", level=1)
        paragraph(r["narrative"])
        add_heading("Agreed formulations", level=1)
        for a in summary["agreed"]:
            attribution(formulation_caption(a))
            verbatim_paragraph(a["text"])
            consents(a)
        if not summary["agreed"]:
            add_paragraph("Nothing was agreed in this session.")
        if summary.get("awaiting_consent"):
            add_heading("Awaiting a party's confirmation", level=1)
            for a in summary["awaiting_consent"]:
                attribution(f"{formulation_caption(a)} — {a['awaiting_line']}")
                verbatim_paragraph(a["text"])
                consents(a)
        add_heading("Open points", level=1)
        for d in summary["discussed"]:
            add_heading(
                f"Point {d['point_number']}. {d['point']} ({plural(d['open_brackets'], 'open bracket')})", level=2
            )
            for pos in d["positions"]:
                attribution(f"{pos['party']}{' · ' + pos['language'] if pos['language'] else ''}")
                verbatim_paragraph(pos["text"])
        if summary.get("disputes"):
            add_heading("Differing readings", level=1)
            for d in summary["disputes"]:
                who = f" — {d['speaker']}" if d["speaker"] else ""
                add_heading(f"Entry {d['seq']} ({d['kind'].replace('_', ' ')}{who})", level=2)
                for reading in d["readings"]:
                    seqs = ", ".join(str(src["seq"]) for src in reading["sources"])
                    attribution(f"{reading['reads']} (entry {seqs}, {reading['recorded_by']}){_late(reading)}:")
                    verbatim_paragraph(reading["text"])
        add_heading("Action items", level=1)
        for item in summary["action_items"]:
            attribution("Action item" + (f" — {item['owner']}" if item["owner"] else "") + _late(item))
            verbatim_paragraph(item["text"])
            readings(item)
        if not summary["action_items"]:
            add_paragraph("None.")
        if summary["decisions"]:
            add_heading("Decisions", level=1)
            for item in summary["decisions"]:
                attribution("Decision" + _late(item))
                verbatim_paragraph(item["text"])
                readings(item)
        if next_session_line(r):
            paragraph(next_session_line(r))
        for heading, key in (("Statements on the record", "statements"), ("Questions", "questions")):
            if not summary.get(key):
                continue
            add_heading(heading, level=1)
            for st in summary[key]:
                reads = f" — {st['recorded_by']}'s record reads" if st.get("readings") else ""
                attribution(
                    (st["speaker"] or "Speaker not recorded")
                    + (f" ({st['party']})" if st["party"] else "")
                    + reads
                    + _late(st)
                )
                verbatim_paragraph(st["text"])
                readings(st)
        if summary.get("acts"):
            add_heading("Acts in the record", level=1)
            for act in summary["acts"]:
                add_paragraph(f"{act['seq']}. {act['text']} ({_when(act['at'])})")
        if r["corrigenda"]:
            add_heading("Corrigenda", level=1)
            for c in r["corrigenda"]:
                attribution(corrigendum_line(c))
                verbatim_paragraph(c["text"])
        if "internal_entries" in r:
            add_heading("Internal entries (this delegation only)", level=1)
            for e in r["internal_entries"]:
                attribution(f"{e['seq']} · {e['kind'].replace('_', ' ')}")
                verbatim_paragraph(e["text"])
            if not r["internal_entries"]:
                add_paragraph("None.")
    else:
        add_heading(r["negotiation"]["title"], level=0)
        add_paragraph("Agreed text to date", style="Subtitle")
        if r["negotiation"]["package_rule"]:
            add_paragraph("Nothing is agreed until everything is agreed.").runs[0].italic = True
        for p in r["points"]:
            add_heading(f"{p['number']}. {p['title']} — {STATUS_WORDS.get(p['status'], p['status'])}", level=1)
            for t in p["texts"]:
                attribution(f"{t['party']}{' · ' + t['language'] if t['language'] else ''}")
                verbatim_paragraph(t["text"])
            for v in p["versions"]:
                attribution(f"{v['language']} version · {STATUS_WORDS.get(v['status'], v['status'])}")
                verbatim_paragraph(v["text"])
            if any(c["state"] != "none" for c in p["consents"]):
                for c in p["consents"]:
                    paragraph(c["line"], "List Bullet")
            if p["awaiting"]:
                attribution(f"Awaiting confirmation by {', '.join(p['awaiting'])}.")
            if p["agreed_in"]:
                attribution(agreed_in_line(p))
    add_heading("Fingerprint", level=1)
    add_paragraph(f"Record: {export.record_line}")
    add_paragraph(f"Fingerprint: sha256:{export.fingerprint}")
    doc.core_properties.title = r["negotiation"]["title"]
    doc.core_properties.subject = export.record_line
    _carry_in_docx(doc, export)
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def _carry_in_docx(doc, export: Export) -> None:
    """The carried record as a custom XML part of the package, related from
    the document part: ``<record xmlns="urn:verbatim:record">JSON</record>``."""
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.opc.part import Part
    from lxml import etree

    root = etree.Element(f"{{{RECORD_XML_NAMESPACE}}}record", nsmap={None: RECORD_XML_NAMESPACE})
    root.text = to_json(export).decode()
    blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    package = doc.part.package
    part = Part(package.next_partname("/customXml/item%d.xml"), "application/xml", blob, package)
    doc.part.relate_to(part, RT.CUSTOM_XML)


# ---- PDF (Typst) -------------------------------------------------------------------


def _pdf_data(export: Export) -> str:
    """The envelope as Typst sets it: see ``exports.pdftext``."""
    import exports.pdftext as pdftext  # pure: characters and fonts, no record builders

    return json.dumps(pdftext.prepare(_envelope(export)), ensure_ascii=False)


# Typst compilers kept for the life of the process, each used by one thread at a time. A new
# compiler per document searched the system's fonts and loaded them again: about 0.1 s of CPU of
# each PDF, and memory that grew with every document. A kept one finds them once and reads the
# template again at each compile (it checks the file), so nothing else carries over between
# documents: the data and the fonts each document asks for come with its own compile.
_idle_compilers: list[Any] = []
_compilers_lock = threading.Lock()


@contextmanager
def typst_compiler() -> Iterator[Any]:
    import typst

    with _compilers_lock:
        compiler = _idle_compilers.pop() if _idle_compilers else None
    if compiler is None:
        compiler = typst.Compiler(str(TEMPLATES / "record.typ"))
    try:
        yield compiler
    finally:
        with _compilers_lock:
            _idle_compilers.append(compiler)


def to_pdf(export: Export) -> bytes:
    """PDF/A-3b set by Typst, with the carried record attached as an
    associated file. The record goes in as JSON data, never spliced into
    markup, so no recorded character can be read as Typst syntax."""
    with typst_compiler() as compiler:
        return compiler.compile(
            sys_inputs={
                "data": _pdf_data(export),
                "carried": to_json(export).decode(),
            },
            pdf_standards=["a-3b"],
            timestamp=int(export.generated_at.timestamp()),
        )


def to_png_pages(export: Export, ppi: int = 110) -> list[bytes]:
    with typst_compiler() as compiler:
        pages = compiler.compile(format="png", ppi=ppi, sys_inputs={"data": _pdf_data(export)})
    return pages if isinstance(pages, list) else [pages]
