"""Settings for the test suite: the service's own settings, with test secrets and the
PostgreSQL and Redis that `tests.services` found or started."""

import os

from tests.services import ensure_services

os.environ["ENV_FILE"] = os.devnull  # a developer's .env must not leak into tests
os.environ["SECRET_KEY"] = os.environ.get("SECRET_KEY") or "tests-only-secret-key"
# A fixed Fernet key (tests only) so encrypted columns can be inspected in assertions.
TEST_ENCRYPTION_KEY = "VGVzdHMgb25seTogbm90IGEgcmVhbCBrZXkgISEhISE="
os.environ["SECRETS_ENCRYPTION_KEYS"] = TEST_ENCRYPTION_KEY
os.environ.setdefault("APP_URL", "http://testserver")
# Captured deliveries are dated; staleness is tested on its own with an explicit setting.
os.environ.setdefault("WEBHOOK_MAX_AGE_SECONDS", "0")
os.environ.setdefault("SALEOR_HTTP_BACKOFF_SECONDS", "0")  # retries without sleeping
os.environ.pop("CELERY_BROKER_URL", None)  # eager unless a test starts a real worker
ensure_services()

from saleor_distribution.settings import *  # noqa: E402,F403

ALLOWED_HOSTS = ["*"]
LOG_FORMAT = "text"
LOGGING["handlers"]["console"]["formatter"] = "text"  # noqa: F405
