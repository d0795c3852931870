from __future__ import annotations

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from exports import archive
from negotiations.models import Negotiation


class Command(BaseCommand):
    help = (
        "Load a negotiation's archive into an instance that does not hold it, and verify the restored record: "
        "chains intact, fingerprints identical. With --check, load nothing: verify the record this database "
        "already holds (after a pg_restore, say) against the archive."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--check", action="store_true", help="compare the record already in this database with the archive"
        )

    def handle(self, *args, file: Path, check: bool, **options) -> None:
        started = time.monotonic()
        try:
            found = archive.read(file)
        except archive.ArchiveError as e:
            raise CommandError(f"{e} Nothing was restored.") from None
        title = found.record["negotiation"]["title"]
        if check:
            negotiation = Negotiation.objects.filter(public_id=found.negotiation_id).first()
            if negotiation is None:
                self.stdout.write(f"mismatch: this database does not hold '{title}' ({found.negotiation_id}).")
                raise SystemExit(1)
            self._verdict(archive.verify(found, negotiation), found, "this database holds", started)
            return
        try:
            restored = archive.restore(found)
        except archive.ArchiveError as e:
            raise CommandError(str(e)) from None
        except archive.Mismatch as e:
            self._verdict(e.problems, found, "restored", started)
            return
        self.stdout.write(
            f"Restored '{title}' ({found.negotiation_id}): {len(found.record['sessions'])} sessions, "
            f"{restored.entries} entries in {restored.streams} streams, {restored.acts} acts; "
            f"{restored.people_created} people created without a usable password "
            f"(set one with manage.py changepassword), {restored.people_reused} already here."
        )
        self._verdict([], found, "restored", started)

    def _verdict(self, problems: list[str], found: archive.Archive, what: str, started: float) -> None:
        records = len(found.manifest["records"])
        if problems:
            for problem in problems:
                self.stdout.write(f"mismatch: {problem}")
            self.stdout.write(
                f"verdict: the record {what} is NOT the archived one ({len(problems)} difference(s))."
                + (" Nothing was restored." if what == "restored" else "")
            )
            raise SystemExit(1)
        self.stdout.write(
            f"verdict: the record {what} is the archived one: every entry and act chain intact, "
            f"{records} minutes and agreed-text fingerprints identical "
            f"({time.monotonic() - started:.1f} s)."
        )
