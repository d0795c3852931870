"""Sign-in throttling: wrong passwords counted per username and address, in the database so that
every web process and worker sees the same count."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.formats import time_format
from django.utils.translation import gettext, gettext_lazy

from negotiations.text import validate_time_zone


class LoginLocked(Exception):
    """Too many failed sign-ins for this username from this address."""

    def __init__(self, until: datetime) -> None:
        self.until = until
        super().__init__(
            gettext(
                "Too many failed sign-ins for this account from your address: it is locked until %(time)s. "
                "Try again then, or ask an administrator to unlock it."
            )
            % {"time": time_format(timezone.localtime(until), "H:i T")}
        )

    @property
    def retry_after(self) -> int:
        """Whole seconds until the lock ends (at least 1)."""
        return max(1, int((self.until - timezone.now()).total_seconds() + 0.999))


class LoginLock(models.Model):
    """Failed sign-ins for one username from one address. After LOGIN_FAILURE_LIMIT failures within
    LOGIN_COOLOFF_SECONDS the pair is locked for LOGIN_COOLOFF_SECONDS; a successful sign-in or a
    staff unlock clears it. Failures older than the cool-off are forgotten."""

    username = models.CharField(max_length=150)
    address = models.CharField(max_length=45, help_text="The client's IP address")
    failures = models.PositiveIntegerField(default=0)
    last_failure_at = models.DateTimeField()
    locked_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["username", "address"], name="login_lock_per_user_address")]
        verbose_name = gettext_lazy("login lock")

    def __str__(self) -> str:
        return f"{self.username} from {self.address}"

    @staticmethod
    def _key(username: str) -> str:
        return username.strip().lower()[:150]

    @classmethod
    def refuse_if_locked(cls, username: str, address: str) -> None:
        until = (
            cls.objects.filter(username=cls._key(username), address=address, locked_until__gt=timezone.now())
            .values_list("locked_until", flat=True)
            .first()
        )
        if until is not None:
            raise LoginLocked(until)

    @classmethod
    def record_failure(cls, username: str, address: str) -> None:
        """Count one failure; raise LoginLocked when this one reaches the limit."""
        now = timezone.now()
        cooloff = timedelta(seconds=settings.LOGIN_COOLOFF_SECONDS)
        with transaction.atomic():
            lock, _ = cls.objects.select_for_update().get_or_create(
                username=cls._key(username), address=address, defaults={"last_failure_at": now}
            )
            if now - lock.last_failure_at > cooloff or (lock.locked_until and lock.locked_until <= now):
                lock.failures = 0  # an old run of failures, or a lock that has run out: start again
                lock.locked_until = None
            lock.failures += 1
            lock.last_failure_at = now
            if lock.failures >= settings.LOGIN_FAILURE_LIMIT:
                lock.locked_until = now + cooloff
            lock.save()
        if lock.locked_until is not None:
            raise LoginLocked(lock.locked_until)

    @classmethod
    def clear(cls, username: str, address: str) -> None:
        cls.objects.filter(username=cls._key(username), address=address).delete()

    @classmethod
    def unlock(cls, username: str) -> int:
        """Staff: forget every failure of this username, from any address."""
        return cls.objects.filter(username=cls._key(username)).delete()[0]


class Preference(models.Model):
    """How one user reads the interface: in which time zone times are shown and in which language.
    Blank means "not chosen": the zone the browser reports, and the language switcher's cookie."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="preference")
    time_zone = models.CharField(gettext_lazy("time zone"), max_length=64, blank=True, validators=[validate_time_zone])
    language = models.CharField(gettext_lazy("language"), max_length=8, blank=True, choices=settings.LANGUAGES)

    class Meta:
        verbose_name = gettext_lazy("preference")

    def __str__(self) -> str:
        return f"{self.user}: {self.time_zone or 'browser time zone'}, {self.language or 'switcher language'}"

    @classmethod
    def of(cls, user) -> tuple[str, str]:
        """(time zone, language) the user chose, each "" when not chosen: one query, nothing created."""
        return cls.objects.filter(user=user).values_list("time_zone", "language").first() or ("", "")

    @classmethod
    def choose(cls, user, *, time_zone: str, language: str) -> Preference:
        if time_zone:  # "" = the browser's zone
            validate_time_zone(time_zone)
        if language and language not in dict(settings.LANGUAGES):
            raise ValidationError(gettext("Choose English or French."), code="unknown_language")
        preference, _ = cls.objects.update_or_create(user=user, defaults={"time_zone": time_zone, "language": language})
        return preference
