"""Guards for the private interfaces of Django and django-otp that the portal uses.

Each earned its place by measured speed or by matching the library's own rule
(see the module that uses it). A dependency upgrade may change any of them without
notice; each test here fails with the name of the interface and of the portal's
module that leans on it, so the upgrade stops at a clear message rather than at a
wrong answer somewhere else.
"""

from __future__ import annotations

import asyncio

from django.contrib.auth import get_user_model
from django.contrib.sessions.backends import base as session_base
from django.contrib.sessions.backends import db as session_db
from django.core.handlers.asgi import ASGIHandler
from django.db import connection
from django.http import HttpResponse
from django.test import RequestFactory

import pytest
from django_otp.middleware import OTPMiddleware

from portal.accounts.sessions import SessionStore
from portal.core.handlers import PortalASGIHandler, StaticFiles
from tests.portal.identity import make_user

pytestmark = pytest.mark.django_db


def _broken(interface: str, user: str) -> str:
    return (
        f"{interface} changed in this version of the library; {user} relies on it: "
        "read the library's release notes and adapt that module, or move it to a "
        "public interface"
    )


def test_the_handler_answers_through_its_middleware_chain():
    """portal.core.handlers.PortalASGIHandler replaces `_middleware_chain`."""
    message = _broken(
        "django.core.handlers.base.BaseHandler._middleware_chain",
        "portal.core.handlers.PortalASGIHandler",
    )
    handler = ASGIHandler()
    assert callable(getattr(handler, "_middleware_chain", None)), message

    answer = HttpResponse("from the replaced chain")

    async def chain(request):
        return answer

    handler._middleware_chain = chain
    request = RequestFactory().get("/")
    assert asyncio.run(handler.get_response_async(request)) is answer, message

    portal = PortalASGIHandler()
    assert isinstance(portal._middleware_chain, StaticFiles), message


def test_the_database_session_store_loads_through_get_session_from_db():
    """portal.accounts.sessions.SessionStore overrides `_get_session_from_db`."""
    message = _broken(
        "django.contrib.sessions.backends.db.SessionStore._get_session_from_db",
        "portal.accounts.sessions.SessionStore",
    )
    calls: list[str | None] = []

    def counting(key: str) -> SessionStore:
        # An instance attribute, not a subclass: the class's name salts the data.
        store = SessionStore(key)
        read = store._get_session_from_db

        def counted():
            calls.append(store.session_key)
            return read()

        store._get_session_from_db = counted  # type: ignore[method-assign]
        return store

    written = session_db.SessionStore()
    written["probe"] = "read back"
    written.save()
    store = counting(written.session_key)
    assert store["probe"] == "read back", message
    assert calls == [written.session_key], message

    # A missing session clears the key through the base class's setter.
    assert isinstance(session_base.SessionBase._session_key, property), message
    assert session_base.SessionBase._session_key.fset is not None, message
    missing = counting("x" * 32)
    assert missing.load() == {}, message
    assert missing.session_key is None, message


def test_a_query_gives_its_sql_and_parameters():
    """portal.core.sql compiles querysets once with `Query.sql_with_params`."""
    message = _broken(
        "django.db.models.sql.Query.sql_with_params", "portal.core.sql.compiled"
    )
    user = make_user("guard@example.org")
    queryset = get_user_model().objects.filter(pk=user.pk).values_list("pk")
    compiled = queryset.query.sql_with_params()
    assert isinstance(compiled, tuple) and len(compiled) == 2, message
    sql, params = compiled
    assert isinstance(sql, str) and "%s" in sql, message
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        assert cursor.fetchall() == [(user.pk,)], message


def test_otp_normalises_a_session_device_id_as_the_socket_middleware_does():
    """portal.accounts.channels reads the session's device the way OTPMiddleware
    does, through its `_normalize_persistent_id`."""
    message = _broken(
        "django_otp.middleware.OTPMiddleware._normalize_persistent_id",
        "portal.accounts.channels._verified_user",
    )
    normalise = getattr(OTPMiddleware, "_normalize_persistent_id", None)
    assert callable(normalise), message
    current = "otp_totp.totpdevice/4"
    assert normalise(current) == current, message
    assert normalise("django_otp.plugins.otp_totp.models.TOTPDevice/4") == (
        "otp_totp.TOTPDevice/4"
    ), message
