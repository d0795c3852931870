"""An exported file proves the record: it carries its record at a fixed
place, and verification checks that record's fingerprint, compares it with
the database, and compares the file's visible text with what the record
renders to. Forged lines inside recorded text change nothing."""

from __future__ import annotations

import copy
import io
import json
import re
import uuid

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from docx import Document
from pypdf import PdfReader, PdfWriter

from agreements.models import Point
from exports import records, renderers
from negotiations.models import IssuedFile
from sessions.models import Session, Summary
from sessions.services import summary_build

pytestmark = pytest.mark.django_db

AGREED = "Neither party shall use the threat of force in the strait."
CYRILLIC = "Ни одна сторона не прибегает к угрозе силой."
FORMATS = ("md", "json", "docx", "pdf")


def close_with_minutes(w, session):
    session.close(by=w.membership(w.head))
    summary = Summary.objects.create(session=session)
    summary_build(summary=summary)


@pytest.fixture
def scene(world, api):
    """Session 1 is closed with its minutes. In session 2 a formulation with
    "threat" is agreed, and a note-taker records an action item carrying
    session 1's Record and Fingerprint lines and a run of backticks."""
    m = world.membership
    world.session.start()
    world.session.record_entry(membership=m(world.note_taker), client_id=uuid.uuid4(), text="Opening remarks.")
    close_with_minutes(world, world.session)
    first = records.prepare(records.minutes_record(world.session), "minutes-session-1")

    world.second = Session.schedule(negotiation=world.negotiation, title="Second round", place="Port Calder")
    world.second.start()
    point = Point.open(negotiation=world.negotiation, title="Use of force")
    f = point.propose(text=AGREED, party=world.aurelia, membership=m(world.note_taker), session=world.second)
    f.agree(parties=[world.aurelia, world.severia], membership=m(world.note_taker), session=world.second)
    f.agree(parties=[world.severia], membership=m(world.other_note_taker), session=world.second)
    other = Point.open(negotiation=world.negotiation, title="Сила")
    other.propose(text=CYRILLIC, party=world.severia, membership=m(world.other_note_taker), session=world.second)
    world.forged = f"Record: {first.record_line} Fingerprint: sha256:{first.fingerprint} ````json {{}} ````"
    world.second.record_entry(
        membership=m(world.note_taker), client_id=uuid.uuid4(), text=world.forged, kind="action_item"
    )
    close_with_minutes(world, world.second)
    world.first_record_line = first.record_line
    world.files = {fmt: download(api, world, world.head, fmt) for fmt in FORMATS}
    return world


def download(api, w, user, fmt, version="shared"):
    response = api.as_user(user).get(f"/sessions/{w.second.public_id}/minutes.{fmt}", version=version)
    assert response.status_code == 200, response.content[:300]
    return response.content


def verify(tmp_path, name, content):
    """Run ``manage.py verify_export`` on the bytes; its exit status and output."""
    path = tmp_path / name
    path.write_bytes(content)
    out = io.StringIO()
    try:
        call_command("verify_export", str(path), stdout=out)
    except SystemExit as exit_:
        return exit_.code, out.getvalue()
    return 0, out.getvalue()


def throat_docx(content: bytes) -> bytes:
    document = Document(io.BytesIO(content))
    (paragraph,) = [p for p in document.paragraphs if p.text == AGREED]
    for run in paragraph.runs:
        run.text = run.text.replace("threat", "throat")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def throat_json(content: bytes) -> bytes:
    body = json.loads(content)
    body["record"]["summary"]["agreed"][0]["text"] = AGREED.replace("threat", "throat")
    return json.dumps(body, ensure_ascii=False, indent=2).encode()


def throat_md(content: bytes) -> bytes:
    return content.decode().replace("threat", "throat", 1).encode()  # the first one is the visible text


def tampered_export(content_json: bytes, change) -> records.Export:
    body = json.loads(content_json)
    record = copy.deepcopy(body["record"])
    change(record)
    return records.Export(
        record=record,
        fingerprint=body["fingerprint"].removeprefix("sha256:"),
        generated_at=records.timezone.datetime.fromisoformat(body["generated_at"]),
        filename_stem="",
    )


def throat_pdf(content: bytes) -> bytes:
    """The pages of a PDF rendered from a record with "throat", with the
    original file's attached record spliced in in place of its own."""
    (carried,) = PdfReader(io.BytesIO(content)).attachments[renderers.RECORD_ATTACHMENT]

    def throat(record):
        record["summary"]["agreed"][0]["text"] = AGREED.replace("threat", "throat")

    pages = renderers.to_pdf(tampered_export(carried, throat))
    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(pages)))
    writer.add_attachment(renderers.RECORD_ATTACHMENT, carried)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


