"""Verbatim settings, read from the environment.

With no environment at all Verbatim runs on the embedded default: SQLite in
``var/``, background jobs executed in-process and live updates broadcast
in-process. ``DATABASE_URL`` and ``REDIS_URL`` switch to PostgreSQL, Redis and
a real Celery worker. See README.md for the full reference.
"""

from __future__ import annotations

import secrets
from pathlib import Path

from django.utils.csp import CSP

from config.env import (
    SettingError,
    database_from_url,
    env_bool,
    env_int,
    env_list,
    env_str,
    redis_url,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("VERBATIM_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", False)


def _secret_key() -> str:
    key = env_str("SECRET_KEY", "")
    if key:
        if len(key) < 32:
            raise SettingError("SECRET_KEY", "must be at least 32 characters long")
        return key
    # Embedded default: one random key per installation, kept beside the data.
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django_htmx",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "negotiations",
    "accounts",
    "sessions.apps.SessionsConfig",
    "agreements",
    "exports",
]

MIDDLEWARE = [
    "config.outage.DatabaseOutageMiddleware",  # 503 at once while the database is unreachable
    "config.api_errors.ApiErrorsMiddleware",  # every answer under /api/ is JSON, errors and 500s included
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",  # the interface language: the switcher's cookie, else the browser's
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "accounts.viewer.ViewerMiddleware",  # the viewer's time zone, and a signed-in user's chosen language
    "negotiations.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.middleware.SessionTimeoutMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "accounts.middleware.TwoFactorRequiredMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.template.context_processors.i18n",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
            ],
        },
    },
]

DATABASES = {
    "default": database_from_url(
        "DATABASE_URL",
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'verbatim.sqlite3'}"),
        base_dir=BASE_DIR,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A database that is down or unreachable must answer a 503 at once, not hang the request:
    # each connection attempt gives up after this many seconds (libpq's connect_timeout), and a
    # request waits at most DATABASE_POOL_TIMEOUT seconds for a pooled connection. Nothing retries
    # within a request; the client (the console's queue, an API client) retries after Retry-After.
    DATABASES["default"]["OPTIONS"].setdefault("connect_timeout", env_int("DATABASE_CONNECT_TIMEOUT", 2, minimum=1))
    if "pool" in DATABASES["default"]["OPTIONS"]:
        DATABASES["default"]["OPTIONS"]["pool"]["timeout"] = env_int("DATABASE_POOL_TIMEOUT", 5, minimum=1)
# PostgreSQL with two roles (README, "Database roles"): DATABASE_URL is the app's role, without
# DDL or superuser rights; MIGRATE_DATABASE_URL, when set, is the owner's, used as the "owner"
# database by `migrate --database owner` and `grant_app_role`.
if migrate_url := env_str("MIGRATE_DATABASE_URL", ""):
    DATABASES["owner"] = database_from_url("MIGRATE_DATABASE_URL", migrate_url, base_dir=BASE_DIR)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Retry-After (seconds) of the 503 answered while the database is unreachable (config/outage.py).
DATABASE_RETRY_AFTER = env_int("DATABASE_RETRY_AFTER", 5, minimum=1)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "negotiations:index"
LOGOUT_REDIRECT_URL = "login"

# The interface comes in English and French (locale/fr). Texts of the record are never translated.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("fr", "Français")]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_NAME = "verbatim_language"
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600  # the switcher's choice is remembered for a year on this browser
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True
# Dates read day first with a 24-hour clock and name the viewer's zone: "26 November 2026, 14:30 CET".
FORMAT_MODULE_PATH = ["config.formats"]

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # served through the finders; collectstatic is optional
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# Content Security Policy: nothing from outside our own origin, scripts only
# from our static files or carrying the per-request nonce.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"
# Served over HTTPS (SECURE_COOKIES=true): redirect plain HTTP, and tell browsers with HSTS to use
# HTTPS only (a year, subdomains included). /healthz stays on HTTP for load balancers' probes.
SECURE_SSL_REDIRECT = SESSION_COOKIE_SECURE
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000) if SESSION_COOKIE_SECURE else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = SESSION_COOKIE_SECURE
SECURE_HSTS_PRELOAD = SESSION_COOKIE_SECURE and env_bool("SECURE_HSTS_PRELOAD", True)
# Behind a reverse proxy that ends TLS: trust its X-Forwarded-Proto (and the last address of its
# X-Forwarded-For for login throttling). Only set this when every request comes through that proxy.
BEHIND_PROXY = env_bool("VERBATIM_BEHIND_PROXY", False)
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Sign-in (accounts/). After LOGIN_FAILURE_LIMIT wrong passwords (or codes) for one username from one
# address, that pair is locked for LOGIN_COOLOFF_SECONDS, on the form and on the token endpoint alike.
# Staff unlock it in the admin ("Login locks") or with `manage.py unlock_login USERNAME`.
LOGIN_FAILURE_LIMIT = env_int("VERBATIM_LOGIN_FAILURE_LIMIT", 5, minimum=1)
LOGIN_COOLOFF_SECONDS = env_int("VERBATIM_LOGIN_COOLOFF_SECONDS", 900, minimum=1)
# API tokens live this many days unless the request asks for fewer.
API_TOKEN_LIFETIME_DAYS = env_int("VERBATIM_API_TOKEN_LIFETIME_DAYS", 30, minimum=1)
# A head's one-time invitation link works once, for this many days.
INVITATION_LIFETIME_DAYS = env_int("VERBATIM_INVITATION_LIFETIME_DAYS", 7, minimum=1)
# A browser session ends after this much inactivity, and in any case this long after sign-in.
IDLE_TIMEOUT_SECONDS = env_int("VERBATIM_IDLE_TIMEOUT_SECONDS", 7200, minimum=60)
SESSION_COOKIE_AGE = env_int("VERBATIM_SESSION_MAX_SECONDS", 12 * 3600, minimum=60)
OTP_TOTP_ISSUER = "Verbatim"

