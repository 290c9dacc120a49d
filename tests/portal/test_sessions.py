"""The session store reads what Django's database store writes, and nothing expired."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib.sessions.backends import db
from django.contrib.sessions.models import Session
from django.utils import timezone

import pytest

from portal.accounts.sessions import SessionStore
from portal.core import sql

pytestmark = pytest.mark.django_db


def test_the_portal_uses_this_store():
    assert settings.SESSION_ENGINE == "portal.accounts.sessions"


def test_a_saved_session_reads_back_as_django_reads_it():
    written = db.SessionStore()
    written.update({"_auth_user_id": "7", "nested": {"a": [1, 2]}})
    written.save()
    mine = SessionStore(written.session_key)
    assert dict(mine.items()) == dict(db.SessionStore(written.session_key).items())
    assert mine["nested"] == {"a": [1, 2]}
    assert mine.session_key == written.session_key


def test_an_expired_or_unknown_session_is_empty_and_gets_a_new_key():
    written = SessionStore()
    written["_auth_user_id"] = "7"
    written.save()
    Session.objects.filter(session_key=written.session_key).update(
        expire_date=timezone.now() - datetime.timedelta(seconds=1)
    )
    for key in (written.session_key, "no-such-session-key-0123456789"):
        store = SessionStore(key)
        assert dict(store.items()) == {}
        assert store.session_key is None  # a new one is made on save, never reused
        store["fresh"] = True
        store.save()
        assert store.session_key != key


def test_the_compiled_statement_sees_expiry_after_it_was_compiled():
    store = SessionStore()
    store["_auth_user_id"] = "7"
    store.save()
    assert SessionStore(store.session_key)["_auth_user_id"] == "7"
    hits = sql.compiled.cache_info().hits
    Session.objects.filter(session_key=store.session_key).update(
        expire_date=timezone.now() - datetime.timedelta(seconds=1)
    )
    assert dict(SessionStore(store.session_key).items()) == {}
    assert sql.compiled.cache_info().hits > hits  # run again, not rebuilt
