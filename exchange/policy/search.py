"""Search: the access fields each indexed item carries, and the filter over them."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from exchange.policy.viewer import Viewer, exchange_tiers_visible_to
from portal.tiers import Tier

if TYPE_CHECKING:
    from exchange.models import Document

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
