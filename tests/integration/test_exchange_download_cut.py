"""A download that is streaming when its document is revoked, expired or un-shared
stops within a few MiB, and the cut is audited; others stream to the end.

Driven through the portal's ASGI handler with a server side of our own: like a slow
client, it takes each body message only when the test has done what it wanted
between two chunks, so nothing here depends on timing.
"""

from __future__ import annotations

import asyncio
import datetime
from collections.abc import Awaitable, Callable

from django.conf import settings
from django.db import connections
from django.test import Client
from django.urls import reverse
from django.utils import timezone

import pytest
from asgiref.sync import sync_to_async

from exchange import actions
from exchange.downloads import (
    RECHECK_EVERY_CHUNKS,
    REFRESH_READER_EVERY,
    STREAM_CHUNK,
    VERIFY_FIRST_BYTES,
)
from exchange.marking import without_cover
from portal.accounts.actions import vet_expert
from portal.accounts.roles import Role
from portal.audit.models import AuditEvent
from portal.core.handlers import PortalASGIHandler
from portal.states.models import State
from tests.exchange.conftest import make_expert, share, text_upload
from tests.support import http_scope, login_verified

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

MiB = 1024 * 1024
CUT_AT = RECHECK_EVERY_CHUNKS * STREAM_CHUNK


@pytest.fixture(autouse=True)
async def _release_connections():
    yield
    # The synchronous steps of these tests ran on a worker thread: close its link.
    await sync_to_async(connections.close_all)()