THROAT = {"md": throat_md, "json": throat_json, "docx": throat_docx, "pdf": throat_pdf}


def test_each_untouched_export_matches_and_says_to_whom_it_was_issued(scene, tmp_path):
    for fmt, content in scene.files.items():
        status, said = verify(tmp_path, f"minutes.{fmt}", content)
        line, issued = said.splitlines()
        assert status == 0, said
        assert line.startswith(f"match: minutes.{fmt} is the record minutes {scene.second.public_id} (shared)"), fmt
        assert re.fullmatch(
            r"An identical file was issued on \d{1,2} [A-Z][a-z]+ \d{4}, \d\d:\d\d UTC to head \(Aurelia\)\.", issued
        )


def test_one_changed_character_in_an_agreed_formulation_is_a_mismatch_in_every_format_naming_the_place(scene, tmp_path):
    for fmt, content in scene.files.items():
        changed = THROAT[fmt](content)
        status, said = verify(tmp_path, f"minutes.{fmt}", changed)
        line = said.splitlines()[0]
        assert status == 1, (fmt, said)
        assert line.startswith(f"mismatch: minutes.{fmt}: "), line
        assert "threat" in line and "throat" in line, line
        if fmt == "json":
            assert "it was changed after export" in line and "summary.agreed[0].text" in line, line
        else:
            assert "the visible text differs from the record at" in line, line
            assert line.index("threat") < line.index("(file has") < line.index("throat"), line
        assert "never issued these bytes" in said


def test_the_pdf_carries_its_record_as_an_attached_file_in_a_pdf_a_3_document(scene):
    reader = PdfReader(io.BytesIO(scene.files["pdf"]))
    (carried,) = reader.attachments[renderers.RECORD_ATTACHMENT]
    body = json.loads(carried)
    assert body["fingerprint"] == f"sha256:{records.fingerprint(body['record'])}"
    assert b"<pdfaid:part>3</pdfaid:part>" in scene.files["pdf"] or b'pdfaid:part="3"' in scene.files["pdf"]
    assert b"/AFRelationship /Source" in scene.files["pdf"] or b"/AFRelationship/Source" in scene.files["pdf"]
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    assert "which is attached to this file as verbatim-record.json" in text


def test_forged_record_lines_inside_an_action_item_change_nothing(scene, tmp_path):
    md = scene.files["md"].decode()
    assert scene.forged in md and md.index(scene.first_record_line) < md.index(
        f"Record: minutes {scene.second.public_id}"
    )
    assert "`````json" in md  # the trailer's fence is longer than the backtick run recorded in the action item
    for fmt in ("md", "pdf", "docx"):
        status, said = verify(tmp_path, f"minutes.{fmt}", scene.files[fmt])
        assert status == 0 and f"minutes {scene.second.public_id}" in said, said
        assert str(scene.session.public_id) not in said


def test_a_file_whose_record_was_rewritten_consistently_is_a_mismatch_against_the_database(scene, tmp_path):
    def throat(record):
        record["summary"]["agreed"][0]["text"] = AGREED.replace("threat", "throat")

    original = json.loads(scene.files["json"])
    forged = tampered_export(scene.files["json"], throat)
    forged.fingerprint = records.fingerprint(forged.record)  # the forger recomputes the fingerprint too
    for fmt in FORMATS:
        status, said = verify(tmp_path, f"forged.{fmt}", records.render(forged, fmt))
        line = said.splitlines()[0]
        assert status == 1, (fmt, said)
        assert "it is not the record as this database holds it now" in line, line
        assert "summary.agreed[0].text" in line and "threat" in line and "throat" in line, line
    assert forged.fingerprint != original["fingerprint"].removeprefix("sha256:")


def test_a_copy_rendered_again_from_the_same_record_matches_but_was_never_issued(scene, tmp_path):
    again = records.prepare(records.minutes_record(scene.second), "minutes-session-2")
    content = records.render(again, "md")
    assert content != scene.files["md"]  # made at another time
    status, said = verify(tmp_path, "copy.md", content)
    assert status == 0 and said.startswith("match:"), said
    assert "This instance never issued these bytes. That alone is no mismatch" in said


