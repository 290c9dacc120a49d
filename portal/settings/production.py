"""Production: every secret from the environment, HTTPS only, passes check --deploy."""

from portal.settings import environment as env
from portal.settings.base import *  # noqa: F403

DEBUG = False
SECRET_KEY = env.get_mandatory_secret("SECRET_KEY")
ALLOWED_HOSTS = env.get_list("ALLOWED_HOSTS", [])

SECURE_SSL_REDIRECT = env.get_bool("SECURE_SSL_REDIRECT", default=True)
# The portal runs behind one reverse proxy (deploy/nginx.conf.template) that sets
# X-Forwarded-Proto and replaces X-Forwarded-For with the address it saw; uvicorn
# (--proxy-headers --forwarded-allow-ips) believes those headers from the proxy's
# address alone and puts the client's address in REMOTE_ADDR.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# django-axes locks out by that REMOTE_ADDR, never by a header a client could forge
# (django-ipware is not installed, so axes reads REMOTE_ADDR; these say so explicitly).
AXES_IPWARE_PROXY_COUNT = env.get_int("PROXY_COUNT", 1)
AXES_IPWARE_META_PRECEDENCE_ORDER = ("REMOTE_ADDR",)
SECURE_HSTS_SECONDS = env.get_int("SECURE_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
LANGUAGE_COOKIE_SECURE = True
EXCHANGE_KEK = env.get_mandatory_secret("EXCHANGE_KEK")
AUDIT_SIGNING_KEY = env.get_mandatory_secret("AUDIT_SIGNING_KEY")
