"""Django settings, read once from the environment (12-factor).

Every variable is listed in `.env.example`. Defaults are the embedded ones: a SQLite file in
the data folder and Celery tasks run eagerly in-process, so a first run needs no services.
Per-installation programme settings live in the database, never here.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured

PACKAGE_DIR = Path(__file__).resolve().parent
# The top-level `graphql/` folder (documents sent to Saleor, subscriptions, our exported SDL)
# in a source checkout; an installed package carries a copy (setup.py). Told apart by our
# SDL: beside an installed package, `graphql/` is graphql-core.
SOURCE_DOCUMENTS_DIR = PACKAGE_DIR.parent / "graphql"
GRAPHQL_DOCUMENTS_DIR = Path(
    os.environ.get(
        "GRAPHQL_DOCUMENTS_DIR",
        SOURCE_DOCUMENTS_DIR
        if (SOURCE_DOCUMENTS_DIR / "schema.graphql").is_file()
        else PACKAGE_DIR / "graphql_documents",
    )
).resolve()

env = environ.Env()
# A `.env` file in the working directory is read if present; real environment variables win.
ENV_FILE = Path(os.environ.get("ENV_FILE", Path.cwd() / ".env"))
if ENV_FILE.is_file():
    environ.Env.read_env(str(ENV_FILE), overwrite=False)

DATA_DIR = Path(env.str("DATA_DIR", default=str(Path.cwd() / "data"))).resolve()

DEBUG = env.bool("DEBUG", default=False)


def _required_secret(name: str) -> str:
    value = env.str(name, default="")
    if not value:
        raise ImproperlyConfigured(
            f"{name} is not set. Set it in the environment or in .env "
            "(scripts/run generates local ones on a first run)."
        )
    return value


SECRET_KEY = _required_secret("SECRET_KEY")
# Fernet keys (comma-separated, newest first) that encrypt secrets at rest. MultiFernet
# decrypts with any of them, so a key is rotated by prepending a new one and running
# `saleor-distribution rotate-secrets`; see README, "Rotating the encryption key".
SECRETS_ENCRYPTION_KEYS = [
    key.strip() for key in _required_secret("SECRETS_ENCRYPTION_KEYS").split(",") if key.strip()
]

APP_URL = env.str("APP_URL", default="http://localhost:8000").rstrip("/")
_app_host = urlsplit(APP_URL).hostname or "localhost"
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[_app_host, "localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = [APP_URL]

# Saleor API URLs allowed to install the app (fnmatch patterns, e.g. https://*.saleor.cloud/graphql/).
# Empty means any Saleor may install it.
SALEOR_API_URL_ALLOWLIST = env.list("SALEOR_API_URL_ALLOWLIST", default=[])
# The manifest `id`; Saleor stores it as App.identifier, and registration checks it.
APP_IDENTIFIER = env.str("APP_IDENTIFIER", default="saleor.app.distribution")
APP_NAME = env.str("APP_NAME", default="Distribution (分销)")
APP_AUTHOR = env.str("APP_AUTHOR", default="saleor-distribution contributors")
REQUIRED_SALEOR_VERSION = env.str("REQUIRED_SALEOR_VERSION", default=">=3.22")

# Referral links (/r/<code>): how many reverse proxies in front of the service append to
# X-Forwarded-For. 0 trusts no header and uses the socket address; with N, the N-th address
# from the right is the visitor's. Only a salted hash of it is ever stored.
REFERRAL_TRUSTED_PROXY_COUNT = env.int("REFERRAL_TRUSTED_PROXY_COUNT", default=0)

# Webhook ingest limits.
WEBHOOK_MAX_BODY_BYTES = env.int("WEBHOOK_MAX_BODY_BYTES", default=1024 * 1024)
# Refuse deliveries whose `issuedAt` is older than this (0 turns the check off). Saleor keeps
# payloads 14 days for manual re-sends, so the default leaves a day beyond that.
WEBHOOK_MAX_AGE_SECONDS = env.int("WEBHOOK_MAX_AGE_SECONDS", default=15 * 24 * 3600)
# An installation whose delivery verified is kept this long per process, so the next
# deliveries skip reading it (0 turns this off; see installations/cache.py).
WEBHOOK_INSTALLATION_CACHE_SECONDS = env.int("WEBHOOK_INSTALLATION_CACHE_SECONDS", default=5)
# An unknown `kid` refetches the JWKS at most once per this many seconds per installation.
JWKS_REFETCH_MIN_INTERVAL_SECONDS = env.int("JWKS_REFETCH_MIN_INTERVAL_SECONDS", default=30)
# Outbound HTTP (Saleor API, JWKS): connect and read timeouts, retries on network errors and 5xx.
SALEOR_HTTP_CONNECT_TIMEOUT_SECONDS = env.float("SALEOR_HTTP_CONNECT_TIMEOUT_SECONDS", default=3.0)
SALEOR_HTTP_READ_TIMEOUT_SECONDS = env.float("SALEOR_HTTP_READ_TIMEOUT_SECONDS", default=15.0)
SALEOR_HTTP_MAX_RETRIES = env.int("SALEOR_HTTP_MAX_RETRIES", default=3)
SALEOR_HTTP_BACKOFF_SECONDS = env.float("SALEOR_HTTP_BACKOFF_SECONDS", default=0.5)
# Calls to payout providers (WeChat Pay, Alipay, WeChat login). No automatic retries there:
# an unanswered payout call is followed by a query with the same payout number instead.
PAYOUT_HTTP_CONNECT_TIMEOUT_SECONDS = env.float("PAYOUT_HTTP_CONNECT_TIMEOUT_SECONDS", default=3.0)
PAYOUT_HTTP_READ_TIMEOUT_SECONDS = env.float("PAYOUT_HTTP_READ_TIMEOUT_SECONDS", default=10.0)

INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.staticfiles",
    "saleor_distribution.core",
    "saleor_distribution.installations",
    "saleor_distribution.webhooks",
    "saleor_distribution.network",
    "saleor_distribution.ledger",
    "saleor_distribution.commissions",
    "saleor_distribution.withdrawals",
    "saleor_distribution.reports",
    "graphene_django",
    "saleor_distribution.graphql",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
]

ROOT_URLCONF = "saleor_distribution.urls"
ASGI_APPLICATION = "saleor_distribution.asgi.application"
WSGI_APPLICATION = "saleor_distribution.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {"context_processors": ["django.template.context_processors.request"]},
    }
]

_default_sqlite = DATA_DIR / "saleor-distribution.sqlite3"
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{_default_sqlite}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # Several request threads share one file: wait for the write lock instead of failing, and
    # take it at BEGIN so a read-then-write transaction cannot deadlock on upgrade.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Pooled, not persistent: the ASGI server runs each request's sync code in a thread of its
    # own, so persistent connections (CONN_MAX_AGE) would be one per request thread, never
    # reused, until PostgreSQL refuses clients (Django ticket #33497). The pool shares at most
    # max_size connections per process between threads (a request waits up to the timeout).
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True  # the pool checks a connection it lends
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": env.int("DATABASE_POOL_MIN_SIZE", default=1),
        "max_size": env.int("DATABASE_POOL_MAX_SIZE", default=10),
        "timeout": env.float("DATABASE_POOL_TIMEOUT_SECONDS", default=10.0),
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Celery: with no broker configured every task runs eagerly, in-process, after commit.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_ACKS_LATE = True  # a task whose worker dies is redelivered, not lost
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_TASK_DEFAULT_QUEUE", default="saleor-distribution")
CELERY_RESULT_BACKEND = None
# The stand-in for "no result backend" is stateless: share one between threads. Celery
# otherwise builds one per thread, and the ASGI server runs every request in a new thread
# (this was a third of the CPU of ingesting a webhook; see bench/README.md).
CELERY_RESULT_BACKEND_THREAD_SAFE = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Redis redelivers an unacknowledged message after this many seconds; longer than any task.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_BEAT_SCHEDULE = {
    "webhooks-sweep-inbox": {
        "task": "saleor_distribution.webhooks.tasks.sweep_inbox",
        "schedule": 60.0,
    },
    "commissions-settle-matured": {
        "task": "saleor_distribution.commissions.tasks.settle_matured_commissions",
        "schedule": 600.0,
    },
    "network-upgrade-grades": {
        "task": "saleor_distribution.network.tasks.upgrade_grades",
        "schedule": 600.0,
    },
    "withdrawals-poll-payouts": {
        "task": "saleor_distribution.withdrawals.tasks.poll_payouts",
        "schedule": 60.0,
    },
    "withdrawals-reconcile-daily": {
        "task": "saleor_distribution.withdrawals.tasks.reconcile_payouts_daily",
        "schedule": 24 * 3600.0,
    },
    "installations-check-tokens": {
        "task": "saleor_distribution.installations.tasks.check_installation_tokens",
        "schedule": 6 * 3600.0,
    },
}

CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://")}

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# The built dashboard extension (dashboard-extension/ builds into this folder).
DASHBOARD_BUILD_DIR = Path(
    env.str("DASHBOARD_BUILD_DIR", default=str(PACKAGE_DIR / "dashboard" / "build"))
)
STATIC_ROOT = DATA_DIR / "static"

LOG_FORMAT = env.str("LOG_FORMAT", default="text" if DEBUG else "json")
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
        },
        "text": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {"django.request": {"level": "ERROR"}},
}