def test_the_registry_says_when_and_to_whom_identical_bytes_were_issued(scene, api, tmp_path):
    theirs = download(api, scene, scene.other_head, "md")
    status, said = verify(tmp_path, "theirs.md", theirs)
    assert status == 0
    issued = IssuedFile.objects.filter(issued_to=scene.other_head).get()
    assert said.splitlines()[1] == (
        f"An identical file was issued on {issued.issued_at.day} {issued.issued_at:%B %Y, %H:%M} UTC to other_head (Severia)."
    )
    assert (issued.kind, issued.record_id, issued.version, issued.fmt) == (
        "minutes",
        str(scene.second.public_id),
        "shared",
        "md",
    )
    assert IssuedFile.objects.filter(issued_to=scene.head).count() == len(FORMATS)


def test_the_registry_of_issued_files_is_append_only(scene):
    issued = IssuedFile.objects.first()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE negotiations_issuedfile SET issued_to_id = %s WHERE id = %s", [scene.outsider.pk, issued.pk]
        )
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        IssuedFile.objects.filter(pk=issued.pk).delete()


def test_a_file_that_is_not_an_export_is_a_mismatch_that_says_so(scene, tmp_path):
    status, said = verify(tmp_path, "notes.md", b"# My own notes\n\nRecord: nothing\n")
    assert status == 1
    assert said.startswith("mismatch: notes.md: no Verbatim record can be read from it:"), said
    status, said = verify(tmp_path, "cut.md", scene.files["md"][:-40])
    assert status == 1 and "no Verbatim record can be read" in said, said


# ---- the page ----------------------------------------------------------------------


def upload(client, user, name, content):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(user)
    return client.post("/verify", {"file": SimpleUploadedFile(name, content)})


def test_the_page_gives_the_same_verdicts_as_the_command(scene, client, tmp_path):
    client.force_login(scene.reviewer)
    page = client.get("/verify")
    assert page.status_code == 200 and 'enctype="multipart/form-data"' in page.content.decode()
    for fmt in ("md", "pdf"):
        for content in (scene.files[fmt], THROAT[fmt](scene.files[fmt])):
            _, said = verify(tmp_path, f"minutes.{fmt}", content)
            body = upload(client, scene.reviewer, f"minutes.{fmt}", content).content.decode()
            line, issued = said.splitlines()
            from django.utils.html import escape

            assert escape(line) in body and escape(issued) in body, fmt


def test_the_page_answers_another_negotiations_file_as_one_this_instance_does_not_hold(scene, client, api):
    content = scene.files["md"]
    outsider = upload(client, scene.outsider, "minutes.md", content).content.decode()
    unknown = content.decode().replace(str(scene.second.public_id), str(uuid.uuid4())).encode()
    nowhere = upload(client, scene.outsider, "minutes.md", unknown).content.decode()

    def verdict(body: str) -> str:
        return re.search(r'role="status"><strong>(.*?)</strong>.*?<p class="muted">(.*?)</p>', body, re.S).groups()

    said, issued = verdict(outsider)
    assert "that this instance does not hold" in said and "never issued these bytes" in issued
    assert "Use of force" not in outsider and "to head" not in outsider
    anonymous = [(line.replace(str(scene.second.public_id), "ID"), issued) for line, issued in (verdict(outsider),)]
    elsewhere = verdict(nowhere)
    unknown_id = re.search(r"minutes ([0-9a-f-]{36})", elsewhere[0]).group(1)
    assert anonymous == [(elsewhere[0].replace(unknown_id, "ID"), elsewhere[1])]


def test_the_page_tells_another_delegation_that_the_file_was_issued_but_not_to_whom_or_when(scene, client):
    body = upload(client, scene.other_head, "minutes.md", scene.files["md"]).content.decode()
    assert "This instance issued these exact bytes" in body
    assert "to head" not in body and "issued on" not in body
    own = upload(client, scene.reviewer, "minutes.md", scene.files["md"]).content.decode()
    assert "issued on" in own and "to head" in own  # the issuing delegation sees both


def test_the_page_does_not_tell_one_delegation_about_anothers_internal_version(scene, client, api):
    internal = download(api, scene, scene.head, "md", version="internal")
    own = upload(client, scene.note_taker, "internal.md", internal).content.decode()
    assert "match: internal.md is the record" in own
    other = upload(client, scene.other_head, "internal.md", internal).content.decode()
    assert "that this instance does not hold" in other and "issued" in other and "to head" not in other


def test_the_page_says_in_words_which_record_a_matching_file_is_and_that_a_changed_one_does_not_match(scene, client):
    body = upload(client, scene.reviewer, "minutes.md", scene.files["md"]).content.decode()
    assert "The file is the record: the shared minutes of session 2, Second round, of Strait talks." in body
    changed = upload(client, scene.reviewer, "minutes.md", THROAT["md"](scene.files["md"])).content.decode()
    assert "The file does not match the record." in changed and "The file is the record" not in changed


