"""The exchange policy: who may see what. Every channel asks here, and only here.

A user may see restricted material only when all hold (see docs/exchange-policy.md):
1. the account is active, vetted, and the vetting has not expired;
2. the session has been verified with a second factor;
3. clearance >= the material's tier;
4. the material is neither revoked nor past its expiry;
5. the user is reached by its sharing (their State, one of their groups, or by name;
   highly_confidential only by name).

`Viewer` captures conditions 1-3 and the principals of condition 5 once per request,
so that object checks, querysets and search filters all start from the same facts.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import IntegerField, Q, QuerySet, Value
from django.db.models.functions import Now
from django.http import Http404
from django.utils import timezone

from portal.core import sql
from portal.tiers import TIER_ORDER, Tier

if TYPE_CHECKING:
    from exchange.models import Document


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


def viewer_for_user(user, *, verified: bool) -> Viewer:
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


def viewer_for(request) -> Viewer:
    """The policy's view of the person behind `request` (anonymous when signed out).

    Worked out once per request: the facts it reads cannot change within one.
    """
    cached = getattr(request, _REQUEST_CACHE, None)
    if cached is not None:
        return cached
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return ANONYMOUS
    viewer = viewer_for_user(user, verified=bool(user.is_verified()))
    setattr(request, _REQUEST_CACHE, viewer)
    return viewer


_FOCAL_POINT_MARK = -1


def _groups_and_focal_point(user) -> tuple[frozenset[int], bool]:
    """The partner groups reaching `user` (as a member or through their State), and
    whether they hold the focal point role: one query, read on every request."""
    found = sql.rows(_reach_of_user, (user.pk, user.state_id))
    ids = {pk for (pk,) in found}
    return frozenset(ids - {_FOCAL_POINT_MARK}), _FOCAL_POINT_MARK in ids


def _reach_of_user(user_id: int, state_id: int | None) -> QuerySet:
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


# --- Documents: one object, a queryset, and the search filter, all from one rule.


def _is_live(document: Document, now: datetime.datetime) -> bool:
    """Condition 4: neither revoked nor past its expiry."""
    return not document.revoked and (
        document.expires_at is None or document.expires_at > now
    )


def _reaches(viewer: Viewer, document: Document) -> bool:
    """Condition 5: the viewer is reached by the document's sharing."""
    if viewer.user_id is not None and any(
        u.pk == viewer.user_id for u in document.shared_users.all()
    ):
        return True
    if document.tier == Tier.HIGHLY_CONFIDENTIAL:
        # Named individuals only: neither the originating State nor groups reach it.
        return False
    if viewer.state_id is not None and (
        document.originating_state_id == viewer.state_id
        or any(s.pk == viewer.state_id for s in document.shared_states.all())
    ):
        return True
    return any(g.pk in viewer.group_ids for g in document.shared_groups.all())


def can_view(
    viewer: Viewer, document: Document, *, now: datetime.datetime | None = None
) -> bool:
    """May `viewer` see `document` (its title included)? All five conditions."""
    now = now or timezone.now()
    return (
        document.tier in exchange_tiers_visible_to(viewer)
        and _is_live(document, now)
        and _reaches(viewer, document)
    )


def can_manage(viewer: Viewer, document: Document) -> bool:
    """May `viewer` widen sharing, change the tier, add versions, revoke, set expiry?

    Only the owner or the originating State's focal point, and only while they can
    see the document themselves: recipients never re-share.
    """
    if not can_view(viewer, document):
        return False
    return document.owner_id == viewer.user_id or (
        viewer.focal_point_state_id is not None
        and viewer.focal_point_state_id == document.originating_state_id
    )


def may_see_distribution(viewer: Viewer, document: Document) -> bool:
    """May `viewer` see the document's whole sharing (every State, group, person)?

    Need-to-know: only those who may manage it. A recipient learns only how it
    reaches them (`reach_of`), never who else holds it.
    """
    return can_manage(viewer, document)


def can_read_access_history(viewer: Viewer, document: Document) -> bool:
    """May `viewer` read who accessed `document` (its access receipts)?

    The originating side only, the same people who manage it: the owner and the
    originating State's focal point, while they can see the document. Recipients,
    other States and security officers without sharing learn nothing of it.
    """
    return can_manage(viewer, document)


def can_prepare_release(viewer: Viewer, document: Document) -> bool:
    """May `viewer` start a public good practice from `document`?

    Those who manage it: the owner and the originating State's focal point.
    """
    return can_manage(viewer, document)


