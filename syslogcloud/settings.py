"""Settings for syslogcloud: one module, everything from the environment.

Defaults are safe for development (SQLite, in-process tasks). Production sets
DEBUG=0, SECRET_KEY, ALLOWED_HOSTS, HTTPS=1, DATABASE_URL and REDIS_URL; see
.env.example. `manage.py check --deploy` is clean with those set.
"""
import ipaddress
from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env")

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env(
    "SECRET_KEY", default="django-insecure-dev-only-key-set-SECRET_KEY-in-production-0123"
)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.forms",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp_webauthn",
    "accounts",
    "ingest",
    "portal",
    "audit",
    "provisioning",
    "alerts",
    "csp",
    "loginmethods",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "syslogcloud.locale.JapaneseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "loginmethods.middleware.BrowserCookieMiddleware",
    "accounts.middleware.AccountMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
]

ROOT_URLCONF = "syslogcloud.urls"
WSGI_APPLICATION = "syslogcloud.wsgi.application"
# Forms render through templates/django/forms/ (one form style everywhere).
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

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
            ],
        },
    },
]

# --- Database -------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # WAL lets the portal read while the collector's worker thread writes;
    # IMMEDIATE transactions make writers queue instead of failing with "locked".
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
    }
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Auth -----------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "portal:home"
LOGOUT_REDIRECT_URL = "accounts:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 3600)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# --- Security: HTTPS=1 in production turns on secure cookies, HSTS, redirects ---
HTTPS = env.bool("HTTPS", default=False)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = HTTPS
SESSION_COOKIE_HTTPONLY = True
SECURE_SSL_REDIRECT = HTTPS and env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if env.bool("BEHIND_TLS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# The client address for login history and allowlists: REMOTE_ADDR unless a
# trusted proxy header is named explicitly (e.g. HTTP_X_FORWARDED_FOR).
TRUSTED_PROXY_HEADER = env("TRUSTED_PROXY_HEADER", default="")

# --- I18N: Japanese first, English available; everything shown in JST ---
LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", _("Japanese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "Asia/Tokyo"

# --- Static files: our own plotly.js, served by WhiteNoise with hashed names ---
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": env(
            "STATICFILES_BACKEND",
            default="whitenoise.storage.CompressedManifestStaticFilesStorage"
            if not DEBUG
            else "django.contrib.staticfiles.storage.StaticFilesStorage",
        )
    },
}
WHITENOISE_USE_FINDERS = env.bool("WHITENOISE_USE_FINDERS", default=DEBUG)
WHITENOISE_AUTOREFRESH = env.bool("WHITENOISE_AUTOREFRESH", default=DEBUG)

# --- Content-Security-Policy (SPEC §9): scripts only from our own static files ---
# Every page script lives in static/js; no inline <script> or on*= handler.
# Styles keep 'unsafe-inline' because plotly.js injects its own <style> rules.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# --- E-mail: console in development, SMTP via EMAIL_URL in production ---
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="syslogcloud@localhost")

# --- Celery: no REDIS_URL means tasks run in-process (embedded mode) ---
REDIS_URL = env("REDIS_URL", default="")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_TIMEOUT = 2
# Task messages are compressed with zstd (kombu's own codec, backports.zstd
# before Python 3.14): a 2,000-record ingest batch shrinks about tenfold, so
# Redis holds ten times the backlog in the same memory, and compressing costs
# the collector less than base64 and JSON of the plain body did (issue 9).
CELERY_TASK_COMPRESSION = "zstd"

