from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from exports.verification import verify


class Command(BaseCommand):
    help = (
        "Say whether an exported file (pdf, docx, md or json) is the record: the record it carries gives its "
        "fingerprint, is the record this database holds, and renders to the file's visible text. Exit status 1 "
        "on a mismatch."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args, file: Path, **options) -> None:
        if not file.is_file():
            raise CommandError(f"{file}: no such file. Give the path of an exported pdf, docx, md or json file.")
        verdict = verify(file.name, file.read_bytes())
        self.stdout.write(verdict.text)
        if not verdict.matches:
            raise SystemExit(1)
