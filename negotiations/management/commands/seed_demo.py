from __future__ import annotations

from django.core.management.base import BaseCommand

from negotiations import demo


class Command(BaseCommand):
    help = "Load the fictional demo negotiation. Running it again changes nothing."

    def handle(self, *args, **options) -> None:
        if demo.seed():
            self.stdout.write(self.style.SUCCESS(f"Loaded the demo negotiation “{demo.TITLE}”."))
        else:
            self.stdout.write(f"The demo negotiation “{demo.TITLE}” is already loaded; nothing changed.")
        self.stdout.write(f"Demo logins (password for all: {demo.PASSWORD}):")
        for username, full_name, delegation, role in demo.USERS:
            what = f"{delegation}, {role.label}" if role else "staff (admin at /admin/)"
            self.stdout.write(f"  {username:<8} {full_name:<17} {what}")
