"""The test suite: the real services, fast hashing, isolated media."""

import tempfile
from pathlib import Path

from portal.settings import environment as env
from portal.settings.base import *  # noqa: F403

DEBUG = False
SECRET_KEY = "test-only-secret-key-not-for-any-deployment"  # noqa: S105
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# The suite's default cache is this process's own. A portal the tests serve in a
# child process may keep production's Redis cache (PORTAL_TEST_REDIS_CACHE=true), for
# the tests of Redis going away under it. Public pages are cached in the real Redis
# of the test command, under the run's prefix (portal.core.page_cache).
if not (REDIS_URL and env.get_bool("PORTAL_TEST_REDIS_CACHE", False)):  # noqa: F405
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "pages": CACHES.get("pages")  # noqa: F405
        or {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    }
MEDIA_ROOT = tempfile.mkdtemp(prefix="portal-test-media-")
STATIC_ROOT = Path(tempfile.mkdtemp(prefix="portal-test-static-"))
# A folder of their own per process, unless given: the processes of the
# production-like set (tests/integration/test_stack_faults.py) share theirs, as the
# processes of one server do, so that the orphan sweep finds what a crash left.
FILE_UPLOAD_TEMP_DIR = env.get("FILE_UPLOAD_TEMP_DIR") or tempfile.mkdtemp(
    prefix="portal-test-uploads-"
)
# The live server of the browser tests serves static files straight from the apps.
SERVESTATIC_USE_FINDERS = True
SERVESTATIC_AUTOREFRESH = True
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
ELASTICSEARCH_INDEX_PREFIX = env.get("ELASTICSEARCH_INDEX_PREFIX", "portal-test")
ALLOWED_HOSTS = env.get_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])

# The test process keeps Django's own per-thread connections: with a shared pool,
# rows written inside one test's rolled-back transaction were seen by the next
# tests. Portals that tests serve in a child process (uvicorn) get
# DATABASE_POOL=true and run pooled, as in production.
DATABASE_POOL = env.get_bool("DATABASE_POOL", False)
if not DATABASE_POOL:
    DATABASES["default"].get("OPTIONS", {}).pop("pool", None)  # noqa: F405

# Django empties the tables with TRUNCATE between transactional tests; the audit
# table's trigger refuses TRUNCATE except on connections that set this (the test
# suite's alone: see audit migration 0003).
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":  # noqa: F405
    _options = DATABASES["default"].setdefault("OPTIONS", {})  # noqa: F405
    _options["options"] = (
        _options.get("options", "") + " -c portal.audit_allow_truncate=on"
    ).strip()

# Parallel checkouts on one PostgreSQL each use a test database of their own.
DATABASES["default"]["TEST"] = {"NAME": env.get("PORTAL_TEST_DATABASE", "test_portal")}  # noqa: F405

EXCHANGE_KEK = "test-only-exchange-key-encryption-key"
# A fixed Ed25519 key for the audit checkpoints (the base64 of 32 bytes).
AUDIT_SIGNING_KEY = "dGVzdC1vbmx5LWF1ZGl0LXNpZ25pbmcta2V5LTMyYiE="
STORAGES["exchange"] = {
    "BACKEND": "exchange.storage.ExchangeFileSystemStorage",
    "OPTIONS": {
        "location": env.get("EXCHANGE_STORAGE_ROOT")
        or tempfile.mkdtemp(prefix="portal-test-exchange-")
    },
}
# Examples of the property-based exchange policy tests (more in a long run).
EXCHANGE_POLICY_EXAMPLES = env.get_int("EXCHANGE_POLICY_EXAMPLES", 500)
# Examples of the property-based search leakage test (more in a long run).
SEARCH_LEAKAGE_EXAMPLES = env.get_int("SEARCH_LEAKAGE_EXAMPLES", 60)
# Examples of the property-based test that no mail carries restricted text.
MAIL_LEAKAGE_EXAMPLES = env.get_int("MAIL_LEAKAGE_EXAMPLES", 300)
# Examples of the property test of open screens (rooms and notifications) under
# sharing, revocation, expiry, tier and membership changes (more in a long run).
SCREEN_STATE_EXAMPLES = env.get_int("SCREEN_STATE_EXAMPLES", 300)
