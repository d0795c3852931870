"""A negotiation's record outlives the server: archived into one file, it is
restored into another instance with intact chains and identical
fingerprints; a changed archive is refused; and the documented pg_dump /
pg_restore procedure gives back the same record."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
import uuid
import zipfile
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.core.management import call_command

from agreements.models import Point
from exports import archive
from sessions.models import Participant, Session
from sessions.services import session_close, summary_build
from tests.conftest import ROOT, url_of_test_database
from tests.scene import build_scene


def build_record(w):
    """The scene (an open session with shared and internal entries, points
    open, agreed ad referendum and agreed), plus a second session with an
    agenda, attendance, a speaker, a correction and a proposal, closed, its
    summary built and approved by both parties, and a corrigendum in force."""
    build_scene(w)
    m = w.membership
    w.negotiation.secretariat_keeps_record = False
    lind = Participant.objects.create(negotiation=w.negotiation, party=w.aurelia, name="Amara Lind", title="Envoy")
    second = Session.schedule(negotiation=w.negotiation, title="Second round", place="Kel")
    item = second.add_agenda_item("Navigation")
    second.take_up(item)
    second.set_attendance(lind, True)
    said, _ = second.record_entry(
        membership=m(w.note_taker), client_id=uuid.uuid4(), text="Ships pass freely — «toujours».", speaker=lind
    )
    said.correct(membership=m(w.note_taker), client_id=uuid.uuid4(), text="Ships pass freely, always.")
    second.record_entry(membership=m(w.scribe), client_id=uuid.uuid4(), text="Clerk's aside.", visibility="internal")
    Point.objects.get(pk=w.point.pk).propose(
        text="Ships pass [freely].", party=w.severia, membership=m(w.other_note_taker), session=second
    )
    summary = session_close(session=second, by=m(w.head))
    summary_build(summary=summary)
    summary.approve(membership=m(w.head), fingerprint=summary.current_fingerprint())
    summary.approve(membership=m(w.other_head), fingerprint=summary.current_fingerprint())
    summary.refresh_from_db()
    corrigendum = summary.add_corrigendum(text="Read 'Kel' for 'Kell'.", membership=m(w.head))
    corrigendum.approve(membership=m(w.other_head))
    w.second = second
    return w


def _admin_url() -> str:
    return url_of_test_database().rsplit("/", 1)[0] + "/postgres"


@pytest.fixture
def new_database():
    """A freshly created, empty database; dropped after the test."""
    name = f"verbatim_restore_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(_admin_url(), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield url_of_test_database().rsplit("/", 1)[0] + f"/{name}"
    with psycopg.connect(_admin_url(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


@pytest.fixture
def empty_instance(new_database):
    """A new server's database: created and migrated, holding no record."""
    manage("migrate", "-v0", url=new_database, check=True)
    return new_database


def manage(*args: str, url: str, check: bool = False) -> subprocess.CompletedProcess:
    env = dict(os.environ, DATABASE_URL=url, REDIS_URL=settings.REDIS_URL)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, check=check
    )


def write_archive(w, path: Path) -> str:
    out = io.StringIO()
    call_command("archive_negotiation", str(w.negotiation.public_id), str(path), stdout=out)
    return out.getvalue()


def rewrite(path: Path, change, *, manifest_too: bool) -> None:
    """Change one member of the archive; update the manifest's SHA-256 too
    when ``manifest_too``, as a careful forger would."""
    with zipfile.ZipFile(path) as zf:
        members = {name: zf.read(name) for name in zf.namelist()}
    members[archive.RECORD] = change(members[archive.RECORD])
    if manifest_too:
        manifest = json.loads(members[archive.MANIFEST])
        manifest["files"][archive.RECORD] = archive._sha256(members[archive.RECORD])
        members[archive.MANIFEST] = json.dumps(manifest).encode()
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)


