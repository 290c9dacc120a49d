"""Exchange downloads through Django's ASGI handler: streamed from an async iterator."""

from __future__ import annotations

from django.core.handlers.asgi import ASGIHandler
from django.db import connections
from django.test import AsyncClient
from django.urls import reverse

import pytest
from asgiref.sync import sync_to_async

from exchange.downloads import VERIFY_FIRST_BYTES
from exchange.marking import without_cover
from portal.audit.models import AuditEvent
from tests.exchange.conftest import make_expert, share, text_upload
from tests.support import assert_not_found, login_verified


def _world(size: int):
    owner = make_expert("NL")
    reader = make_expert("BE")
    outsider = make_expert("DE")
    body = b"".join(f"{i:08d} inventory line\n".encode() for i in range(size // 22 + 1))
    document = share(
        owner, states=[reader.state], upload=text_upload("big.txt", body[:size])
    )
    return body[:size], document, reader, outsider


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
async def test_a_large_download_streams_under_asgi_in_big_messages():
    import portal.asgi  # noqa: F401  (sets the ASGI message size)

    assert ASGIHandler.chunk_size == 1024 * 1024
    body, document, reader, outsider = await sync_to_async(_world)(
        VERIFY_FIRST_BYTES + 3 * 1024 * 1024 + 5
    )
    client = await sync_to_async(login_verified)(AsyncClient(), reader)
    url = reverse("exchange:download_latest", args=[document.pk])
    response = await client.get(url)
    assert response.status_code == 200
    assert response.streaming and response.is_async
    pieces = [piece async for piece in response.streaming_content]
    assert response["Content-Length"] == str(len(b"".join(pieces)))
    assert without_cover(b"".join(pieces)) == body
    assert max(len(p) for p in pieces) == 1024 * 1024  # 1 MiB chunks, not 4 KiB
    downloads = await sync_to_async(
        AuditEvent.objects.filter(action="exchange.document.downloaded").count
    )()
    assert downloads == 1

    stranger = await sync_to_async(login_verified)(AsyncClient(), outsider)
    assert_not_found(await stranger.get(url))
    # The handler's worker thread holds a connection of its own: release it.
    await sync_to_async(connections.close_all)()
