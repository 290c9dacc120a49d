"""Giving or taking the editor roles grants or revokes the State's page permissions."""

import pytest

from portal.accounts.actions import assign_role, remove_role
from portal.accounts.models import User
from portal.accounts.roles import Role
from portal.states.models import State
from practices.permissions import state_group_name

pytestmark = pytest.mark.django_db


def editor_of(iso_code: str) -> User:
    return User.objects.create_user(
        f"editor-{iso_code.lower()}@example.org",
        state=State.objects.get(iso_code=iso_code),
    )


def test_assigning_the_editor_role_grants_the_own_state_only(site):
    user = editor_of("NL")
    assign_role(user, Role.STATE_EDITOR, by=None)
    names = set(user.groups.values_list("name", flat=True))
    assert state_group_name(State.objects.get(iso_code="NL")) in names
    assert state_group_name(State.objects.get(iso_code="FI")) not in names


def test_removing_the_last_editing_role_revokes_the_state_group(site):
    user = editor_of("FI")
    assign_role(user, Role.STATE_EDITOR, by=None)
    assign_role(user, Role.FOCAL_POINT, by=None)
    group = state_group_name(State.objects.get(iso_code="FI"))
    remove_role(user, Role.STATE_EDITOR, by=None)
    assert user.groups.filter(name=group).exists(), "the focal point role still edits"
    remove_role(user, Role.FOCAL_POINT, by=None)
    assert not user.groups.filter(name=group).exists()


def test_an_expert_gets_no_state_group(site):
    user = editor_of("FR")
    assign_role(user, Role.VETTED_EXPERT, by=None)
    assert not user.groups.filter(name__startswith="Editors: ").exists()
