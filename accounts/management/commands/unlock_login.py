from __future__ import annotations

from django.core.management.base import BaseCommand

from accounts.models import LoginLock


class Command(BaseCommand):
    help = "Unlock a username locked after too many failed sign-ins (from every address)."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username: str, **options):
        count = LoginLock.unlock(username)
        if count:
            self.stdout.write(f"Unlocked {username}: forgot failed sign-ins from {count} address(es).")
        else:
            self.stdout.write(f"{username} had no failed sign-ins to forget; nothing to unlock.")
