"""The one-command demo: embedded defaults, a secret generated once into var/."""

from portal.settings import environment as env
from portal.settings.base import *  # noqa: F403

# Off by default: a traceback page shows source and local values (a document's title
# in a view's variables) to whoever caused the error; the branded error pages do not.
DEBUG = env.get_bool("DEBUG", default=False)
SECRET_KEY = env.get_demo_secret("SECRET_KEY", "secret_key")
EXCHANGE_KEK = env.get_demo_secret("EXCHANGE_KEK", "exchange_kek")
AUDIT_SIGNING_KEY = env.get_demo_secret(
    "AUDIT_SIGNING_KEY", "audit_signing_key", make=env.random_signing_key
)
# The demo runs without ClamAV unless CLAMD_URL is set: uploads are then stored
# unscanned, with a warning in the log (README, configuration).
EXCHANGE_SCAN_REQUIRED = env.get_bool("EXCHANGE_SCAN_REQUIRED", default=False)
# The demo runs no worker: queued mail is sent (to the console by default) right
# after the transaction that queued it commits. Production leaves this to the worker.
MAIL_SEND_ON_COMMIT = env.get_bool("MAIL_SEND_ON_COMMIT", default=True)
