from __future__ import annotations

import time
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from exports import archive
from negotiations.models import Negotiation


class Command(BaseCommand):
    help = "Write one negotiation's whole record, its minutes and agreed text into a self-contained archive."

    def add_arguments(self, parser) -> None:
        parser.add_argument("negotiation", help="the negotiation's public id")
        parser.add_argument("file", type=Path, help="where to write the archive (a .zip)")

    def handle(self, *args, negotiation: str, file: Path, **options) -> None:
        try:
            found = Negotiation.objects.filter(public_id=negotiation).first()
        except ValidationError:
            found = None
        if found is None:
            raise CommandError(f"No negotiation has the id {negotiation}; give the public id shown in its address.")
        if not file.parent.is_dir():
            raise CommandError(f"{file.parent}: no such folder.")
        started = time.monotonic()
        written = archive.write(found, file)
        self.stdout.write(
            f"Archived '{found.title}' ({found.public_id}) to {file}: {written.sessions} sessions, "
            f"{written.entries} entries, {written.acts} acts, {written.files} files, {written.size:,} bytes, "
            f"in {time.monotonic() - started:.1f} s."
        )