def _world(size: int):
    owner = make_expert("NL")
    reader = make_expert("BE")
    body = b"".join(f"{i:08d} inventory line\n".encode() for i in range(size // 22 + 1))
    document = share(
        owner, states=[reader.state], upload=text_upload("big.txt", body[:size])
    )
    client = login_verified(Client(), reader)
    return body[:size], document, owner, client.cookies[settings.SESSION_COOKIE_NAME]


async def download(
    path: str,
    cookie,
    between: Callable[[int], Awaitable[None]],
    gone: asyncio.Event | None = None,
) -> tuple[int, dict[bytes, bytes], bytes, list[dict]]:
    """GET `path` through the ASGI handler; `between(bytes_so_far)` runs after each
    body message is taken and before the next one is produced. Setting `gone`
    disconnects the client."""
    import portal.asgi  # noqa: F401  (sets the ASGI message size as in production)

    scope = http_scope(
        path, headers=[(b"cookie", f"{cookie.key}={cookie.value}".encode())]
    )
    requested = False
    gone = gone or asyncio.Event()

    async def receive() -> dict:
        nonlocal requested
        if not requested:
            requested = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await gone.wait()  # the client stays connected until then
        return {"type": "http.disconnect"}

    messages: list[dict] = []
    received = 0

    async def send(message: dict) -> None:
        nonlocal received
        messages.append(message)
        if message["type"] == "http.response.body" and message.get("body"):
            received += len(message["body"])
            await between(received)

    await asyncio.wait_for(PortalASGIHandler()(scope, receive, send), timeout=120)
    start = messages[0]
    body = b"".join(m.get("body", b"") for m in messages[1:])
    headers = {name.lower(): value for name, value in start["headers"]}
    return start["status"], headers, body, messages


def _after_first_chunk(change: Callable[[], None]):
    done = False

    async def between(received: int) -> None:
        nonlocal done
        if not done and received >= STREAM_CHUNK:
            done = True
            await sync_to_async(change)()

    return between


def _revoke(document, owner):
    actions.revoke_document(document, by=owner)


def _expire(document, owner):
    actions.set_expiry(
        document, timezone.now() - datetime.timedelta(seconds=1), by=owner
    )


def _unshare(document, owner):
    actions.share_document(document, by=owner, states=[])


@pytest.mark.parametrize(
    ("change", "reason"),
    [(_revoke, "revoked"), (_expire, "expired"), (_unshare, "no_longer_shared")],
)
@pytest.mark.parametrize(
    "size",
    [VERIFY_FIRST_BYTES + 5 * MiB + 3, VERIFY_FIRST_BYTES - MiB],
    ids=["streamed", "verified_first"],
)
async def test_a_stream_stops_within_a_few_mib_once_the_reader_may_no_longer_see_it(
    change, reason, size
):
    body, document, owner, cookie = await sync_to_async(_world)(size)
    url = reverse("exchange:download_latest", args=[document.pk])

    status, headers, received, messages = await download(
        url, cookie, _after_first_chunk(lambda: change(document, owner))
    )

    assert status == 200
    # The file inside its cover notice, which names the tier and the reader.
    declared = int(headers[b"content-length"])
    assert declared > size
    assert received.startswith(b"==== RESTRICTED ====")
    # The stream ends at the next check, short of the declared length: the client
    # sees an incomplete download, never the rest of the file.
    assert len(received) < declared
    assert without_cover(received) == body[:CUT_AT]
    assert messages[-1] == {"type": "http.response.body"}  # ended, no error page

    def audit():
        started = AuditEvent.objects.get(action="exchange.document.downloaded")
        cut = AuditEvent.objects.get(action="exchange.document.download_cut")
        return started, cut

    started, cut = await sync_to_async(audit)()
    assert cut.outcome == "denied"
    assert cut.actor_id == started.actor_id
    assert cut.target_id == str(document.pk)
    assert cut.details["download_id"] == started.details["download_id"]
    assert cut.details["bytes_sent"] == CUT_AT
    assert cut.details["reason"] == reason


async def test_a_reader_whose_clearance_is_lowered_is_cut_at_the_next_fresh_look():
    size = REFRESH_READER_EVERY * CUT_AT + 5 * MiB
    body, document, _, cookie = await sync_to_async(_world)(size)
    url = reverse("exchange:download_latest", args=[document.pk])

    def lower_clearance():
        secretariat = make_expert("FR", roles=[Role.SECRETARIAT])
        reader = document.shared_states.get().users.get()
        vet_expert(
            reader,
            clearance="public",
            vetted_until=reader.vetted_until,
            by=secretariat,
        )

    status, _, received, _ = await download(
        url, cookie, _after_first_chunk(lower_clearance)
    )

    assert status == 200
    # The reader's own facts are read again on every few checks, not on each.
    assert without_cover(received) == body[: REFRESH_READER_EVERY * CUT_AT]
    cut = await sync_to_async(AuditEvent.objects.get)(
        action="exchange.document.download_cut"
    )
    assert cut.details["reason"] == "not_cleared"
    assert cut.details["bytes_sent"] == len(without_cover(received))


async def test_a_download_unaffected_by_a_change_streams_to_the_end():
    size = VERIFY_FIRST_BYTES + 9 * MiB + 7
    body, document, owner, cookie = await sync_to_async(_world)(size)
    url = reverse("exchange:download_latest", args=[document.pk])

    def widen():
        # Still shared with the reader's State, and with one more.
        reader_state = document.shared_states.get()
        france = State.objects.get(iso_code="FR")
        actions.share_document(document, by=owner, states=[reader_state, france])

    status, headers, received, _ = await download(
        url, cookie, _after_first_chunk(widen)
    )

    assert status == 200
    assert headers[b"content-length"] == str(len(received)).encode()
    assert without_cover(received) == body
    cuts = await sync_to_async(
        AuditEvent.objects.filter(action="exchange.document.download_cut").count
    )()
    assert cuts == 0


async def test_a_client_that_leaves_while_the_policy_is_asked_ends_the_download_cleanly(
    caplog,
):
    size = VERIFY_FIRST_BYTES + 9 * MiB
    body, document, _, cookie = await sync_to_async(_world)(size)
    url = reverse("exchange:download_latest", args=[document.pk])
    gone = asyncio.Event()

    async def leave(received: int) -> None:
        # The policy is asked two chunks before each check point: leave then.
        if received >= (RECHECK_EVERY_CHUNKS - 1) * STREAM_CHUNK:
            gone.set()

    with caplog.at_level("ERROR"):
        status, _, received, _ = await download(url, cookie, leave, gone)

    assert status == 200
    inside = without_cover(received)
    assert len(inside) < size
    assert inside == body[: len(inside)]
    assert not [r for r in caplog.records if r.levelname == "ERROR"]
    cuts = await sync_to_async(
        AuditEvent.objects.filter(action="exchange.document.download_cut").count
    )()
    assert cuts == 0