def can_work_on_release(
    viewer: Viewer, source: Document, *, edits_state_pages: bool = False
) -> bool:
    """May `viewer` see a release's draft beside its restricted `source`?

    Only someone who may see the source: those who manage it, and the originating
    State's page editors (`edits_state_pages`: they may edit the draft in the
    State's section) who are reached by its sharing. Everyone else gets the same
    404 as for a hidden document.
    """
    if not can_view(viewer, source):
        return False
    return can_manage(viewer, source) or (
        edits_state_pages and viewer.state_id == source.originating_state_id
    )


def can_approve_release(viewer: Viewer, source: Document) -> bool:
    """May `viewer` approve releasing a practice prepared from `source`? The
    originating State's focal point, who can see the source; not the owner alone."""
    return (
        can_view(viewer, source)
        and viewer.focal_point_state_id is not None
        and viewer.focal_point_state_id == source.originating_state_id
    )


def can_withdraw_release(viewer: Viewer, source: Document) -> bool:
    """May `viewer` withdraw the public practice prepared from `source`? The
    originator: its owner or the originating State's focal point."""
    return can_manage(viewer, source)


def reach_of(viewer: Viewer, document: Document) -> dict[str, Any]:
    """How `document` reaches `viewer`, for a recipient's eyes: by name, through
    their own State (the originating one or a shared one), through those of their
    partner groups it is shared with. Empty when it does not reach them."""
    reach: dict[str, Any] = {"by_name": False, "state": None, "groups": []}
    if viewer.user_id is not None and any(
        u.pk == viewer.user_id for u in document.shared_users.all()
    ):
        reach["by_name"] = True
    if document.tier == Tier.HIGHLY_CONFIDENTIAL:
        return reach
    if viewer.state_id is not None:
        if document.originating_state_id == viewer.state_id:
            reach["state"] = document.originating_state
        else:
            reach["state"] = next(
                (s for s in document.shared_states.all() if s.pk == viewer.state_id),
                None,
            )
    reach["groups"] = [
        g for g in document.shared_groups.all() if g.pk in viewer.group_ids
    ]
    return reach


def refusal_reason(
    viewer: Viewer, document: Document, *, now: datetime.datetime | None = None
) -> str:
    """Why `viewer` may not manage `document`, as an audit reason code.

    Only for those already refused: it names the document's state, which the
    refused person may learn only when they could manage it a moment before.
    """
    now = now or timezone.now()
    if document.revoked:
        return "revoked"
    if not _is_live(document, now):
        return "expired"
    return "not_allowed"


def visible_documents(
    viewer: Viewer, *, now: datetime.datetime | Now | None = None
) -> QuerySet[Document]:
    """Every document `viewer` may see: the database form of `can_view`.

    Sharing is matched with subqueries rather than joins so that the queryset has
    no duplicates and counts stay exact. `now` may be the database's clock (`Now()`)
    for a query compiled once and run later.
    """
    from exchange.models import Document

    tiers = exchange_tiers_visible_to(viewer)
    user_id = viewer.user_id
    if not tiers or user_id is None:
        return Document.objects.none()
    now = now or timezone.now()
    through = Document.shared_users.through
    reach = Q(pk__in=through.objects.filter(user_id=user_id).values("document_id"))
    by_state_or_group = Q(pk__in=[])
    if viewer.state_id is not None:
        by_state_or_group |= Q(originating_state_id=viewer.state_id) | Q(
            pk__in=Document.shared_states.through.objects.filter(
                state_id=viewer.state_id
            ).values("document_id")
        )
    if viewer.group_ids:
        by_state_or_group |= Q(
            pk__in=Document.shared_groups.through.objects.filter(
                partnergroup_id__in=viewer.group_ids
            ).values("document_id")
        )
    reach |= by_state_or_group & ~Q(tier=Tier.HIGHLY_CONFIDENTIAL)
    live = Q(revoked=False) & (Q(expires_at__isnull=True) | Q(expires_at__gt=now))
    return Document.objects.filter(Q(tier__in=tiers) & live & reach)


def visible_document_ids(viewer: Viewer, ids: Iterable[int]) -> set[int]:
    """Those of `ids` that `viewer` may see now: `visible_documents` narrowed to them.

    Search re-checks every page of hits with it. The policy's SQL depends on the
    viewer alone (the clock is the database's), so it is compiled once per viewer
    (`portal.core.sql`) and each call only runs it, over the current rows.
    """
    wanted = sorted({int(pk) for pk in ids})
    if not wanted or not exchange_tiers_visible_to(viewer):
        return set()
    found = sql.rows(_visible_ids, (viewer,), where_in=("id", wanted))
    return {pk for (pk,) in found}