@pytest.mark.django_db
def test_it_restores_a_negotiation_into_another_instance_identical(secretariat, tmp_path, empty_instance):
    w = build_record(secretariat)
    path = tmp_path / "strait-talks.zip"
    started = time.monotonic()
    said = write_archive(w, path)
    archived_in = time.monotonic() - started
    assert "Archived 'Strait talks'" in said and "2 sessions" in said

    with zipfile.ZipFile(path) as zf:
        names = set(zf.namelist())
        manifest = json.loads(zf.read(archive.MANIFEST))
        record = json.loads(zf.read(archive.RECORD))
        zf.extractall(tmp_path / "unpacked")
    assert {"minutes/session-01.pdf", "minutes/session-02.json", "agreed-text.pdf", "agreed-text.json"} <= names
    assert "password" not in json.dumps(record["people"])
    assert {p["username"] for p in record["people"]} >= {"head", "other_head", "clerk", "scribe"}
    streams = {e["stream"] for s in record["sessions"] for e in s["entries"]}
    assert len(streams) == 4  # the shared record and three delegations' internal streams

    started = time.monotonic()
    restored = manage("restore_archive", str(path), url=empty_instance)
    restored_in = time.monotonic() - started
    assert restored.returncode == 0, restored.stdout + restored.stderr
    assert "Restored 'Strait talks'" in restored.stdout
    assert "verdict: the record restored is the archived one" in restored.stdout

    # Checked independently of the restore's own verdict: each exported file
    # matches the record the new instance now holds.
    for name in ("minutes/session-01.json", "minutes/session-02.pdf", "agreed-text.pdf"):
        verified = manage("verify_export", str(tmp_path / "unpacked" / name), url=empty_instance)
        assert verified.returncode == 0 and verified.stdout.startswith("match:"), verified.stdout
    assert manage("restore_archive", "--check", str(path), url=empty_instance).returncode == 0
    assert len(manifest["records"]) == 2 * (1 + 3) + 1  # shared and three internal minutes per session, agreed text

    again = manage("restore_archive", str(path), url=empty_instance)
    assert again.returncode == 1
    assert "already holds the negotiation 'Strait talks'" in again.stderr and "Traceback" not in again.stderr
    print(f"\narchive {path.stat().st_size:,} bytes; archived in {archived_in:.1f} s, restored in {restored_in:.1f} s")


@pytest.mark.django_db
def test_a_changed_archive_is_refused_and_nothing_is_restored(secretariat, tmp_path, empty_instance):
    w = build_record(secretariat)
    path = tmp_path / "strait-talks.zip"
    write_archive(w, path)

    def one_character(data: bytes) -> bytes:
        return data.replace(b"Opening remarks.", b"Opening remarks!", 1)

    rewrite(path, one_character, manifest_too=False)
    refused = manage("restore_archive", str(path), url=empty_instance)
    assert refused.returncode == 1
    assert "record.json differs from the SHA-256 its manifest gives" in refused.stderr
    assert "Nothing was restored" in refused.stderr and "Traceback" not in refused.stderr

    rewrite(path, lambda data: data, manifest_too=True)
    refused = manage("restore_archive", str(path), url=empty_instance)
    assert refused.returncode == 1, refused.stdout
    assert "mismatch: Session 1, stream record, entry 1: its digest does not follow" in refused.stdout
    assert "Nothing was restored." in refused.stdout
    held = manage("restore_archive", "--check", str(path), url=empty_instance)
    assert held.returncode == 1 and "does not hold 'Strait talks'" in held.stdout


@pytest.mark.django_db
def test_a_restore_refuses_a_party_of_the_same_name_but_another_id(secretariat, tmp_path, empty_instance):
    """The chains name parties by id (docs/RECORD.md): a same-named party of
    the new instance is not the archived one, and borrowing it would break them."""
    w = build_record(secretariat)
    path = tmp_path / "strait-talks.zip"
    write_archive(w, path)
    made = manage(
        "shell",
        "-c",
        f"from negotiations.models import Party; Party.objects.create(name={w.aurelia.name!r})",
        url=empty_instance,
    )
    assert made.returncode == 0, made.stderr
    refused = manage("restore_archive", str(path), url=empty_instance)
    assert refused.returncode == 1
    assert f"This database has another party named '{w.aurelia.name}' (not the archived one" in refused.stderr
    assert "Nothing was restored" in refused.stderr and "Traceback" not in refused.stderr


def test_an_archive_that_is_not_one_is_refused_in_a_sentence(tmp_path):
    path = tmp_path / "minutes.pdf"
    path.write_bytes(b"%PDF-1.7")
    with pytest.raises(Exception, match="not a Verbatim archive"):
        call_command("restore_archive", str(path))


@pytest.mark.django_db(transaction=True)
def test_a_pg_dump_and_pg_restore_give_back_the_same_record(secretariat, tmp_path, new_database):
    """The procedure of docs/BACKUP.md: pg_dump -Fc, pg_restore into a new
    database, and restore_archive --check against an archive taken before."""
    w = build_record(secretariat)
    path = tmp_path / "before.zip"
    write_archive(w, path)
    dump = tmp_path / "verbatim.dump"
    subprocess.run(["pg_dump", "-Fc", "--file", str(dump), url_of_test_database()], check=True)
    subprocess.run(["pg_restore", "--no-owner", "--exit-on-error", "-d", new_database, str(dump)], check=True)
    checked = manage("restore_archive", "--check", str(path), url=new_database)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "verdict: the record this database holds is the archived one" in checked.stdout
