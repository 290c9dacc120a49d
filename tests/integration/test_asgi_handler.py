"""The portal's ASGI handler: static files first, then one synchronous step."""

from __future__ import annotations

import asyncio
import threading

from django.conf import settings
from django.core.signals import request_started
from django.test import override_settings
from django.utils.module_loading import import_string

import asgiref.sync
import pytest
from asgiref.testing import ApplicationCommunicator

from portal.core.handlers import PortalASGIHandler
from tests.support import http_scope

CSS = "/static/portal/portal.css"


async def _get(app, path: str) -> tuple[int, dict[bytes, bytes], bytes]:
    scope = http_scope(path)
    communicator = ApplicationCommunicator(app, scope)
    await communicator.send_input({"type": "http.request", "body": b""})
    start = await communicator.receive_output(10)
    body, more = b"", True
    while more:
        message = await communicator.receive_output(10)
        body += message.get("body", b"")
        more = message.get("more_body", False)
    await communicator.wait(10)
    return start["status"], {k.lower(): v for k, v in start["headers"]}, body


def test_every_middleware_can_run_synchronously():
    # An asynchronous-only middleware would put thread changes back into the chain.
    for path in settings.MIDDLEWARE:
        assert getattr(import_string(path), "sync_capable", True), path


async def test_static_files_carry_the_security_headers():
    status, headers, body = await _get(PortalASGIHandler(), CSS)
    assert status == 200
    assert b"--" in body or b"{" in body  # the stylesheet itself
    assert headers[b"content-type"].startswith(b"text/css")
    assert headers[b"x-content-type-options"] == b"nosniff"
    assert headers[b"referrer-policy"] == b"same-origin"
    assert headers[b"cross-origin-opener-policy"] == b"same-origin"


async def test_static_files_redirect_to_https_when_pages_do():
    with override_settings(SECURE_SSL_REDIRECT=True):
        handler = PortalASGIHandler()
        status, headers, _ = await _get(handler, CSS)
        page_status, page_headers, _ = await _get(handler, "/healthz")
    assert (status, page_status) == (301, 301)
    assert headers[b"location"] == b"https://localhost" + CSS.encode()
    assert page_headers[b"location"] == b"https://localhost/healthz"


async def test_a_request_changes_thread_once_for_the_chain(monkeypatch):
    """Besides Django's request_started and response.close, one step into the
    request's worker thread runs every middleware and the view."""
    calls = []
    original = asgiref.sync.SyncToAsync.__call__

    async def counted(self, *args, **kwargs):
        calls.append(getattr(self.func, "__qualname__", repr(self.func)))
        return await original(self, *args, **kwargs)

    monkeypatch.setattr(asgiref.sync.SyncToAsync, "__call__", counted)
    handler = PortalASGIHandler()
    status, headers, body = await _get(handler, "/healthz")
    assert (status, body) == (200, b'{"status": "ok"}')
    assert headers[b"x-frame-options"] == b"DENY"  # the middleware ran
    assert len(calls) == 3, calls


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("path", ["/static/portal/missing.css", "/no-such-page/"])
async def test_unknown_paths_reach_django_and_get_its_404(path):
    status, headers, _ = await _get(PortalASGIHandler(), path)
    assert status == 404
    assert headers[b"x-content-type-options"] == b"nosniff"


async def test_requests_reuse_their_threads_but_never_share_one_at_a_time():
    """Everything synchronous of a request runs on one thread; a later request may
    run on the same thread, two requests at once never do."""
    handler = PortalASGIHandler()
    seen: list[threading.Thread] = []
    both_in_flight = threading.Barrier(2, timeout=10)

    def record(**kwargs):
        seen.append(threading.current_thread())

    def meet(**kwargs):
        both_in_flight.wait()  # breaks (and fails the requests) if they shared a thread

    request_started.connect(record, dispatch_uid="test-record")
    try:
        await _get(handler, "/healthz")
        await _get(handler, "/healthz")
        assert seen[0] is seen[1]
        assert seen[0] is not threading.main_thread()
        seen.clear()
        request_started.connect(meet, dispatch_uid="test-meet")
        try:
            results = await asyncio.gather(
                _get(handler, "/healthz"), _get(handler, "/healthz")
            )
        finally:
            request_started.disconnect(dispatch_uid="test-meet")
    finally:
        request_started.disconnect(dispatch_uid="test-record")
    assert [status for status, _, _ in results] == [200, 200]
    assert seen[0] is not seen[1]
