"""Render an export's canonical record into each format. Every format
carries the classification, the record line and the fingerprint."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings

if TYPE_CHECKING:
    from negotiations.exports import Export

TEMPLATES = Path(settings.BASE_DIR) / "templates" / "exports"
STATUS_WORDS = {
    "agreed": "Agreed",
    "provisionally_agreed": "Provisionally agreed",
    "agreed_ad_referendum": "Agreed ad referendum",
    "bracketed": "Bracketed",
    "proposed": "Proposed",
    "withdrawn": "Withdrawn",
    "superseded": "Superseded",
    "empty": "No formulation yet",
}


def _envelope(export: Export) -> dict[str, Any]:
    return {
        "record": export.record,
        "fingerprint": f"sha256:{export.fingerprint}",
        "record_line": export.record_line,
        "generated_at": export.generated_at.isoformat(),
        "status_words": STATUS_WORDS,
    }


def to_json(export: Export) -> bytes:
    body = {
        "fingerprint": f"sha256:{export.fingerprint}",
        "fingerprint_covers": "the 'record' member, serialised as canonical JSON (sorted keys, UTF-8, no spaces)",
        "generated_at": export.generated_at.isoformat(),
        "record": export.record,
    }
    return json.dumps(body, ensure_ascii=False, indent=2).encode()


# ---- Markdown -----------------------------------------------------------------


def _quote(text: str) -> str:
    """A verbatim text as a Markdown block quote; the characters after each
    '> ' are exactly the recorded ones."""
    return "\n".join(f"> {line}" if line else ">" for line in text.split("\n"))


def to_markdown(export: Export) -> bytes:
    r = export.record
    out: list[str] = [f"**{r['classification']}**", ""]
    if r["record"]["kind"] == "minutes":
        s, summary = r["session"], r["summary"]
        out += [
            f"# {r['negotiation']['title']}",
            f"## Minutes of session {s['number']}: {s['title']}",
            "",
            f"{s['place']} · {summary['header']['date'] or ''} · "
            + (
                "**APPROVED** " + f"by {r['approved_by']} on {r['approved_at']}"
                if r["minutes_status"] == "approved"
                else "**DRAFT — not approved**"
            ),
            "",
            "### Participants",
            "",
        ]
        for group in summary["header"]["attendance"]:
            names = (
                ", ".join(f"{p['name']} ({p['function'].lower()})" for p in group["participants"]) or "none recorded"
            )
            out.append(f"- **{group['party']}**: {names}")
        if summary["header"]["agenda"]:
            out += ["", "### Agenda", ""] + [f"{i}. {t}" for i, t in enumerate(summary["header"]["agenda"], 1)]
        out += ["", "### Summary", "", r["narrative"], "", "### Agreed formulations", ""]
        for a in summary["agreed"] or []:
            flags = (
                " — ad referendum"
                if a["ad_referendum"]
                else (" — provisional (package rule)" if a["provisional"] else "")
            )
            out += [
                f"**Point {a['point_number']}. {a['point']}** (proposed by {a['proposed_by']}; accepted by {', '.join(a['consenting_parties'])}{flags})",
                "",
                _quote(a["text"]),
                "",
            ]
        if not summary["agreed"]:
            out += ["Nothing was agreed in this session.", ""]
        out += ["### Open points", ""]
        for d in summary["discussed"]:
            out += [f"**Point {d['point_number']}. {d['point']}** ({d['open_brackets']} open brackets)", ""]
            for p in d["positions"]:
                out += [
                    f"*{p['party']}*{' (' + p['language'] + ')' if p['language'] else ''}:",
                    "",
                    _quote(p["text"]),
                    "",
                ]
        if not summary["discussed"]:
            out += ["None.", ""]
        out += ["### Action items", ""]
        out += [f"- {a['text']}" + (f" — {a['owner']}" if a["owner"] else "") for a in summary["action_items"]] or [
            "None."
        ]
        if summary["decisions"]:
            out += ["", "### Decisions", ""] + [f"- {d['text']}" for d in summary["decisions"]]
        if r["corrigenda"]:
            out += ["", "### Corrigenda", ""]
            for c in r["corrigenda"]:
                out += [f"**Corrigendum {c['number']}** ({c['issued_at']})", "", _quote(c["text"]), ""]
        if "internal_entries" in r:
            out += ["", "### Internal entries (this delegation only)", ""]
            out += [f"- {e['seq']} · {e['kind']}: {e['text']}" for e in r["internal_entries"]] or ["None."]
    else:
        out += [f"# {r['negotiation']['title']}", "## Agreed text to date", ""]
        if r["negotiation"]["package_rule"]:
            out += ["*Nothing is agreed until everything is agreed.*", ""]
        for p in r["points"]:
            out += [f"### {p['number']}. {p['title']} — {STATUS_WORDS.get(p['status'], p['status'])}", ""]
            for t in p["texts"]:
                out += [
                    f"*{t['party']}*{' (' + t['language'] + ')' if t['language'] else ''}:",
                    "",
                    _quote(t["text"]),
                    "",
                ]
            for v in p["versions"]:
                out += [
                    f"*{v['language']} version* ({STATUS_WORDS.get(v['status'], v['status'])}):",
                    "",
                    _quote(v["text"]),
                    "",
                ]
            if p["agreed_in"]:
                out += [f"Agreed in session {p['agreed_in']['session']} at {p['agreed_in']['at']}.", ""]
    out += [
        "",
        "---",
        "",
        f"Record: {export.record_line}",
        "",
        f"Fingerprint: sha256:{export.fingerprint}",
        "",
        f"**{r['classification']}**",
        "",
    ]
    return "\n".join(out).encode()


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


RTL = re.compile(r"^[^\w]*[\u0590-\u08FF]")


def to_docx(export: Export) -> bytes:
    from docx import Document
    from docx.enum.style import WD_STYLE_TYPE
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt, RGBColor

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

    def verbatim_paragraph(text: str) -> None:
        p = doc.add_paragraph(style="Verbatim")
        p.add_run(text)
        if RTL.match(text):
            ppr = p._p.get_or_add_pPr()
            ppr.append(OxmlElement("w:bidi"))
            for run in p.runs:
                rpr = run._r.get_or_add_rPr()
                rtl = OxmlElement("w:rtl")
                rtl.set(qn("w:val"), "1")
                rpr.append(rtl)

    def attribution(text: str) -> None:
        doc.add_paragraph(text, style="Attribution")

    if r["record"]["kind"] == "minutes":
        s, summary = r["session"], r["summary"]
        doc.add_heading(r["negotiation"]["title"], level=0)
        doc.add_paragraph(f"Minutes of session {s['number']}: {s['title']}", style="Subtitle")
        doc.add_paragraph(
            f"{s['place']} · {summary['header']['date'] or ''} · "
            + (f"Approved by {r['approved_by']} on {r['approved_at']}" if not draft else "Draft, not approved")
        )
        doc.add_heading("Participants", level=1)
        for group in summary["header"]["attendance"]:
            names = (
                ", ".join(f"{p['name']} ({p['function'].lower()})" for p in group["participants"]) or "none recorded"
            )
            p = doc.add_paragraph(style="List Bullet")
            p.add_run(group["party"]).bold = True
            p.add_run(f": {names}")
        if summary["header"]["agenda"]:
            doc.add_heading("Agenda", level=1)
            for item in summary["header"]["agenda"]:
                doc.add_paragraph(item, style="List Number")
        doc.add_heading("Summary", level=1)
        for line in r["narrative"].split("\n"):
            doc.add_paragraph(line)
        doc.add_heading("Agreed formulations", level=1)
        for a in summary["agreed"]:
            flags = (
                "; ad referendum"
                if a["ad_referendum"]
                else ("; provisional under the package rule" if a["provisional"] else "")
            )
            attribution(
                f"Point {a['point_number']}. {a['point']} — proposed by {a['proposed_by']}; accepted by {', '.join(a['consenting_parties'])}{flags}"
            )
            verbatim_paragraph(a["text"])
        if not summary["agreed"]:
            doc.add_paragraph("Nothing was agreed in this session.")
        doc.add_heading("Open points", level=1)
        for d in summary["discussed"]:
            doc.add_heading(f"Point {d['point_number']}. {d['point']} ({d['open_brackets']} open brackets)", level=2)
            for pos in d["positions"]:
                attribution(f"{pos['party']}{' · ' + pos['language'] if pos['language'] else ''}")
                verbatim_paragraph(pos["text"])
        doc.add_heading("Action items", level=1)
        for item in summary["action_items"]:
            doc.add_paragraph(item["text"] + (f" — {item['owner']}" if item["owner"] else ""), style="List Bullet")
        if summary["decisions"]:
            doc.add_heading("Decisions", level=1)
            for item in summary["decisions"]:
                doc.add_paragraph(item["text"], style="List Bullet")
        if r["corrigenda"]:
            doc.add_heading("Corrigenda", level=1)
            for c in r["corrigenda"]:
                attribution(f"Corrigendum {c['number']} ({c['issued_at']})")
                verbatim_paragraph(c["text"])
        if "internal_entries" in r:
            doc.add_heading("Internal entries (this delegation only)", level=1)
            for e in r["internal_entries"]:
                doc.add_paragraph(f"{e['seq']} · {e['kind']}: {e['text']}", style="List Bullet")
    else:
        doc.add_heading(r["negotiation"]["title"], level=0)
        doc.add_paragraph("Agreed text to date", style="Subtitle")
        if r["negotiation"]["package_rule"]:
            doc.add_paragraph("Nothing is agreed until everything is agreed.").runs[0].italic = True
        for p in r["points"]:
            doc.add_heading(f"{p['number']}. {p['title']} — {STATUS_WORDS.get(p['status'], p['status'])}", level=1)
            for t in p["texts"]:
                attribution(f"{t['party']}{' · ' + t['language'] if t['language'] else ''}")
                verbatim_paragraph(t["text"])
            for v in p["versions"]:
                attribution(f"{v['language']} version · {STATUS_WORDS.get(v['status'], v['status'])}")
                verbatim_paragraph(v["text"])
            if p["agreed_in"]:
                attribution(f"Agreed in session {p['agreed_in']['session']} at {p['agreed_in']['at']}")
    doc.add_heading("Fingerprint", level=1)
    doc.add_paragraph(f"Record: {export.record_line}")
    doc.add_paragraph(f"Fingerprint: sha256:{export.fingerprint}")
    doc.core_properties.title = r["negotiation"]["title"]
    doc.core_properties.subject = export.record_line
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


# ---- PDF (Typst) -------------------------------------------------------------------


def to_pdf(export: Export) -> bytes:
    """PDF/A-2b set by Typst. The record goes in as JSON data, never spliced
    into markup, so no recorded character can be read as Typst syntax."""
    import typst

    return typst.compile(
        str(TEMPLATES / "record.typ"),
        sys_inputs={"data": json.dumps(_envelope(export), ensure_ascii=False)},
        pdf_standards=["a-2b"],
        timestamp=int(export.generated_at.timestamp()),
    )


def to_png_pages(export: Export, ppi: int = 110) -> list[bytes]:
    import typst

    pages = typst.compile(
        str(TEMPLATES / "record.typ"),
        format="png",
        ppi=ppi,
        sys_inputs={"data": json.dumps(_envelope(export), ensure_ascii=False)},
    )
    return pages if isinstance(pages, list) else [pages]