# --- Celery durability: each of these decides whether a queued batch can be lost ---
# Ack a message only after its task ran: a worker that dies mid-task leaves it queued.
CELERY_TASK_ACKS_LATE = True
# A pool child killed mid-task (the OOM killer, SIGKILL) requeues the message at
# once instead of acking it as failed; store_batch is idempotent (digest keys).
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# A task that fails anyway is rejected (dropped) unless it is acked on failure:
# store_batch never fails, it retries or parks its batch in ingest.DeadLetter.
CELERY_TASK_ACKS_ON_FAILURE_OR_TIMEOUT = True
# Celery's Django fixup closes the database connection before and after every
# task unless this is set: each ingest batch then paid a new connection and a
# cold backend (issue 9). Reuse it instead; syslogcloud/celery.py applies
# Django's own per-request rule around each task (CONN_MAX_AGE, and a health
# check after an error), so a dead or old connection is still replaced.
CELERY_DB_REUSE_MAX = 1000
# One unstarted message per pool process: less held back from other workers,
# less to redeliver after a crash, and less for a warm shutdown to give back.
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# The longest store_batch retry countdown (ingest.tasks.retry_countdown caps at it).
CELERY_TASK_RETRY_BACKOFF_MAX = env.float("CELERY_TASK_RETRY_BACKOFF_MAX", default=60.0)
# Redis redelivers an unacked message after the visibility timeout: it must be
# above the longest retry countdown (an ETA message stays unacked in the
# worker) plus a batch's run time, and short enough that a killed or wedged
# worker's batches come back within minutes (it was 1 h: 62-minute delays).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=300),
    # Workers sweep for such messages every interval × throttle seconds; kombu's
    # 10 × 10 would add up to 100 s to every redelivery.
    "unacked_restore_interval": 5,
    "unacked_restore_throttle": 1,
    # A worker killed inside a sweep holds its lock this long (kombu: 300 s).
    "unacked_mutex_expire": 30,
    # Fail fast when the broker is down so the collector spools instead of blocking.
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
}
# A worker that lost the broker cancels its running batches instead of
# finishing them: acks_late messages are redelivered anyway, and running the
# same batch twice at once only wastes the database.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
# When a shutdown turns cold (a second SIGTERM, SIGQUIT), Celery's soft
# shutdown first gives the running batch this many seconds, then requeues what
# is unfinished or only held (retry countdowns), also on an idle worker,
# instead of dropping it with the process.
CELERY_WORKER_SOFT_SHUTDOWN_TIMEOUT = 10.0
# Celery's prefork pool, flushed before it closes: without that a warm
# shutdown right after a large batch arrived could wait forever for a batch
# half written to a pool child (issue 8, row 6; see syslogcloud/workerpool.py).
# `--pool=prefork` on the command line keeps this class.
CELERY_WORKER_POOL = "syslogcloud.workerpool:TaskPool"
CELERY_WORKER_ENABLE_SOFT_SHUTDOWN_ON_IDLE = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE: dict = {}

# --- The collector ---
SYSLOG_MAX_MESSAGE_BYTES = env.int("SYSLOG_MAX_MESSAGE_BYTES", default=65536)
# Records per broker message. 5,000 rather than 2,000: the worker's and
# PostgreSQL's per-batch costs (the Celery consumer, gateway lookup, touched
# days, arrivals, commit) spread over more records, +12 % end to end in
# bench/ingest.py with records in arrival order or spread over the month
# (docs/scaling.md, fourth round); 10,000 measured no better. A batch is
# also cut every SYSLOG_BATCH_SECONDS, so a slow sender's latency is unchanged.
SYSLOG_BATCH_SIZE = env.int("SYSLOG_BATCH_SIZE", default=5000)
SYSLOG_BATCH_SECONDS = env.float("SYSLOG_BATCH_SECONDS", default=0.5)
SYSLOG_ALLOWED_CIDRS = env.list("SYSLOG_ALLOWED_CIDRS", default=[])
SYSLOG_SPOOL_DIR = Path(env("SYSLOG_SPOOL_DIR", default=str(BASE_DIR / "var" / "spool")))
SYSLOG_SPOOL_RETRY_SECONDS = env.float("SYSLOG_SPOOL_RETRY_SECONDS", default=2.0)
# TCP senders: an idle connection is closed after this many seconds; caps on
# open connections in total and per source address (issue 10 item 5).
SYSLOG_TCP_IDLE_SECONDS = env.float("SYSLOG_TCP_IDLE_SECONDS", default=600.0)
SYSLOG_MAX_CONNECTIONS = env.int("SYSLOG_MAX_CONNECTIONS", default=2000)
SYSLOG_MAX_CONNECTIONS_PER_SOURCE = env.int("SYSLOG_MAX_CONNECTIONS_PER_SOURCE", default=100)
# On SIGTERM, how long open connections may keep sending before they are closed.
SYSLOG_DRAIN_SECONDS = env.float("SYSLOG_DRAIN_SECONDS", default=10.0)
# Past this many batches waiting in Redis, the collector spills to its disk
# spool (replayed as the queue drains): bounded broker memory. 0 = no limit.
# 800 full batches are 4M records, ≈ 90 MB of Redis (zstd, ≈ 110 KB each).
SYSLOG_MAX_QUEUE_LENGTH = env.int("SYSLOG_MAX_QUEUE_LENGTH", default=800)
# ingest_status warns when the spool's disk has less free space than this.
SYSLOG_SPOOL_MIN_FREE_MB = env.int("SYSLOG_SPOOL_MIN_FREE_MB", default=512)
# Records dated further ahead of their arrival than this are quarantined (a reset clock).
SYSLOG_MAX_FUTURE_MINUTES = env.int("SYSLOG_MAX_FUTURE_MINUTES", default=1440)
# How many unassigned gateways one source address may create per hour.
SYSLOG_NEW_GATEWAYS_PER_HOUR = env.int("SYSLOG_NEW_GATEWAYS_PER_HOUR", default=100)
# RFC 5425 listener (`collector --tls HOST:PORT`): PEM certificate chain and key.
SYSLOG_TLS_CERT = env("SYSLOG_TLS_CERT", default="")
SYSLOG_TLS_KEY = env("SYSLOG_TLS_KEY", default="")

