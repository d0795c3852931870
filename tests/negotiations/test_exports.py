"""Official exports carry the exact words in every script, the marking, and
a fingerprint that a copy can be checked against."""

from __future__ import annotations

import io
import json
import uuid
from datetime import UTC

import pytest
from django.core.management import call_command
from django.db import connection
from docx import Document
from pypdf import PdfReader

from agreements.models import Formulation, Point
from exports.records import minutes_record
from negotiations.models import ExportJob, IssuedFile
from sessions.models import Summary
from sessions.services import summary_build

pytestmark = pytest.mark.django_db

TEXTS = {
    "latin": "Merchant vessels shall enjoy unimpeded passage.",
    "cyrillic": "Торговые суда пользуются свободным проходом.",
    "arabic": "تتمتع السفن التجارية بحرية المرور.",
    "chinese": "商船享有自由通行权。",
    "emoji": "Agreed with a handshake 🤝 and a lighthouse 🗼.",
}

WAITING = "Pilots are optional for vessels under 50 metres."


@pytest.fixture
def scene(world):
    m = world.membership(world.note_taker)
    world.session.start()
    for n, (script, text) in enumerate(TEXTS.items()):
        entry, _ = world.session.record_entry(membership=m, client_id=uuid.uuid4(), text=text, kind="proposal")
        point = Point.open(negotiation=world.negotiation, title=f"Point in {script}")
        f = point.propose(text=text, party=world.aurelia, membership=m, session=world.session, entry=entry)
        if n % 2 == 0:  # Aurelia's note-taker notes both consents; Severia's own note-taker confirms its own
            f.agree(parties=[world.aurelia, world.severia], membership=m, session=world.session)
            f.agree(parties=[world.severia], membership=world.membership(world.other_note_taker), session=world.session)
    pilotage = Point.open(negotiation=world.negotiation, title="Pilotage")
    world.waiting = pilotage.propose(text=WAITING, party=world.aurelia, membership=m, session=world.session)
    world.waiting.agree(parties=[world.aurelia, world.severia], membership=m, session=world.session)  # Severia noted
    bracketed = Point.open(negotiation=world.negotiation, title="Quotas")
    bracketed.propose(
        text="Quotas are set [annually] [every two years].", party=world.severia, membership=m, session=world.session
    )
    world.session.record_entry(
        membership=m, client_id=uuid.uuid4(), text="Aurelian tactic: wait.", visibility="internal"
    )
    world.session.record_entry(
        membership=world.membership(world.other_note_taker),
        client_id=uuid.uuid4(),
        text="Severian tactic: push.",
        visibility="internal",
    )
    world.session.close(by=world.membership(world.head))
    world.summary = Summary.objects.create(session=world.session)
    summary_build(summary=world.summary)
    return world


def export(api, scene, user, fmt, **params):
    response = api.as_user(user).get(f"/sessions/{scene.session.public_id}/minutes.{fmt}", **params)
    assert response.status_code == 200, response.content[:500]
    return response


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def reference_pdf_text(text: str) -> str:
    """The same words set alone by the same engine and fonts: right-to-left
    scripts come out of PDF extraction in visual order, so they are compared
    rendering to rendering."""
    import typst

    source = (
        '#set text(dir: rtl, font: ("Noto Serif", "Noto Naskh Arabic", "Noto Serif CJK SC", "Noto Color Emoji"), size: 11.2pt)\n'
        "#set page(width: 30cm, height: auto)\n"
        "#sys.inputs.t\n"
    )
    return pdf_text(typst.compile(source.encode(), sys_inputs={"t": text}))


def test_the_pdf_carries_every_formulation_exactly(scene, api):
    text = pdf_text(export(api, scene, scene.head, "pdf").content)
    for script, words in TEXTS.items():
        if script == "arabic":
            assert reference_pdf_text(words).strip() in text
        else:
            assert words in text, script
    assert "Quotas are set [annually] [every two years]." in text


def test_the_pdf_is_marked_paged_watermarked_and_archival(scene, api):
    response = export(api, scene, scene.head, "pdf")
    text = pdf_text(response.content)
    reader = PdfReader(io.BytesIO(response.content))
    assert text.count("UNCLASSIFIED") >= 2 * len(reader.pages)  # header and footer of every page
    assert f"page 1 of {len(reader.pages)}" in text
    assert "DRAFT" in text
    assert b"pdfaid:part" in response.content  # PDF/A identification
    assert response["Content-Type"] == "application/pdf"
    day = scene.session.started_at.astimezone(UTC).date().isoformat()
    assert response["Content-Disposition"] == f'attachment; filename="strait-talks-session-1-{day}-minutes.pdf"'