# Background jobs and live updates. Without REDIS_URL everything runs in this
# process (the embedded default); with it, Celery uses Redis as its broker and
# live updates travel through Redis pub/sub.
REDIS_URL = redis_url("REDIS_URL")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = REDIS_URL is None
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # A job not acknowledged within this time is handed to another worker.
    "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 600, minimum=1),
    # How often a worker looks for jobs whose worker died (seconds); one Redis scan each time.
    "unacked_restore_interval": env_int("CELERY_RESTORE_INTERVAL", 10, minimum=1),
    "unacked_restore_throttle": 1,
}
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_QUEUE", "verbatim")
# /healthz answers within HEALTH_DEADLINE seconds whatever is down; a worker has this long to answer its ping.
HEALTH_DEADLINE = 0.9
HEALTH_WORKER_TIMEOUT = 0.5
# The end-of-session summary job: how often it is retried, and the first wait (doubling each time).
SUMMARY_MAX_RETRIES = env_int("SUMMARY_MAX_RETRIES", 4)
SUMMARY_RETRY_SECONDS = env_int("SUMMARY_RETRY_SECONDS", 5)

# Jobs that cannot be lost. A pending summary or export row is the intent to run its job (an
# outbox): it is handed to the broker after commit, and if the broker is down or forgets it, the
# sweeper (Celery beat every JOBS_SWEEP_SECONDS, and each worker once at start) hands it again.
# An intent younger than JOBS_PENDING_GRACE_SECONDS is left to the request that made it; a job sent
# JOBS_REQUEUE_SECONDS ago and not yet started is sent again; one running longer than
# JOBS_RUNNING_LIMIT_SECONDS is taken for dead and sent again. Running a job twice is harmless.
JOBS_SWEEP_SECONDS = env_int("JOBS_SWEEP_SECONDS", 15, minimum=1)
JOBS_PENDING_GRACE_SECONDS = env_int("JOBS_PENDING_GRACE_SECONDS", 5, minimum=0)
JOBS_REQUEUE_SECONDS = env_int("JOBS_REQUEUE_SECONDS", 40, minimum=1)
JOBS_RUNNING_LIMIT_SECONDS = env_int("JOBS_RUNNING_LIMIT_SECONDS", 600, minimum=1)
CELERY_BEAT_SCHEDULE = {
    # a sweep not run by the next one is dropped, so sweeps queued while no worker was up do not pile up
    f"sweep-{what}": {
        "task": f"{app}.tasks.sweep_{what}",
        "schedule": float(JOBS_SWEEP_SECONDS),
        "options": {"expires": float(JOBS_SWEEP_SECONDS)},
    }
    # exports/tasks.py keeps the name sweep_exports had in negotiations/tasks.py
    for app, what in [("sessions", "summaries"), ("negotiations", "exports")]
}
# The stored record is verified against its hash chains this often (negotiations/integrity.py).
VERBATIM_VERIFY_RECORD_SECONDS = env_int("VERBATIM_VERIFY_RECORD_SECONDS", 3600, minimum=1)
CELERY_BEAT_SCHEDULE["verify-record"] = {
    "task": "negotiations.tasks.verify_record",
    "schedule": float(VERBATIM_VERIFY_RECORD_SECONDS),
    "options": {"expires": float(VERBATIM_VERIFY_RECORD_SECONDS)},
}
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

# Exports: records larger than this (entries of a session, formulations of a
# negotiation) are rendered by a background job; the request waits this long.
EXPORT_BACKGROUND_THRESHOLD = env_int("EXPORT_BACKGROUND_THRESHOLD", 2000)
EXPORT_WAIT_SECONDS = env_int("EXPORT_WAIT_SECONDS", 25)
# The largest file the verify page accepts (bytes); manage.py verify_export has no limit.
VERIFY_UPLOAD_MAX_BYTES = env_int("VERIFY_UPLOAD_MAX_BYTES", 20_000_000, minimum=1)

# Limits on what the record accepts (documented in README.md).
VERBATIM_MAX_TEXT_CHARS = env_int("VERBATIM_MAX_TEXT_CHARS", 20_000, minimum=100)
# Lines captured before a session was closed are still accepted this long after the close.
VERBATIM_CLOSE_GRACE_SECONDS = env_int("VERBATIM_CLOSE_GRACE_SECONDS", 600, minimum=0)

# Live streams re-check that their member still belongs to the negotiation and that the account is
# still active this often; a removed or deactivated member's open streams end within it. Each
# re-check borrows a database connection for one short query and gives it back. Keep-alives stay
# every 15 s whatever this is (sessions/live.py: HEARTBEAT_SECONDS).
VERBATIM_STREAM_RECHECK_SECONDS = env_int("VERBATIM_STREAM_RECHECK_SECONDS", 15, minimum=1)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}

if env_bool("VERBATIM_FAST_PASSWORDS", False):
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
