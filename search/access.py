"""The exchange policy as search uses it: access fields to index and the query filter.

Everything here fails closed: if the policy cannot produce a filter for a viewer,
the viewer is treated as anonymous and finds public material only.
"""

from __future__ import annotations

import logging
from typing import Any

from exchange import policy

logger = logging.getLogger(__name__)

ACCESS_PREFIX = "access."

# Public material only: what anyone may find, and the filter when anything fails.
PUBLIC_ONLY_FILTER: dict[str, Any] = {
    "bool": {
        "filter": [
            {"term": {"access.restricted": False}},
            {"term": {"access.tier": "public"}},
        ]
    }
}


def public_access() -> dict[str, Any]:
    """The access fields of public material (a page, a public progress record)."""
    return policy.public_principals()


def viewer_filter(viewer: policy.Viewer) -> dict[str, Any]:
    """The Elasticsearch filter clause of everything `viewer` may find."""
    try:
        clause = policy.search_filter(viewer, prefix=ACCESS_PREFIX)
    except Exception:
        logger.exception("search: the policy filter failed; serving public results")
        return PUBLIC_ONLY_FILTER
    if not isinstance(clause, dict) or not clause:
        return PUBLIC_ONLY_FILTER
    return clause


def can_view_document(viewer: policy.Viewer, document) -> bool:
    """The policy's object check (defence in depth after the query's filter)."""
    try:
        return bool(policy.can_view(viewer, document))
    except Exception:
        logger.exception("search: the policy check failed; hiding the document")
        return False


def visible_documents(viewer: policy.Viewer):
    """The queryset of exchange documents `viewer` may see."""
    return policy.visible_documents(viewer)


def visible_document_ids(viewer: policy.Viewer, ids) -> set[int]:
    """Those of `ids` that `viewer` may see now, per the database."""
    return policy.visible_document_ids(viewer, ids)


def viewer_for(request) -> policy.Viewer:
    try:
        return policy.viewer_for(request)
    except Exception:
        logger.exception("search: could not build the viewer; treating as anonymous")
        return policy.ANONYMOUS


def may_see_tiers(viewer: policy.Viewer) -> bool:
    """Whether the tier facet is shown: only to the cleared."""
    return bool(getattr(viewer, "restricted_tiers", ()))