def test_approved_minutes_lose_the_draft_watermark(scene, api):
    scene.summary.refresh_from_db()
    scene.summary.approve(membership=scene.membership(scene.head), fingerprint=scene.summary.current_fingerprint())
    assert "DRAFT" in pdf_text(export(api, scene, scene.head, "pdf").content)  # one party is not every party
    scene.summary.approve(
        membership=scene.membership(scene.other_head), fingerprint=scene.summary.current_fingerprint()
    )
    text = pdf_text(export(api, scene, scene.head, "pdf").content)
    assert "DRAFT" not in text and "Approved by every party" in text


def test_the_docx_carries_every_formulation_exactly_in_real_word_styles(scene, api):
    document = Document(io.BytesIO(export(api, scene, scene.head, "docx").content))
    paragraphs = {p.text: p.style.name for p in document.paragraphs}
    for words in TEXTS.values():
        assert paragraphs.get(words) == "Verbatim"
    assert "Heading 1" in paragraphs.values() and "Title" in paragraphs.values()
    assert document.sections[0].header.paragraphs[0].text.startswith("UNCLASSIFIED")
    assert "PAGE" in document.sections[0].footer._element.xml and "NUMPAGES" in document.sections[0].footer._element.xml


def test_the_markdown_and_json_carry_every_formulation_exactly(scene, api):
    md = export(api, scene, scene.head, "md").content.decode()
    body = json.loads(export(api, scene, scene.head, "json").content)
    agreed = [a["text"] for a in body["record"]["summary"]["agreed"]]
    for words in TEXTS.values():
        assert f"> {words}" in md
    assert agreed == [TEXTS["latin"], TEXTS["arabic"], TEXTS["emoji"]]


def test_every_format_and_every_delegation_gets_the_same_fingerprint(scene, api):
    prints = {export(api, scene, scene.head, fmt)["X-Verbatim-Fingerprint"] for fmt in ("pdf", "docx", "md", "json")}
    prints.add(export(api, scene, scene.other_head, "pdf")["X-Verbatim-Fingerprint"])
    assert len(prints) == 1
    (value,) = prints
    assert value in pdf_text(export(api, scene, scene.other_note_taker, "pdf").content)


def test_internal_entries_appear_only_in_the_internal_version_of_their_own_delegation(scene, api):
    shared = export(api, scene, scene.head, "md").content.decode()
    assert "tactic" not in shared
    ours = export(api, scene, scene.head, "md", version="internal").content.decode()
    assert "Aurelian tactic: wait." in ours and "Severian tactic" not in ours
    theirs = export(api, scene, scene.other_head, "md", version="internal").content.decode()
    assert "Severian tactic: push." in theirs and "Aurelian tactic" not in theirs
    assert (
        export(api, scene, scene.head, "md")["X-Verbatim-Fingerprint"]
        != export(api, scene, scene.head, "md", version="internal")["X-Verbatim-Fingerprint"]
    )


def test_exports_are_404_for_outsiders_and_401_without_a_token(scene, api, client):
    assert api.as_user(scene.outsider).get(f"/sessions/{scene.session.public_id}/minutes.pdf").status_code == 404
    assert client.get(f"/api/v1/sessions/{scene.session.public_id}/minutes.pdf").status_code == 401
    response = api.as_user(scene.head).get(f"/sessions/{scene.session.public_id}/minutes.odt")
    assert response.status_code == 400 and "pdf, docx, md or json" in response.json()["detail"]


def test_verify_export_says_match_for_every_format(scene, api, tmp_path):
    for fmt in ("pdf", "docx", "md", "json"):
        path = tmp_path / f"minutes.{fmt}"
        path.write_bytes(export(api, scene, scene.reviewer, fmt).content)
        out = io.StringIO()
        call_command("verify_export", str(path), stdout=out)
        assert out.getvalue().startswith("match:"), fmt


def test_verify_export_says_mismatch_when_one_character_of_an_agreed_text_differs(scene, api, tmp_path):
    path = tmp_path / "minutes.pdf"
    path.write_bytes(export(api, scene, scene.reviewer, "pdf").content)
    agreed = Formulation.objects.get(text=TEXTS["latin"])
    # a copy of the data in which someone changed one character (triggers off, inside this test's transaction)
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("ALTER TABLE agreements_formulation DISABLE TRIGGER USER")
        cursor.execute(
            "UPDATE agreements_formulation SET text = %s WHERE id = %s",
            [TEXTS["latin"].replace("passage", "passagE"), agreed.pk],
        )
        cursor.execute("ALTER TABLE agreements_formulation ENABLE TRIGGER USER")
    Summary.objects.filter(pk=scene.summary.pk).update(status=Summary.Status.PENDING)
    summary_build(summary=Summary.objects.get(pk=scene.summary.pk))
    out = io.StringIO()
    with pytest.raises(SystemExit) as exit_:
        call_command("verify_export", str(path), stdout=out)
    assert exit_.value.code == 1
    assert out.getvalue().startswith("mismatch:")


