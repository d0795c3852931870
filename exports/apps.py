from django.apps import AppConfig


class ExportsConfig(AppConfig):
    """Exports stand above the three domain apps: builders that assemble the
    canonical record of minutes or agreed text from negotiations, sessions and
    agreements, pure renderers (record in, bytes out), verification, archives,
    and the serving of files. The domain apps import nothing from here."""

    name = "exports"
