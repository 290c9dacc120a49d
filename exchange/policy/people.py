"""Who may see the people directory, and whom it shows: vetted experts, by name,
with what they share with the viewer."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db.models import QuerySet
from django.utils import timezone

from exchange.policy.viewer import Viewer
from portal.tiers import Tier

if TYPE_CHECKING:
    from exchange.models import PartnerGroup
    from portal.accounts.models import User

# ---------------------------------------------------------------------------
# People
#
# The people directory and the sharing form's type-ahead name vetted experts to each
# other: a verified expert (conditions 1 and 2) sees every other vetted, active
# expert who has not chosen to be unlisted, with their State. Nobody else sees anyone
# in it: a visitor, an editor, the secretariat or a security officer without their
# own vetting gets the same 404 as for a page that does not exist.
# ---------------------------------------------------------------------------


def may_see_people(viewer: Viewer) -> bool:
    """May `viewer` read the people directory (and its type-ahead)?"""
    return viewer.verified_expert and viewer.user_id is not None


def visible_people(
    viewer: Viewer, *, today: datetime.date | None = None
) -> QuerySet[User]:
    """The vetted experts `viewer` may find by name: active, vetting unexpired,
    listed. Empty for anyone who is not a verified expert."""
    from portal.accounts.models import User

    users = User.objects
    if not may_see_people(viewer):
        return users.none()
    today = today or timezone.localdate()
    return users.filter(is_active=True, vetted_until__gte=today).exclude(
        directory_entry__listed=False
    )


def shared_groups_by_person(
    viewer: Viewer, people: Iterable[User]
) -> dict[int, list[PartnerGroup]]:
    """For each of `people`, the partner groups reaching both them and `viewer` (as
    members or through their States): what the directory says they share. Two
    queries for a whole page."""
    from exchange.models import PartnerGroup

    people = list(people)
    shared: dict[int, list[PartnerGroup]] = {person.pk: [] for person in people}
    if not viewer.group_ids or not people:
        return shared
    groups = list(
        PartnerGroup.objects.filter(pk__in=viewer.group_ids).prefetch_related("states")
    )
    members = PartnerGroup.members.through.objects.filter(
        partnergroup_id__in=[g.pk for g in groups], user_id__in=list(shared)
    ).values_list("partnergroup_id", "user_id")
    named = set(members)
    for group in groups:
        state_ids = {s.pk for s in group.states.all()}
        for person in people:
            if (group.pk, person.pk) in named or person.state_id in state_ids:
                shared[person.pk].append(group)
    return shared


def may_be_named_at(person: User, tier: str) -> bool:
    """Could `person` see a document of `tier` shared with them by name? Their
    clearance and vetting (conditions 1 and 3); the session is theirs to verify."""
    return bool(person.is_vetted() and tier in Tier.at_or_below(person.clearance))