def test_the_agreed_text_to_date_lists_every_point_with_its_words(scene, api):
    response = api.as_user(scene.reviewer).get(f"/negotiations/{scene.negotiation.public_id}/agreed-text.json")
    points = json.loads(response.content)["record"]["points"]
    assert [p["title"] for p in points][-1] == "Quotas"
    assert points[-1]["status"] == "bracketed" and points[-1]["open_brackets"] == 2
    assert points[0]["status"] == "agreed" and points[0]["agreed_in"]["session"] == 1
    pdf = api.get(f"/negotiations/{scene.negotiation.public_id}/agreed-text.pdf")
    text = pdf_text(pdf.content)
    assert TEXTS["chinese"] in text and "Agreed text to date" in text


@pytest.mark.django_db(transaction=True)
@pytest.mark.worker
def test_a_large_export_is_rendered_by_a_worker_and_the_caller_gets_the_file_at_the_same_url(
    celery_worker_process, scene, api, settings
):
    settings.EXPORT_BACKGROUND_THRESHOLD = 0
    response = export(api, scene, scene.head, "pdf")
    assert response.content.startswith(b"%PDF")
    job = ExportJob.objects.get()
    assert (job.status, job.progress, job.fmt) == ("ready", 100, "pdf")
    again = export(api, scene, scene.head, "pdf")
    assert again.content == response.content and ExportJob.objects.count() == 1
    assert IssuedFile.objects.filter(fmt="pdf", issued_to=scene.head).count() == 2  # noted each time it is handed over


def test_the_canonical_record_leaves_out_when_and_by_whom_it_was_exported(scene):
    record = minutes_record(scene.session)
    assert "generated_at" not in json.dumps(record)


def docx_text(content: bytes) -> str:
    return "\n".join(p.text for p in Document(io.BytesIO(content)).paragraphs)


def every_format(api, scene, user, path):
    """The text of one export in each format, keyed by format."""
    api.as_user(user)
    out = {}
    for fmt in ("md", "json", "docx", "pdf"):
        response = api.get(f"{path}.{fmt}")
        assert response.status_code == 200, response.content[:300]
        out[fmt] = {
            "md": lambda c: c.decode(),
            "json": lambda c: c.decode(),
            "docx": docx_text,
            "pdf": lambda c: " ".join(pdf_text(c).split()),  # lines wrap where the page ends them
        }[fmt](response.content)
    return out


def test_the_minutes_say_approved_only_once_every_party_has_approved(scene, api):
    summary = scene.summary
    summary.refresh_from_db()
    summary.approve(membership=scene.membership(scene.head), fingerprint=summary.current_fingerprint())
    body = json.loads(export(api, scene, scene.head, "json").content)["record"]
    assert body["minutes_status"] == "draft" and body["approved_at"] is None
    (approval,) = body["approvals"]
    assert approval == {
        "party": "Republic of Aurelia",
        "by": "head",
        "delegation": "Aurelia",
        "at": approval["at"],
        "fingerprint": summary.fingerprint(),
    }
    assert body["awaiting"] == ["Severian Federation"]
    for fmt, text in every_format(api, scene, scene.head, f"/sessions/{scene.session.public_id}/minutes").items():
        if fmt != "json":
            assert "awaiting Severian Federation" in text, fmt
            assert "Approved by every party" not in text, fmt

    summary.approve(membership=scene.membership(scene.other_head), fingerprint=summary.current_fingerprint())
    body = json.loads(export(api, scene, scene.head, "json").content)["record"]
    assert body["minutes_status"] == "approved" and body["approved_at"]
    assert [(a["party"], a["by"], a["delegation"]) for a in body["approvals"]] == [
        ("Republic of Aurelia", "head", "Aurelia"),
        ("Severian Federation", "other_head", "Severia"),
    ]
    assert body["awaiting"] == []
    for fmt, text in every_format(api, scene, scene.head, f"/sessions/{scene.session.public_id}/minutes").items():
        if fmt != "json":
            assert "Approved by every party: Republic of Aurelia (head, Aurelia," in text, fmt


