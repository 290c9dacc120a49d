"""The policy's view of a person (`Viewer`), from a request or a user, once."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db.models import IntegerField, Q, QuerySet, Value

from portal.core import sql
from portal.tiers import TIER_ORDER, Tier

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser
    from django.http import HttpRequest

    from exchange.models import PartnerGroup
    from portal.accounts.models import User


@dataclass(frozen=True)
class Viewer:
    """What the policy needs to know about the person behind a request."""

    user_id: int | None = None
    state_id: int | None = None
    group_ids: frozenset[int] = field(default_factory=frozenset)
    # Tiers above public this viewer may see; empty unless vetted, verified and cleared.
    restricted_tiers: tuple[str, ...] = ()
    # Conditions 1 and 2: active, vetted and unexpired, session verified. Without
    # them no exchange material is visible at all, not even a public-tier document.
    verified_expert: bool = False
    # The State whose documents this viewer may manage as its focal point, if any.
    focal_point_state_id: int | None = None

    @property
    def is_cleared(self) -> bool:
        return bool(self.restricted_tiers)

    def may_see_tier(self, tier: str) -> bool:
        return tier == Tier.PUBLIC or tier in self.restricted_tiers


ANONYMOUS = Viewer()


def viewer_for_user(user: User | AnonymousUser | None, *, verified: bool) -> Viewer:
    """The policy's view of `user`; `verified`: the session passed a second factor.

    A user without an id (not saved) is anonymous: a None id in the group and role
    queries would match every group that has no members by name.
    """
    if user is None or not user.is_authenticated or not user.is_active:
        return ANONYMOUS
    if user.pk is None:
        return ANONYMOUS
    group_ids, focal_point_role = _groups_and_focal_point(user)
    restricted: tuple[str, ...] = ()
    expert = bool(verified and user.is_vetted())
    if expert:
        restricted = tuple(
            t for t in Tier.at_or_below(user.clearance) if t != Tier.PUBLIC
        )
    focal_point = user.state_id if focal_point_role else None
    return Viewer(
        user_id=user.pk,
        state_id=user.state_id,
        group_ids=group_ids,
        restricted_tiers=restricted,
        verified_expert=expert,
        focal_point_state_id=focal_point,
    )


_REQUEST_CACHE = "_exchange_policy_viewer"


def viewer_for(request: HttpRequest) -> Viewer:
    """The policy's view of the person behind `request` (anonymous when signed out).

    Worked out once per request: the facts it reads cannot change within one.
    """
    cached = getattr(request, _REQUEST_CACHE, None)
    if isinstance(cached, Viewer):
        return cached
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return ANONYMOUS
    viewer = viewer_for_user(user, verified=bool(user.is_verified()))
    setattr(request, _REQUEST_CACHE, viewer)
    return viewer


_FOCAL_POINT_MARK = -1


def _groups_and_focal_point(user: User) -> tuple[frozenset[int], bool]:
    """The partner groups reaching `user` (as a member or through their State), and
    whether they hold the focal point role: one query, read on every request."""
    found = sql.rows(_reach_of_user, (user.pk, user.state_id))
    ids = {pk for (pk,) in found}
    return frozenset(ids - {_FOCAL_POINT_MARK}), _FOCAL_POINT_MARK in ids


def _reach_of_user(
    user_id: int, state_id: int | None
) -> QuerySet[PartnerGroup, tuple[int]]:
    """The ids of the user's partner groups, and the mark if they are a focal point."""
    from exchange.models import PartnerGroup
    from portal.accounts.roles import Role, role_groups_of

    query = Q(members=user_id)
    if state_id:
        query |= Q(states=state_id)
    # Unordered: SQLite refuses ORDER BY (the models' default) inside a UNION.
    groups = PartnerGroup.objects.filter(query).order_by().values_list("pk")
    role = (
        role_groups_of(user_id, Role.FOCAL_POINT)
        .order_by()
        .annotate(mark=Value(_FOCAL_POINT_MARK, output_field=IntegerField()))
        .values_list("mark")
    )
    return groups.union(role, all=True)


def tiers_visible_to(viewer: Viewer) -> list[str]:
    """Every tier `viewer` may see, public included, in policy order."""
    return [t for t in TIER_ORDER if viewer.may_see_tier(t)]


def exchange_tiers_visible_to(viewer: Viewer) -> list[str]:
    """Tiers of exchange documents `viewer` may see: none unless conditions 1-2 hold."""
    if not viewer.verified_expert or viewer.user_id is None:
        return []
    return tiers_visible_to(viewer)