# --- SCIM provisioning ---
# Fernet key(s), comma-separated for rotation, that encrypt stored SCIM tokens.
FIELD_ENCRYPTION_KEY = env("FIELD_ENCRYPTION_KEY", default="")
PROVISIONING_HTTP_TIMEOUT = env.float("PROVISIONING_HTTP_TIMEOUT", default=10.0)
# In-process mode retries inside the request that triggered the push: keep it short there.
PROVISIONING_MAX_RETRIES = env.int("PROVISIONING_MAX_RETRIES", default=5 if REDIS_URL else 1)
PROVISIONING_RETRY_BASE_SECONDS = env.float(
    "PROVISIONING_RETRY_BASE_SECONDS", default=5.0 if REDIS_URL else 1.0
)
PROVISIONING_RETRY_MAX_SECONDS = env.float("PROVISIONING_RETRY_MAX_SECONDS", default=600.0)
PROVISIONING_STALE_MINUTES = env.int("PROVISIONING_STALE_MINUTES", default=90)
PROVISIONING_DISCOVERY_TTL = env.float("PROVISIONING_DISCOVERY_TTL", default=300.0)
# SPEC §9: SCIM services and webhooks may not target loopback, link-local or
# private addresses unless the platform operator allows it (syslogcloud.outbound).
ALLOW_PRIVATE_OUTBOUND = env.bool("ALLOW_PRIVATE_OUTBOUND", default=False)
# Rollups only make the dashboards fast; without them answers are computed live.
CELERY_BEAT_SCHEDULE["portal-refresh-rollups"] = {
    "task": "portal.tasks.refresh_rollups",
    "schedule": 60.0,
}
CELERY_BEAT_SCHEDULE["ingest-dead-letters-replay"] = {
    "task": "ingest.tasks.dead_letters_replay",
    "schedule": 300.0,
}
# Log retention (issue 9): the current JST month and the N-1 before it are kept.
LOG_RETENTION_MONTHS = env.int("LOG_RETENTION_MONTHS", default=13)
CELERY_BEAT_SCHEDULE["ingest-purge-logs"] = {
    "task": "ingest.tasks.purge_logs",
    "schedule": 86400.0,
}
# PostgreSQL: this and next JST month's log partitions exist well before the
# month starts (ingest.partitions); a no-op on SQLite.
CELERY_BEAT_SCHEDULE["ingest-ensure-partitions"] = {
    "task": "ingest.tasks.ensure_partitions",
    "schedule": 3600.0,
}
CELERY_BEAT_SCHEDULE["provisioning-pending-sweep"] = {
    "task": "provisioning.tasks.pending_sweep",
    "schedule": 600.0,
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="WARNING")},
}