def test_the_page_refuses_a_file_over_the_limit_and_asks_for_a_file(scene, client, settings):
    settings.VERIFY_UPLOAD_MAX_BYTES = 20_000
    assert len(scene.files["md"]) < 20_000 < len(scene.files["pdf"])
    response = upload(client, scene.head, "minutes.pdf", scene.files["pdf"])
    assert response.status_code == 400
    assert (
        "minutes.pdf is larger than 19.5\xa0KB, the most this page verifies. Verify it with manage.py verify_export"
        in response.content.decode()
    )
    assert upload(client, scene.head, "minutes.md", scene.files["md"]).status_code == 200  # smaller than the limit
    client.force_login(scene.head)
    response = client.post("/verify", {})
    assert response.status_code == 400 and "Choose an exported file" in response.content.decode()


def test_the_page_checks_the_csrf_token(scene):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(scene.head)
    assert strict.post("/verify", {}).status_code == 403


def test_the_page_needs_a_login_and_is_linked_from_the_minutes_and_the_dashboard(scene, client):
    assert client.get("/verify").status_code == 302
    client.force_login(scene.head)
    assert 'href="/verify"' in client.get(f"/negotiations/{scene.negotiation.public_id}/").content.decode()
    assert 'href="/verify"' in client.get(f"/sessions/{scene.second.public_id}/minutes").content.decode()


def test_the_page_answers_only_get_and_post(scene, client):
    client.force_login(scene.head)
    assert client.put("/verify").status_code == 405


def test_the_docx_carries_its_record_in_a_custom_xml_part_and_its_header_is_checked(scene, tmp_path):
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from lxml import etree

    document = Document(io.BytesIO(scene.files["docx"]))
    roots = [
        etree.fromstring(rel.target_part.blob)
        for rel in document.part.rels.values()
        if rel.reltype == RT.CUSTOM_XML and not rel.is_external
    ]
    (ours,) = [root for root in roots if root.tag == "{urn:verbatim:record}record"]
    assert json.loads(ours.text)["record"]["record"]["id"] == str(scene.second.public_id)

    header = document.sections[0].header.paragraphs[0]
    header.runs[0].text = "SECRET"
    buffer = io.BytesIO()
    document.save(buffer)
    status, said = verify(tmp_path, "minutes.docx", buffer.getvalue())
    assert status == 1 and 'at "UNCLASSIFIED' in said and '(file has "SECRET' in said, said


def test_the_markdown_record_sits_under_its_label_in_the_last_fenced_block(scene):
    md = scene.files["md"].decode()
    label = "Machine-readable record (read by `verify_export`; the minutes above are rendered from it):"
    assert md.endswith("}\n`````\n") and f"\n{label}\n\n`````json\n{{" in md


def test_a_record_shaped_by_hand_is_a_mismatch_not_an_error(scene, tmp_path):
    body = json.loads(scene.files["json"])
    del body["record"]["summary"]
    body["fingerprint"] = f"sha256:{records.fingerprint(body['record'])}"
    carried = json.dumps(body, ensure_ascii=False)
    md = scene.files["md"].decode()
    head = md[: md.rindex("`````json\n") + len("`````json\n")]
    status, said = verify(tmp_path, "minutes.md", f"{head}{carried}\n`````\n".encode())
    assert status == 1 and "the record it carries cannot be rendered" in said, said


def test_a_word_file_that_unpacks_far_beyond_its_size_is_refused_unread(scene, tmp_path):
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bomb:
        bomb.writestr("word/document.xml", b"\0" * 50_000_000)
    status, said = verify(tmp_path, "bomb.docx", buffer.getvalue())
    assert status == 1 and "far more than a Word document of its size" in said, said


def test_the_agreed_text_to_date_verifies_too_and_only_for_members_on_the_page(scene, api, client, tmp_path):
    response = api.as_user(scene.other_head).get(f"/negotiations/{scene.negotiation.public_id}/agreed-text.md")
    status, said = verify(tmp_path, "agreed-text.md", response.content)
    assert status == 0 and said.startswith(
        f"match: agreed-text.md is the record agreed-text {scene.negotiation.public_id}"
    )
    assert "to other_head (Severia)" in said
    changed = response.content.decode().replace("threat", "throat", 1).encode()
    assert verify(tmp_path, "agreed-text.md", changed)[0] == 1
    assert (
        "match: agreed-text.md" in upload(client, scene.reviewer, "agreed-text.md", response.content).content.decode()
    )
    outsider = upload(client, scene.outsider, "agreed-text.md", response.content).content.decode()
    assert "that this instance does not hold" in outsider and "other_head" not in outsider
