"""The portal's ASGI handler for HTTP: static files first, then one synchronous step.

Django's ASGI handler runs the middleware chain asynchronously and moves into a
worker thread for each synchronous piece: with the portal's middleware (sessions,
authentication, two-factor, lockout, all synchronous) and views (all synchronous), a
signed-in request went back and forth between the event loop and its thread seven
times. Here the chain is built the way Django builds it for WSGI and entered once,
in the request's worker thread, so a request changes thread once on the way in.

Django also starts a thread for every request and joins it at the end; here each
request borrows a thread of its own from a set kept for the purpose (asgiref's
`ThreadSensitiveContext` with an executor), as a WSGI server's thread pool would,
and gives it back when it is done.

Static files are answered on the event loop before that, by ServeStatic, with the
headers SecurityMiddleware gives every other response. ServeStatic is therefore not
in MIDDLEWARE: inside a synchronous chain an asynchronous-only middleware would
bring the thread changes back.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from django.core.handlers.asgi import ASGIHandler
from django.middleware.security import SecurityMiddleware

from asgiref.sync import ThreadSensitiveContext, sync_to_async
from servestatic.middleware import ServeStaticMiddleware
from servestatic.responders import MissingFileError

logger = logging.getLogger(__name__)


class StaticFiles(ServeStaticMiddleware):
    """ServeStatic in front of the chain, adding SecurityMiddleware's headers (and its
    HTTPS redirect) to what it serves."""

    def __init__(self, get_response) -> None:
        super().__init__(get_response)
        self.security = SecurityMiddleware(_never_called)

    async def __call__(self, request):
        try:
            return await super().__call__(request)
        except MissingFileError as error:
            # Under DEBUG ServeStatic raises for a missing file, which would reach
            # the visitor as a 500 listing the server's folders; the log keeps the
            # list for the developer and the visitor gets the portal's 404.
            logger.warning("%s", error)
            return await self.get_response(request)

    async def aserve(self, static_file, request):  # type: ignore[override]
        redirect = self.security.process_request(request)
        if redirect is not None:
            return redirect
        response = await ServeStaticMiddleware.aserve(static_file, request)
        return self.security.process_response(request, response)


def _request_thread() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="portal-request")


def _never_called(request):  # pragma: no cover - SecurityMiddleware needs a handler
    raise AssertionError("static files end in StaticFiles")


class PortalASGIHandler(ASGIHandler):
    """Django's ASGI handler with a synchronous middleware chain, entered once, in a
    worker thread that is reused from one request to the next."""

    # Threads kept idle between requests; more are started while more requests run.
    idle_threads = 16
    # Django's private chain, which load_middleware replaces (the stubs leave it
    # untyped); tests/integration/test_asgi_handler.py holds its use, and
    # tests/portal/test_private_interfaces.py fails by name if Django changes it.
    _middleware_chain: Any

    def __init__(self) -> None:
        super().__init__()
        self._idle: list[ThreadPoolExecutor] = []

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            raise ValueError(f"Django answers HTTP only, not {scope['type']}.")
        # One thread for one request at a time: everything synchronous of this
        # request (signals, middleware, view, closing) runs on it, as under Django's
        # own handler, but the thread outlives the request.
        executor = self._idle.pop() if self._idle else _request_thread()
        try:
            async with ThreadSensitiveContext(executor=executor):
                await self.handle(scope, receive, send)
        finally:
            if len(self._idle) < self.idle_threads:
                self._idle.append(executor)
            else:
                executor.shutdown(wait=False)

    def load_middleware(self, is_async: bool = False) -> None:
        super().load_middleware(is_async=False)
        chain = sync_to_async(self._middleware_chain, thread_sensitive=True)
        self._middleware_chain = StaticFiles(chain)
