from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Sign-in and credentials"

    def ready(self) -> None:
        from accounts import signals  # noqa: F401
