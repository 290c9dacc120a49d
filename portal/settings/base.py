"""Settings shared by every environment; the environment decides the backends."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.utils.translation import gettext_lazy as _

import dj_database_url
from csp import constants as csp

from portal.settings import environment as env

BASE_DIR = env.BASE_DIR
VAR_DIR = env.VAR_DIR

DEBUG = env.get_bool("DEBUG", default=False)
ALLOWED_HOSTS = env.get_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.get_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "portal.accounts",
    "portal.states",
    "portal.core",
    "portal.audit",
    "portal.people",
    "practices",
    "practices.progress",
    "exchange",
    "exchange.coordination",
    "search",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.contrib.sitemaps",
    "wagtail.contrib.table_block",
    "wagtail.api.v2",
    "rest_framework",
    "wagtail.embeds",
    "wagtail.sites",
    "portal.accounts.users_app.PortalUsersConfig",  # wagtail.users, audited editor
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    # After Wagtail's admin: it replaces the admin's own approval and rejection mail.
    "portal.mail",
    "modelcluster",
    "taggit",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_otp_webauthn",
    "axes",
    "csp",
    "channels",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.forms",
]

# Static files are answered before this chain (portal.core.handlers), which runs
# synchronously: every middleware here must be able to.
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "portal.core.middleware.PortalCSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # After the session (it may read the language from it), before CommonMiddleware
    # (whose slash-appending resolves URLs in the active language), as Django's docs
    # place it; the account's own language is applied after authentication.
    "portal.core.middleware.PortalLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "portal.accounts.middleware.PersonalTimeZoneMiddleware",
    "portal.accounts.middleware.PersonalLanguageMiddleware",
    "portal.core.middleware.PersonalResponseNoStoreMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    "axes.middleware.AxesMiddleware",
    "portal.accounts.middleware.AbsoluteSessionAgeMiddleware",
    "portal.accounts.middleware.AdminVerifiedSessionMiddleware",
    # Last: a stored public page skips only the view (portal.core.page_cache).
    "portal.core.page_cache.PublicPageCacheMiddleware",
]

ROOT_URLCONF = "portal.urls"
ASGI_APPLICATION = "portal.asgi.application"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "portal" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
            ],
        },
    },
]

# Form widgets render through TEMPLATES, so that the portal's overrides apply to them
# too (Wagtail's date pickers, started without inline scripts: see
# portal/templates/wagtailadmin/widgets/).
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

# --- Database: PostgreSQL in production and tests, a SQLite file for the demo.
DATABASE_URL = env.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'portal.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=0)}
DATABASE_POOL = env.get_bool("DATABASE_POOL", True)
if DATABASE_POOL and DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Under ASGI each request runs its database work in a thread of its own, so
    # Django's per-thread connections would connect to PostgreSQL on every request;
    # psycopg's pool (Django's "pool" option) keeps connections open across them.
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": env.get_int("DATABASE_POOL_MIN", 2),
        "max_size": env.get_int("DATABASE_POOL_MAX", 10),
        "timeout": env.get_int("DATABASE_POOL_TIMEOUT", 10),
    }
    # The pool checks a connection before lending it (Django's health checks turn on
    # psycopg's check): after PostgreSQL restarts, the pool replaces its dead
    # connections instead of failing the next requests with them.
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Real time: Redis when configured, the in-memory layer for the one-process demo.
REDIS_URL = env.get("REDIS_URL")
if REDIS_URL:
    CHANNEL_LAYERS: dict[str, dict[str, Any]] = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                "hosts": [REDIS_URL],
                "prefix": env.get("REDIS_PREFIX", "portal"),
            },
        }
    }
    # Counters that must hold across processes (password reset limits) live here.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.get("REDIS_PREFIX", "portal"),
        },
        # Public pages for anonymous visitors (portal.core.page_cache).
        "pages": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.get("REDIS_PREFIX", "portal"),
        },
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# Without Redis (the demo), Django's default local-memory cache, and one for pages.
if not REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "pages": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "public-pages",
        },
    }
# Seconds a browser or proxy may keep a public page, and the server its stored copy
# (invalidation drops the stored copies on every change; the browser's expire).
PUBLIC_PAGE_MAX_AGE = env.get_int("PUBLIC_PAGE_MAX_AGE", 60)
PUBLIC_PAGE_CACHE_TIMEOUT = env.get_int("PUBLIC_PAGE_CACHE_TIMEOUT", 3600)

# --- Search: Elasticsearch when configured, the database otherwise.
ELASTICSEARCH_URL = env.get("ELASTICSEARCH_URL")
ELASTICSEARCH_INDEX_PREFIX = env.get("ELASTICSEARCH_INDEX_PREFIX", "portal")
# Seconds a search waits on a node; after a failure the breaker sends searches to the
# database for ELASTICSEARCH_BREAKER_SECONDS before probing Elasticsearch again.
ELASTICSEARCH_TIMEOUT = env.get_int("ELASTICSEARCH_TIMEOUT", 5)
ELASTICSEARCH_BREAKER_SECONDS = env.get_int("ELASTICSEARCH_BREAKER_SECONDS", 10)
# Bulk writes (the outbox drain, rebuilds) may wait longer and retry with back-off.
ELASTICSEARCH_BULK_TIMEOUT = env.get_int("ELASTICSEARCH_BULK_TIMEOUT", 60)
# A bulk request is cut at this many bytes as well as at its number of actions.
ELASTICSEARCH_BULK_MAX_BYTES = env.get_int("ELASTICSEARCH_BULK_MAX_BYTES", 8 << 20)
SEARCH_BACKEND = "elasticsearch" if ELASTICSEARCH_URL else "database"
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}

# --- Accounts and authentication.
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
_VALIDATORS = "django.contrib.auth.password_validation"
# Length and blocklists, no composition rules (NIST SP 800-63B): at least 12
# characters, not on the common-password list, not close to the person's own name
# or address. An all-digit password of that length is accepted like any other.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": f"{_VALIDATORS}.UserAttributeSimilarityValidator"},
    {
        "NAME": f"{_VALIDATORS}.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": f"{_VALIDATORS}.CommonPasswordValidator"},
]
# A password reset link works once, for an hour.
PASSWORD_RESET_TIMEOUT = 60 * 60
# Reset requests allowed per hour for one address, and for one client.
PASSWORD_RESET_LIMIT_PER_ADDRESS = env.get_int("PASSWORD_RESET_LIMIT_PER_ADDRESS", 3)
PASSWORD_RESET_LIMIT_PER_CLIENT = env.get_int("PASSWORD_RESET_LIMIT_PER_CLIENT", 20)
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/my/"
LOGOUT_REDIRECT_URL = "/"

AXES_FAILURE_LIMIT = env.get_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = 1  # hours
# The sign-in form posts the email address as `username`; axes must read that field,
# or every failure is stored under an empty name and locks out everyone at once.
AXES_USERNAME_FORM_FIELD = "username"
# Each entry is counted on its own: one account from any address, one address
# across accounts.
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/lockout.html"
# The Wagtail admin signs in through the portal's login (lockout, second factor).
WAGTAILADMIN_LOGIN_URL = LOGIN_URL
WAGTAIL_FRONTEND_LOGIN_URL = LOGIN_URL

OTP_TOTP_ISSUER = "NSI Portal"
# Passkeys as a second factor only. The relying party is the host name users see
# (not an IP address: browsers refuse those), and each origin must be listed. Unless
# set, the origins follow the HOST and PORT the run command serves on.
OTP_WEBAUTHN_RP_ID = env.get("WEBAUTHN_RP_ID", "localhost")
OTP_WEBAUTHN_RP_NAME = "NSI Portal"
OTP_WEBAUTHN_ALLOWED_ORIGINS = env.get_list(
    "WEBAUTHN_ALLOWED_ORIGINS", env.demo_origins(OTP_WEBAUTHN_RP_ID)
)
OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN = False
STEP_UP_SECONDS = env.get_int("STEP_UP_SECONDS", 15 * 60)
STEP_UP_URL = "/account/two-factor/step-up/"

# --- Sessions and cookies.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env.get_int("SESSION_IDLE_SECONDS", 30 * 60)
# The idle timeout slides when the session is saved: at most once a minute (see
# portal.accounts.middleware), not on every request.
SESSION_ENGINE = "portal.accounts.sessions"
SESSION_SAVE_EVERY_REQUEST = False
SESSION_TOUCH_SECONDS = env.get_int("SESSION_TOUCH_SECONDS", 60)
SESSION_ABSOLUTE_SECONDS = env.get_int("SESSION_ABSOLUTE_SECONDS", 12 * 60 * 60)
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Content-Security-Policy (django-csp) on every page: scripts from the portal's own
# origin only, an inline script runs only with the request's nonce, nothing from
# another origin is loaded or framed. Wagtail's admin gets inline style attributes
# as well (portal.core.middleware.PortalCSPMiddleware); downloads send their own,
# stricter sandbox policy.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [csp.SELF],
        "script-src": [csp.SELF, csp.NONCE],
        "style-src": [csp.SELF],
        "img-src": [csp.SELF, "data:"],
        "font-src": [csp.SELF],
        "connect-src": [csp.SELF],
        "object-src": [csp.NONE],
        "base-uri": [csp.SELF],
        "form-action": [csp.SELF],
        "frame-ancestors": [csp.SELF],
    }
}
# Wagtail's admin shows avatars from Gravatar by default: that sends a hash of each
# person's address to a third party. The admin draws initials instead.
WAGTAIL_GRAVATAR_PROVIDER_URL = None
# Nor does it ask wagtail.org for new releases from each administrator's browser.
WAGTAIL_ENABLE_UPDATE_CHECK = False
# Passwords are each person's own, set and reset only through the portal's account
# pages (step-up, sessions ended, audited): the admin neither shows password fields
# in its user editor nor offers its own change and reset forms.
WAGTAILUSERS_PASSWORD_ENABLED = False
WAGTAIL_PASSWORD_MANAGEMENT_ENABLED = False
WAGTAIL_PASSWORD_RESET_ENABLED = False

# --- Internationalisation.
# The IAEA's six official languages (docs/languages.md). English is the default and
# its public pages have no prefix; the others live under /ar/, /es/, /fr/, /ru/ and
# /zh-hans/.
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("ar", _("Arabic")),
    ("en", _("English")),
    ("es", _("Spanish")),
    ("fr", _("French")),
    ("ru", _("Russian")),
    ("zh-hans", _("Simplified Chinese")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
# One date and time style for every page: portal/formats/en/formats.py.
FORMAT_MODULE_PATH = ["portal.formats"]

# --- Static and media files.
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
STATICFILES_DIRS = [BASE_DIR / "portal" / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = env.get("MEDIA_ROOT", str(VAR_DIR / "media"))
STORAGES: dict[str, dict[str, Any]] = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "servestatic.storage.CompressedManifestStaticFilesStorage"
    },
}

# --- Email: console in the demo, SMTP by settings in production.
EMAIL_BACKEND = env.get(
    "EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = env.get("DEFAULT_FROM_EMAIL", "NSI Portal <no-reply@localhost>")
EMAIL_HOST = env.get("EMAIL_HOST", "localhost")
EMAIL_PORT = env.get_int("EMAIL_PORT", 587)
EMAIL_HOST_USER = env.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env.get_bool("EMAIL_USE_TLS", default=True)
# A mail server that accepts the connection and then hangs holds a queued mail for
# this many seconds at most; the mail is tried again later (portal/mail/queue.py).
EMAIL_TIMEOUT = env.get_int("EMAIL_TIMEOUT", 10)
# Backoff of a mail that could not be sent: the first retry after this many
# seconds, doubling up to the maximum; mail is never dropped.
MAIL_RETRY_SECONDS = env.get_int("MAIL_RETRY_SECONDS", 30)
MAIL_RETRY_MAX_SECONDS = env.get_int("MAIL_RETRY_MAX_SECONDS", 3600)
# Also send right after the queuing transaction commits, in the request (the demo,
# which runs no worker). Off: a slow mail server would slow the request down.
MAIL_SEND_ON_COMMIT = env.get_bool("MAIL_SEND_ON_COMMIT", default=False)
# Links in mail point here.
PORTAL_BASE_URL = env.get("PORTAL_BASE_URL", "http://127.0.0.1:8000")

# --- Wagtail.
WAGTAIL_SITE_NAME = "Nuclear Security Implementation Portal"
WAGTAILADMIN_BASE_URL = PORTAL_BASE_URL
WAGTAILDOCS_EXTENSIONS = ["pdf", "docx", "xlsx", "odt", "txt", "csv"]
# Public documents get the exchange's checks: no active content, scanned for malware;
# images are scanned too.
WAGTAILDOCS_DOCUMENT_FORM_BASE = "practices.forms.CheckedDocumentForm"
WAGTAILIMAGES_IMAGE_FORM_BASE = "practices.forms.CheckedImageForm"
# Documents only through Wagtail's serve view, which checks the collection's view
# restrictions and the pages using them (practices.wagtail_hooks); never a /media/ URL.
WAGTAILDOCS_SERVE_METHOD = "serve_view"

# Debug pages, error mails and logs hide every secret by name and by value.
DEFAULT_EXCEPTION_REPORTER_FILTER = "portal.core.errors.PortalExceptionReporterFilter"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.get("LOG_LEVEL", "WARNING")},
    "loggers": {
        "portal": {"level": env.get("PORTAL_LOG_LEVEL", "INFO")},
        "elastic_transport": {"level": "WARNING"},
    },
}

# --- Restricted exchange (docs/exchange-policy.md).
# The key-encryption key that wraps every file's data key, and the keys it replaced
# (kept readable until `manage.py rotate_exchange_key` has re-wrapped everything).
EXCHANGE_KEK = env.get("EXCHANGE_KEK")
EXCHANGE_PREVIOUS_KEKS = env.get_list("EXCHANGE_PREVIOUS_KEKS", [])
# The audit chain's signing key (Ed25519, base64 of 32 raw bytes or PEM) and the
# public keys it replaced, whose checkpoints stay verifiable (docs/deployment.md).
AUDIT_SIGNING_KEY = env.get("AUDIT_SIGNING_KEY")
AUDIT_RETIRED_PUBLIC_KEYS = env.get_list("AUDIT_RETIRED_PUBLIC_KEYS", [])
EXCHANGE_CHUNK_SIZE = 1024 * 1024
EXCHANGE_MAX_UPLOAD_BYTES = env.get_int("EXCHANGE_MAX_UPLOAD_BYTES", 256 * 1024 * 1024)
# Detected media type -> file name extensions it may carry.
EXCHANGE_ALLOWED_MEDIA_TYPES = {
    "application/pdf": [".pdf"],
    "text/plain": [".txt", ".csv"],
    "text/csv": [".csv"],
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": [
        ".docx"
    ],
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": [".xlsx"],
    "application/vnd.oasis.opendocument.text": [".odt"],
}
EXCHANGE_ZIP_MAX_ENTRIES = 2000
EXCHANGE_ZIP_MAX_UNPACKED_BYTES = 512 * 1024 * 1024
EXCHANGE_RECENT_DAYS = 30
# ClamAV's clamd scans every exchange upload before it is stored (exchange/scanning.py):
# tcp://host:port or unix:///path. Without a verdict the upload is refused; only the
# demo turns EXCHANGE_SCAN_REQUIRED off, to run without clamd.
CLAMD_URL = env.get("CLAMD_URL")
CLAMD_TIMEOUT_SECONDS = env.get_int("CLAMD_TIMEOUT_SECONDS", 120)
EXCHANGE_SCAN_REQUIRED = True
# Uploads are received into this folder, so that the sweep finds what a crashed
# process left there (exchange/orphans.py); files younger than the grace are kept.
FILE_UPLOAD_TEMP_DIR = env.get("FILE_UPLOAD_TEMP_DIR", str(VAR_DIR / "uploads"))
Path(FILE_UPLOAD_TEMP_DIR).mkdir(parents=True, exist_ok=True)
EXCHANGE_ORPHAN_GRACE_SECONDS = env.get_int("EXCHANGE_ORPHAN_GRACE_SECONDS", 6 * 3600)
STORAGES["exchange"] = {
    # Outside MEDIA_ROOT: no URL ever serves these files; only the download view does.
    "BACKEND": "exchange.storage.ExchangeFileSystemStorage",
    "OPTIONS": {
        "location": env.get("EXCHANGE_STORAGE_ROOT", str(VAR_DIR / "exchange"))
    },
}
