"""Search test fixtures: fresh indices under the test prefix, a corpus, viewers."""

from __future__ import annotations

import datetime

from django.utils import timezone

import pytest

from exchange.models import Document
from exchange.policy import viewer_for_user
from portal.accounts.models import User
from portal.states.models import State
from search.indexing import delete_all_indices, drain, enqueue, ensure_indices


@pytest.fixture
def search_index():
    """Empty indices behind their aliases, removed again after the test."""
    delete_all_indices()
    ensure_indices()
    yield
    delete_all_indices()


def index_now(object_type: str, objects) -> None:
    """Queue these objects and drain with a refresh: searchable on return."""
    enqueue(object_type, [obj.pk for obj in objects])
    drain(refresh=True)


@pytest.fixture
def states(db):
    return {
        s.iso_code: s for s in State.objects.filter(iso_code__in=["NL", "BE", "DE"])
    }


def make_expert(email: str, state: State, clearance: str = "confidential") -> User:
    return User.objects.create_user(
        email,
        state=state,
        clearance=clearance,
        vetted_until=timezone.localdate() + datetime.timedelta(days=90),
    )


@pytest.fixture
def expert(states):
    return make_expert("expert@example.org", states["NL"])


@pytest.fixture
def expert_viewer(expert):
    return viewer_for_user(expert, verified=True)


@pytest.fixture
def owner(states):
    return User.objects.create_user("owner@example.org", state=states["NL"])


def make_document(owner, state, title, *, description="", note="", tier="restricted"):
    return Document.objects.create(
        title=title,
        description=description,
        handling_note=note,
        tier=tier,
        originating_state=state,
        owner=owner,
    )
