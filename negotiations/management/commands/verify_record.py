from __future__ import annotations

from uuid import UUID

from django.core.management.base import BaseCommand, CommandError

from negotiations.models import Negotiation, RecordCheck


class Command(BaseCommand):
    help = (
        "Walk every hash chain of the stored record (entries, acts) and cross-check agreement events and "
        "approvals against their acts; name the first row that does not match. Exit status 1 on any break."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--negotiation", type=UUID, help="the public id of one negotiation (default: all)")

    def handle(self, *args, negotiation: UUID | None = None, **options) -> None:
        negotiations = Negotiation.objects.order_by("pk")
        if negotiation is not None:
            negotiations = negotiations.filter(public_id=negotiation)
            if not negotiations.exists():
                raise CommandError(f"No negotiation has the id {negotiation}; the ids are in the negotiation's URL.")
        broken = 0
        for n in negotiations:
            check = RecordCheck.run(n)
            if check.ok:
                self.stdout.write(f"verified: '{n.title}' ({n.public_id})")
                continue
            for finding in check.findings:
                broken += 1
                self.stdout.write(f"BROKEN: '{n.title}' ({n.public_id}), {finding['line']}")
        if broken:
            raise CommandError(
                f"{broken} finding(s): the stored record does not match its chains. Restore the named rows from "
                "a backup or an archive (see docs/RECORD.md); nothing was changed.",
                returncode=1,
            )
