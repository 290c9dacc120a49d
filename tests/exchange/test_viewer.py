"""The policy's view of a user: conditions 1-3 of the exchange policy and principals."""

import datetime

from django.utils import timezone

import pytest

from exchange.actions import change_partner_group
from exchange.models import PartnerGroup
from exchange.policy import ANONYMOUS, viewer_for_user
from portal.accounts.models import User
from portal.states.models import State

pytestmark = pytest.mark.django_db


def make_user(**extra):
    defaults = {
        "state": State.objects.get(iso_code="NL"),
        "clearance": "confidential",
        "vetted_until": timezone.localdate() + datetime.timedelta(days=30),
    }
    defaults.update(extra)
    return User.objects.create_user(f"u{User.objects.count()}@example.org", **defaults)


def test_a_vetted_verified_user_sees_the_tiers_up_to_their_clearance():
    viewer = viewer_for_user(make_user(), verified=True)
    assert viewer.restricted_tiers == ("restricted", "confidential")
    assert viewer.may_see_tier("public")
    assert not viewer.may_see_tier("highly_confidential")


def test_an_unverified_session_sees_no_restricted_tier():
    assert viewer_for_user(make_user(), verified=False).restricted_tiers == ()


def test_expired_vetting_removes_restricted_tiers_at_once():
    user = make_user(vetted_until=timezone.localdate() - datetime.timedelta(days=1))
    assert not viewer_for_user(user, verified=True).is_cleared


def test_an_inactive_account_is_anonymous():
    assert viewer_for_user(make_user(is_active=False), verified=True) == ANONYMOUS


def test_groups_reach_users_by_state_or_by_name():
    user = make_user()
    by_state = PartnerGroup.objects.create(name="Benelux", slug="benelux")
    change_partner_group(by_state, add_states=[user.state], by=None)
    by_name = PartnerGroup.objects.create(name="Forensics", slug="forensics")
    change_partner_group(by_name, add_members=[user], by=None)
    PartnerGroup.objects.create(name="Other", slug="other")
    assert viewer_for_user(user, verified=True).group_ids == {by_state.pk, by_name.pk}


def test_a_user_not_yet_saved_is_anonymous_and_reaches_no_group():
    """Without an id the group and role queries would match `members IS NULL`:
    every group nobody joined by name, and a role group nobody holds."""
    PartnerGroup.objects.create(name="States only", slug="states-only")
    unsaved = User(
        email="unsaved@example.org",
        state=State.objects.get(iso_code="NL"),
        clearance="confidential",
        vetted_until=timezone.localdate() + datetime.timedelta(days=30),
    )
    viewer = viewer_for_user(unsaved, verified=True)
    assert viewer == ANONYMOUS
    assert not viewer.group_ids and viewer.focal_point_state_id is None
