"""A viewer who reads the interface in French downloads the same record: the carried record keeps
ISO moments, the printed text names times in words (never a raw ISO timestamp), and exports'
labels stay in English, since the carried record does not name a language."""

from __future__ import annotations

import io
import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import Preference
from tests.negotiations.test_exports import export, scene  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db

ISO_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


def test_the_markdown_prints_times_in_words_and_carries_iso_only_in_its_record(scene, api):  # noqa: F811
    text = export(api, scene, scene.head, "md").content.decode()
    shown, _, carried = text.partition("Machine-readable record")
    assert not ISO_MOMENT.search(shown), ISO_MOMENT.search(shown)
    assert re.search(r"\d{1,2} [A-Z][a-z]+ \d{4}, \d{2}:\d{2} UTC", shown)
    assert ISO_MOMENT.search(carried)


def test_a_viewer_reading_french_downloads_the_same_record_and_the_same_english_text(scene, api, client):  # noqa: F811
    english = export(api, scene, scene.head, "json").json()
    Preference.choose(scene.head, time_zone="Asia/Tokyo", language="fr")
    client.force_login(scene.head)
    page = client.get(f"/sessions/{scene.session.public_id}/minutes")
    assert '<html lang="fr">' in page.text
    french = client.get(f"/api/v1/sessions/{scene.session.public_id}/minutes.json", headers={"accept-language": "fr"})
    assert french.status_code == 200
    assert json.loads(french.content)["record"] == english["record"]
    md = client.get(f"/api/v1/sessions/{scene.session.public_id}/minutes.md", headers={"accept-language": "fr"})
    text = md.content.decode()
    assert "Participants" in text and "Procès-verbal" not in text and " UTC" in text


def test_a_file_exported_and_verified_by_viewers_reading_french_matches(scene, api, client):  # noqa: F811
    Preference.choose(scene.head, time_zone="Europe/Paris", language="fr")
    client.force_login(scene.head)
    for fmt in ["md", "docx", "pdf"]:
        content = client.get(f"/api/v1/sessions/{scene.session.public_id}/minutes.{fmt}").content
        page = client.post("/verify", {"file": SimpleUploadedFile(f"minutes.{fmt}", content)})
        assert page.status_code == 200, fmt
        assert "Le fichier est le compte rendu : le procès-verbal commun de la séance 1" in page.text, fmt
        assert re.search(r"Un fichier identique a été émis le \d{1,2} \S+ \d{4} à \d\d:\d\d CES?T", page.text), fmt


def test_the_word_and_pdf_files_print_no_raw_iso_timestamp(scene, api):  # noqa: F811
    from docx import Document

    from tests.negotiations.test_exports import pdf_text

    docx = Document(io.BytesIO(export(api, scene, scene.head, "docx").content))
    words = "\n".join(p.text for p in docx.paragraphs)
    words += "\n".join(cell.text for table in docx.tables for row in table.rows for cell in row.cells)
    pdf = pdf_text(export(api, scene, scene.head, "pdf").content)
    for shown in (words, pdf):
        assert not ISO_MOMENT.search(shown), ISO_MOMENT.search(shown)
        assert re.search(r"\d{1,2} [A-Z][a-z]+ \d{4}, \d{2}:\d{2} UTC", shown)
