"""ASGI entry point: HTTP through Django, WebSockets through Channels."""

import gc
import os

import django
from django.core.handlers.asgi import ASGIHandler

# Django cuts response bodies into 64 KiB messages; large downloads (the exchange
# streams 1 MiB chunks) move several times faster in 1 MiB messages.
ASGIHandler.chunk_size = 1024 * 1024

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.dev")
django.setup(set_prefix=False)

from portal.core.handlers import PortalASGIHandler  # noqa: E402

# Static files, then the middleware and views in one synchronous step.
django_asgi_app = PortalASGIHandler()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from portal.core.layer_faults import CloseWhenLayerDown  # noqa: E402
from portal.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        # A channel layer that is down closes sockets with 1013, never a 500.
        "websocket": CloseWhenLayerDown(
            AllowedHostsOriginValidator(URLRouter(websocket_urlpatterns))
        ),
    }
)

# Everything loaded so far (Django, Wagtail, the URL and template machinery) lives as
# long as the process: once start-up garbage is collected, the rest is moved out of
# the collector's reach, so full collections during requests no longer walk it.
gc.collect()
gc.freeze()