def test_a_change_after_one_approval_shows_in_the_export_who_must_approve_again(scene, api):
    scene.summary.refresh_from_db()
    scene.summary.approve(membership=scene.membership(scene.head), fingerprint=scene.summary.current_fingerprint())
    scene.summary.edit_narrative(
        text="Reworded by Severia.",
        membership=scene.membership(scene.other_head),
        version=scene.summary.narrative_version,
    )
    body = json.loads(export(api, scene, scene.head, "json").content)["record"]
    assert body["approvals"] == [] and body["approval_voided"] == ["Republic of Aurelia"]
    md = export(api, scene, scene.head, "md").content.decode()
    assert "awaiting Republic of Aurelia (again: the text changed after its approval), Severian Federation" in md


def test_each_partys_consent_says_who_noted_and_who_confirmed_it_in_every_format(scene, api):
    texts = every_format(api, scene, scene.reviewer, f"/sessions/{scene.session.public_id}/minutes")
    confirmed = "Severia: noted by note_taker (Aurelia); confirmed by other_note_taker (Severia)"
    for fmt in ("md", "docx", "pdf"):
        assert confirmed in texts[fmt], fmt
    body = json.loads(texts["json"])["record"]["summary"]
    severia = body["agreed"][0]["consents"][1]
    assert (severia["state"], severia["noted"]["by"], severia["confirmed"]["by"]) == (
        "confirmed",
        "note_taker",
        "other_note_taker",
    )


def test_a_text_confirmed_by_one_party_only_is_awaiting_in_the_minutes_not_agreed(scene, api):
    texts = every_format(api, scene, scene.reviewer, f"/sessions/{scene.session.public_id}/minutes")
    summary = json.loads(texts["json"])["record"]["summary"]
    assert WAITING not in [a["text"] for a in summary["agreed"]]
    assert [a["text"] for a in summary["awaiting_consent"]] == [WAITING]
    for fmt in ("md", "docx", "pdf"):
        agreed_part = texts[fmt].split("Agreed formulations")[1].split("Awaiting a party")[0]
        assert WAITING not in agreed_part, fmt
        assert "awaiting confirmation by Severia" in texts[fmt], fmt
        assert "Severia: noted by note_taker (Aurelia); awaiting Severia" in texts[fmt], fmt


def test_the_agreed_text_counts_a_point_agreed_only_when_every_party_confirmed(scene, api):
    texts = every_format(api, scene, scene.reviewer, f"/negotiations/{scene.negotiation.public_id}/agreed-text")
    points = {p["title"]: p for p in json.loads(texts["json"])["record"]["points"]}
    pilotage = points["Pilotage"]
    assert pilotage["status"] == "awaiting_consent" and pilotage["agreed_in"] is None
    assert pilotage["awaiting"] == ["Severian Federation"]
    assert [(c["party"], c["state"]) for c in pilotage["consents"]] == [
        ("Republic of Aurelia", "confirmed"),
        ("Severian Federation", "noted"),
    ]
    assert points["Point in latin"]["status"] == "agreed" and points["Point in latin"]["awaiting"] == []
    for fmt in ("md", "docx", "pdf"):
        text = texts[fmt]
        assert "Pilotage — Agreed" not in text, fmt
        assert "Awaiting confirmation by Severian Federation." in text, fmt
        assert "Severia: noted by note_taker (Aurelia); awaiting Severia" in text, fmt
    assert "Pilotage — Awaiting a party's confirmation" in texts["md"]


def test_a_corrigendum_is_in_force_in_the_exports_only_once_every_party_approved_it(scene, api):
    summary = scene.summary
    summary.refresh_from_db()
    summary.approve(membership=scene.membership(scene.head), fingerprint=summary.current_fingerprint())
    summary.approve(membership=scene.membership(scene.other_head), fingerprint=summary.current_fingerprint())
    corrigendum = summary.add_corrigendum(text="Read “Pilots” for “Pilot”.", membership=scene.membership(scene.head))
    (c,) = json.loads(export(api, scene, scene.head, "json").content)["record"]["corrigenda"]
    assert (c["in_force"], c["awaiting"], [a["party"] for a in c["approvals"]]) == (
        False,
        ["Severian Federation"],
        ["Republic of Aurelia"],
    )
    assert "Not in force yet" in export(api, scene, scene.head, "md").content.decode()
    corrigendum.approve(membership=scene.membership(scene.other_head))
    (c,) = json.loads(export(api, scene, scene.head, "json").content)["record"]["corrigenda"]
    assert c["in_force"] is True and c["awaiting"] == []
    assert "Corrigendum 1, proposed by head" in pdf_text(export(api, scene, scene.head, "pdf").content)
