"""Fixtures of the exchange tests: experts of a few States, uploads, documents."""

from __future__ import annotations

import datetime
import itertools

from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

import pytest
from asgiref.sync import async_to_sync

from exchange import actions
from exchange.pdf import make_text_pdf
from portal.accounts.guard import authorised
from portal.accounts.models import User
from portal.accounts.roles import Role
from portal.states.models import State

_numbers = itertools.count(1)


def make_expert(
    iso="NL", *, clearance="confidential", vetted=True, roles=(), **extra
) -> User:
    number = next(_numbers)
    extra.setdefault("first_name", "Expert")
    extra.setdefault("last_name", f"{iso} {number}")
    user = User.objects.create_user(
        f"expert{number}.{(iso or 'none').lower()}@example.org",
        state=State.objects.get(iso_code=iso) if iso else None,
        clearance=clearance,
        vetted_until=timezone.localdate() + datetime.timedelta(days=90)
        if vetted
        else None,
        **extra,
    )
    with authorised():  # a fixture: the role's group, without State editing
        for role in roles:
            user.groups.add(Group.objects.get_or_create(name=str(role))[0])
    return user


def pdf_upload(name="report.pdf", title="Report") -> SimpleUploadedFile:
    return SimpleUploadedFile(
        name, make_text_pdf(title, ["A paragraph."]), content_type="application/pdf"
    )


def text_upload(name="notes.txt", content=b"plain notes\n") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="text/plain")


def share(by, *, tier="restricted", upload=None, **sharing):
    return actions.create_document(
        by=by,
        title=sharing.pop("title", "Border monitoring lessons"),
        tier=tier,
        upload=upload or text_upload(),
        **sharing,
    )


def read_stream(response) -> bytes:
    """The body of a streaming response, consuming its async iterator properly."""

    async def collect():
        return b"".join([chunk async for chunk in response.streaming_content])

    return async_to_sync(collect)()


@pytest.fixture
def expert(db):
    return make_expert


FOCAL_POINT = Role.FOCAL_POINT
