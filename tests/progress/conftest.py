"""Fixtures for the progress tests: people with roles, and records made by actions."""

from __future__ import annotations

import datetime

from django.contrib.auth.models import Group
from django.utils import timezone

import pytest

from exchange.policy import viewer_for_user
from portal.accounts.guard import authorised
from portal.accounts.models import User
from portal.accounts.roles import Role
from portal.states.models import State


def make_person(
    iso: str | None = "NL",
    *,
    roles: tuple[Role, ...] = (),
    clearance: str = "public",
    vetted: bool = True,
    name: str = "",
) -> User:
    first, _, last = name.partition(" ")
    user = User.objects.create_user(
        f"person{User.objects.count()}-{iso or 'none'}@example.org",
        state=State.objects.get(iso_code=iso) if iso else None,
        clearance=clearance,
        vetted_until=(timezone.localdate() + datetime.timedelta(days=90))
        if vetted
        else None,
        first_name=first,
        last_name=last,
    )
    with authorised():  # a fixture: the role's group, without State editing
        for role in roles:
            user.groups.add(Group.objects.get_or_create(name=str(role))[0])
    return user


def verified_viewer(user: User):
    return viewer_for_user(user, verified=True)


@pytest.fixture
def editor_nl(db) -> User:
    return make_person(
        "NL", roles=(Role.STATE_EDITOR,), clearance="confidential", name="Anna Visser"
    )


@pytest.fixture
def editor_be(db) -> User:
    return make_person(
        "BE", roles=(Role.STATE_EDITOR,), clearance="confidential", name="Luc Peeters"
    )


@pytest.fixture
def focal_point_nl(db) -> User:
    return make_person(
        "NL", roles=(Role.FOCAL_POINT,), clearance="confidential", name="Pieter Bos"
    )


def make_commitment_status(by: User, *, tier: str, statement: str = "", **extra):
    """A commitment status of `by`'s State, made by the real action."""
    from practices.progress import actions
    from practices.progress.models import CommitmentStatus

    values = {"commitment": "1", "status": "in_progress", "evidence": ""}
    values |= {"statement": statement, "tier": tier, **extra}
    return actions.create_record(
        CommitmentStatus, by=by, viewer=verified_viewer(by), values=values
    )
