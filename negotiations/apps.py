from django.apps import AppConfig
from django.db.models.signals import pre_save

RECORD_APPS = {"negotiations", "negotiation_sessions", "agreements"}


def _check_text_before_save(sender, instance, raw: bool = False, **kwargs) -> None:
    from negotiations.text import check_model_text

    if not raw and sender._meta.app_label in RECORD_APPS:
        check_model_text(instance)


class NegotiationsConfig(AppConfig):
    name = "negotiations"

    def ready(self) -> None:
        # Every text field of the record is checked before it is saved, whatever path it came by (API, page,
        # admin, import): the rules of negotiations/text.py, and a clear ValidationError instead of a database error.
        pre_save.connect(_check_text_before_save, dispatch_uid="verbatim-record-text")

        from negotiations import signals

        signals.connect()