# --- Login security and audit history (accounts/audit helper's block) ---
LOGIN_LOCKOUT_THRESHOLD = env.int("LOGIN_LOCKOUT_THRESHOLD", default=5)
LOGIN_THROTTLE_WINDOW_SECONDS = env.int("LOGIN_THROTTLE_WINDOW_SECONDS", default=900)
LOGIN_THROTTLE_PER_IP = env.int("LOGIN_THROTTLE_PER_IP", default=30)
LOGIN_THROTTLE_PER_USER = env.int("LOGIN_THROTTLE_PER_USER", default=10)
OTP_TOTP_ISSUER = env("OTP_TOTP_ISSUER", default="Syslog@Cloud")
CELERY_BEAT_SCHEDULE["audit-purge-history"] = {"task": "audit.tasks.purge_history", "schedule": 86400.0}  # noqa: E501
# API tokens expire after this many days unless created with another --days.
API_TOKEN_DAYS = env.int("API_TOKEN_DAYS", default=90)

# --- Gateway health and alerts (SPEC §8) ---
# A gateway without a silent rule shows 停止 after this many quiet minutes.
ALERTS_SILENT_MINUTES = env.int("ALERTS_SILENT_MINUTES", default=60)
ALERTS_EVALUATE_SECONDS = env.float("ALERTS_EVALUATE_SECONDS", default=60.0)
ALERTS_SMTP_TIMEOUT = env.float("ALERTS_SMTP_TIMEOUT", default=10.0)
ALERTS_WEBHOOK_TIMEOUT = env.float("ALERTS_WEBHOOK_TIMEOUT", default=10.0)
ALERTS_WEBHOOK_TRIES = env.int("ALERTS_WEBHOOK_TRIES", default=4)
ALERTS_WEBHOOK_BACKOFF_SECONDS = env.float("ALERTS_WEBHOOK_BACKOFF_SECONDS", default=2.0)
CELERY_BEAT_SCHEDULE["alerts-evaluate"] = {
    "task": "alerts.tasks.evaluate_alerts",
    "schedule": ALERTS_EVALUATE_SECONDS,
}
# --- Passkeys and browser restriction (loginmethods) ---
# Relying-party ID: empty means the request's host name (localhost in
# development); set the production domain, e.g. portal.example.jp.
WEBAUTHN_RP_ID = env("WEBAUTHN_RP_ID", default="")
# Origins a passkey ceremony may come from; empty means the request's own
# scheme://host, e.g. http://localhost:8000 in development.
WEBAUTHN_ALLOWED_ORIGINS = env.list("WEBAUTHN_ALLOWED_ORIGINS", default=[])
OTP_WEBAUTHN_HELPER_CLASS = "loginmethods.passkeys.PortalWebAuthnHelper"
OTP_WEBAUTHN_RP_NAME = "Syslog@Cloud"
# The helper above reads both per request (default: the request's host), so
# the library's "not configured" checks do not apply.
OTP_WEBAUTHN_RP_ID_CALLABLE = "loginmethods.passkeys.rp_id_for"
OTP_WEBAUTHN_ALLOWED_ORIGINS = WEBAUTHN_ALLOWED_ORIGINS
SILENCED_SYSTEM_CHECKS = [*globals().get("SILENCED_SYSTEM_CHECKS", []), "otp_webauthn.E030"]
# The approved-browser cookie: signed, HttpOnly, Secure with HTTPS=1.
BROWSER_COOKIE_NAME = "sc_browser"
BROWSER_COOKIE_DAYS = env.int("BROWSER_COOKIE_DAYS", default=400)
# Device authentication: the reverse proxy ends TLS, asks for an optional
# client certificate and forwards it URL-escaped in this header (the META
# key); it is read only when the direct peer is in these networks.
DEVICE_CERT_HEADER = env("DEVICE_CERT_HEADER", default="HTTP_X_CLIENT_CERT")
DEVICE_CERT_TRUSTED_PROXIES = env.list("DEVICE_CERT_TRUSTED_PROXIES",
                                       default=["127.0.0.1/32", "::1/128"])
for _cidr in DEVICE_CERT_TRUSTED_PROXIES:  # a typo must stop start-up, not every login
    try:
        ipaddress.ip_network(_cidr, strict=False)
    except ValueError as _exc:
        raise ValueError(f"DEVICE_CERT_TRUSTED_PROXIES: {_cidr!r} is not a network") from _exc
