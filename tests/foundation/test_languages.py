"""English and French interface: every marked string has its French, the
committed catalogue is the compiled source, and the switcher remembers the
choice. Texts of the record are never translated (tests beside the pages)."""

from __future__ import annotations

import gettext
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "locale" / "fr" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")


def _untranslated(po: Path) -> list[str]:
    out = subprocess.run(
        ["msgattrib", "--untranslated", "--no-obsolete", "--no-wrap", str(po)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    fuzzy = subprocess.run(
        ["msgattrib", "--only-fuzzy", "--no-obsolete", "--no-wrap", str(po)], capture_output=True, text=True, check=True
    ).stdout
    ids = [line[len("msgid ") :] for line in (out + fuzzy).splitlines() if line.startswith("msgid ")]
    return [i for i in ids if i != '""']


def test_every_string_marked_in_the_code_has_its_french_translation(tmp_path):
    """makemessages over a copy of the project (it writes into the project's own locale/):
    nothing new, nothing empty, nothing fuzzy."""
    copy = tmp_path / "project"
    shutil.copytree(
        ROOT,
        copy,
        ignore=shutil.ignore_patterns(
            ".git", ".venv", "var", "tests", "bench", "docs", "node_modules", "__pycache__", "*.egg-info", "vendor"
        ),
    )
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "makemessages",
            "-l",
            "fr",
            "--no-location",
            "--no-obsolete",
        ],
        cwd=copy,
        env={"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "config.settings", "VERBATIM_VAR_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    missing = _untranslated(copy / "locale" / "fr" / "LC_MESSAGES" / "django.po")
    assert not missing, f"{len(missing)} interface strings have no French yet, e.g. {missing[:10]}"


def test_the_committed_french_catalogue_is_its_source_compiled(tmp_path):
    compiled = tmp_path / "django.mo"
    subprocess.run(["msgfmt", "--check", "-o", str(compiled), str(PO)], check=True)
    with compiled.open("rb") as fresh, MO.open("rb") as committed:
        assert gettext.GNUTranslations(committed)._catalog == gettext.GNUTranslations(fresh)._catalog, (
            "locale/fr/LC_MESSAGES/django.mo is stale: run .venv/bin/python manage.py compilemessages --ignore=.venv"
        )


@pytest.mark.django_db
def test_a_signed_out_visitor_switches_the_sign_in_page_to_french_and_it_is_remembered(client):
    page = client.get("/login/")
    assert '<html lang="en">' in page.text
    answer = client.post("/language", {"language": "fr", "next": "/login/"})
    assert answer.status_code == 302 and answer["Location"] == "/login/"
    assert answer.cookies["verbatim_language"]["max-age"] == 365 * 24 * 3600
    again = client.get("/login/")
    assert '<html lang="fr">' in again.text
    assert "Langue de l’interface" in again.text


@pytest.mark.django_db
def test_the_switcher_never_sends_the_visitor_to_another_site(client):
    answer = client.post("/language", {"language": "fr", "next": "https://elsewhere.example/"})
    assert answer.status_code == 302
    assert "elsewhere.example" not in answer["Location"]


@pytest.mark.django_db
def test_a_language_the_interface_does_not_have_changes_nothing(client):
    client.post("/language", {"language": "xx", "next": "/login/"})
    assert '<html lang="en">' in client.get("/login/").text