def can_still_view(viewer: Viewer, document_id: int) -> bool:
    """The one-object check for a read that outlasts its request (a download
    stream): may `viewer` still see the document, by the current rows and the
    database's clock? One compiled query (`visible_document_ids`)."""
    return document_id in visible_document_ids(viewer, [document_id])


def _visible_ids(viewer: Viewer) -> QuerySet:
    return visible_documents(viewer, now=Now()).order_by().values_list("id")


def get_visible_document_or_404(viewer: Viewer, pk: Any) -> Document:
    """The document `pk` if `viewer` may see it; the same 404 when absent or denied."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404("No such document.") from None
    document = (
        visible_documents(viewer)
        .filter(pk=pk)
        .select_related("originating_state", "owner")
        .first()
    )
    if document is None:
        raise Http404("No such document.")
    return document


# --- Search: the fields each indexed item carries, and the filter over them.

PUBLIC_TIER = Tier.PUBLIC.value


def document_principals(document: Document) -> dict[str, Any]:
    """The access facts to index with `document` (field name -> value).

    `restricted` is True for all exchange material; public material (good practices,
    pages) must be indexed with `tier="public"` and `restricted=False`, which is how
    `search_filter` tells them apart: an item missing these fields matches nothing.
    """
    return principals_of(
        tier=document.tier,
        originating_state_id=document.originating_state_id,
        state_ids=[s.pk for s in document.shared_states.all()],
        group_ids=[g.pk for g in document.shared_groups.all()],
        user_ids=[u.pk for u in document.shared_users.all()],
        revoked=document.revoked,
        expires_at=document.expires_at,
    )


def principals_of(
    *,
    tier: str,
    originating_state_id: int,
    state_ids: Iterable[int],
    group_ids: Iterable[int],
    user_ids: Iterable[int],
    revoked: bool,
    expires_at: datetime.datetime | None,
) -> dict[str, Any]:
    """`document_principals` from a document's plain facts (the rebuild reads them in
    bulk, without model instances). The originating State is listed among the States
    it reaches; a highly confidential document lists named users only."""
    if tier == Tier.HIGHLY_CONFIDENTIAL:
        states: list[int] = []
        groups: list[int] = []
    else:
        states = sorted({originating_state_id, *state_ids})
        groups = sorted(set(group_ids))
    return {
        "restricted": True,
        "tier": tier,
        "states": states,
        "groups": groups,
        "users": sorted(set(user_ids)),
        "revoked": bool(revoked),
        "expires_at": expires_at.isoformat() if expires_at else None,
    }


def public_principals() -> dict[str, Any]:
    """The access facts to index with public material."""
    return {"restricted": False, "tier": PUBLIC_TIER}


def search_filter(viewer: Viewer, *, prefix: str = "") -> dict[str, Any]:
    """The Elasticsearch filter clause of everything `viewer` may find.

    A plain dict for `elasticsearch_dsl.Q(...)`, over the fields of
    `document_principals` (optionally under `prefix`, e.g. "access."). It fails
    closed: a viewer who may see no exchange material gets a filter that matches
    public material only, and public material must declare itself as such. Expiry is
    checked by Elasticsearch against its own "now", so a cached filter never lets an
    expired document through.
    """

    def f(name: str) -> str:
        return f"{prefix}{name}"

    public = {
        "bool": {
            "filter": [
                {"term": {f("restricted"): False}},
                {"term": {f("tier"): PUBLIC_TIER}},
            ]
        }
    }
    tiers = exchange_tiers_visible_to(viewer)
    user_id = viewer.user_id
    if not tiers or user_id is None:
        return public
    reach: list[dict[str, Any]] = [{"terms": {f("users"): [user_id]}}]
    not_highly_confidential = {"term": {f("tier"): Tier.HIGHLY_CONFIDENTIAL.value}}
    if viewer.state_id is not None:
        reach.append(
            {
                "bool": {
                    "filter": [{"terms": {f("states"): [viewer.state_id]}}],
                    "must_not": [not_highly_confidential],
                }
            }
        )
    if viewer.group_ids:
        reach.append(
            {
                "bool": {
                    "filter": [{"terms": {f("groups"): sorted(viewer.group_ids)}}],
                    "must_not": [not_highly_confidential],
                }
            }
        )
    exchange = {
        "bool": {
            "filter": [
                {"term": {f("restricted"): True}},
                {"terms": {f("tier"): tiers}},
                {"term": {f("revoked"): False}},
                {
                    "bool": {
                        "should": [
                            {
                                "bool": {
                                    "must_not": [{"exists": {"field": f("expires_at")}}]
                                }
                            },
                            {"range": {f("expires_at"): {"gt": "now"}}},
                        ],
                        "minimum_should_match": 1,
                    }
                },
                {"bool": {"should": reach, "minimum_should_match": 1}},
            ]
        }
    }
    return {"bool": {"should": [public, exchange], "minimum_should_match": 1}}


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


def visible_people(viewer: Viewer, *, today: datetime.date | None = None) -> QuerySet:
    """The vetted experts `viewer` may find by name: active, vetting unexpired,
    listed. Empty for anyone who is not a verified expert."""
    from django.contrib.auth import get_user_model

    users = get_user_model().objects
    if not may_see_people(viewer):
        return users.none()
    today = today or timezone.localdate()
    return users.filter(is_active=True, vetted_until__gte=today).exclude(
        directory_entry__listed=False
    )


def shared_groups_by_person(viewer: Viewer, people: Iterable) -> dict[int, list]:
    """For each of `people`, the partner groups reaching both them and `viewer` (as
    members or through their States): what the directory says they share. Two
    queries for a whole page."""
    from exchange.models import PartnerGroup

    people = list(people)
    shared: dict[int, list] = {person.pk: [] for person in people}
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


def may_be_named_at(person, tier: str) -> bool:
    """Could `person` see a document of `tier` shared with them by name? Their
    clearance and vetting (conditions 1 and 3); the session is theirs to verify."""
    return bool(person.is_vetted() and tier in Tier.at_or_below(person.clearance))


# ---------------------------------------------------------------------------
# Rooms
#
# A coordination room is seen by the members of its partner group (by State or by
# name) who are cleared (vetted, unexpired, verified session) for the room's tier,
# while the room is not archived. Messages, presence and mentions of a room are seen
# exactly by those who may enter it; a document a message points at is shown only to
# those of them who may see the document. Channels ask here and only here.
# ---------------------------------------------------------------------------


def can_enter_room(viewer: Viewer, room) -> bool:
    """May `viewer` see `room`, its messages and who is in it?"""
    return bool(
        room is not None
        and viewer.user_id is not None
        and viewer.is_cleared
        and room.archived_at is None
        and room.group_id in viewer.group_ids
        and viewer.may_see_tier(room.tier)
    )


def visible_rooms(viewer: Viewer):
    """Every room `viewer` may enter, as a queryset."""
    from exchange.coordination.models import Room

    if viewer.user_id is None or not viewer.is_cleared:
        return Room.objects.none()
    return Room.objects.filter(
        group_id__in=viewer.group_ids,
        tier__in=tiers_visible_to(viewer),
        archived_at__isnull=True,
    )


def get_visible_room_or_404(viewer: Viewer, room_id: int):
    """The room, or Http404 whether it is missing or hidden from `viewer`."""
    from django.http import Http404

    room = visible_rooms(viewer).select_related("group").filter(pk=room_id).first()
    if room is None:
        raise Http404("No such room.")
    return room


def visible_notifications(viewer: Viewer):
    """The viewer's own notifications, less those pointing at what they cannot see."""
    from exchange.coordination.models import Notification

    if viewer.user_id is None:
        return Notification.objects.none()
    return (
        Notification.objects.filter(user_id=viewer.user_id)
        .filter(Q(room__isnull=True) | Q(room__in=visible_rooms(viewer)))
        .filter(Q(document__isnull=True) | Q(document__in=visible_documents(viewer)))
    )


def can_see_notification(viewer: Viewer, notification) -> bool:
    """The object check matching `visible_notifications`."""
    if viewer.user_id is None or notification.user_id != viewer.user_id:
        return False
    if notification.document_id is not None and not can_view(
        viewer, notification.document
    ):
        return False
    return notification.room_id is None or can_enter_room(viewer, notification.room)


def visible_document_reference(
    viewer: Viewer, document, *, ceiling: str | None = None
) -> dict | None:
    """A message's document reference as `viewer` may see it: None when hidden.

    `ceiling`: the message's tier; a document raised above it is withdrawn from the
    message for everyone (the room's high-water mark)."""
    if document is None or not can_view(viewer, document):
        return None
    if ceiling is not None and TIER_ORDER.index(document.tier) > TIER_ORDER.index(
        ceiling
    ):
        return None
    return {
        "id": document.pk,
        "title": document.title,
        "url": document.get_absolute_url(),
    }
