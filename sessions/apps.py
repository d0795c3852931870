from django.apps import AppConfig


class SessionsConfig(AppConfig):
    # django.contrib.sessions already owns the label "sessions".
    name = "sessions"
    label = "negotiation_sessions"
    verbose_name = "Sessions"

    def ready(self) -> None:
        from sessions import revocations

        revocations.connect()
