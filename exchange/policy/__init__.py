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

One entry point, `exchange.policy`, over a module per concern: `viewer` (who asks),
`documents`, `people` (the directory), `search` (the indexed access fields and
their filter), `rooms` and `notifications`. Import from here, not from the modules.
"""

from __future__ import annotations

from exchange.policy.documents import (
    Reach,
    can_approve_release,
    can_manage,
    can_prepare_release,
    can_read_access_history,
    can_still_view,
    can_view,
    can_withdraw_release,
    can_work_on_release,
    get_visible_document_or_404,
    may_see_distribution,
    reach_of,
    refusal_reason,
    visible_document_ids,
    visible_documents,
)
from exchange.policy.notifications import (
    can_see_notification,
    visible_notifications,
)
from exchange.policy.people import (
    may_be_named_at,
    may_see_people,
    shared_groups_by_person,
    visible_people,
)
from exchange.policy.rooms import (
    DocumentReference,
    can_enter_room,
    get_visible_room_or_404,
    visible_document_reference,
    visible_rooms,
)
from exchange.policy.search import (
    PUBLIC_TIER,
    document_principals,
    principals_of,
    public_principals,
    search_filter,
)
from exchange.policy.viewer import (
    ANONYMOUS,
    Viewer,
    exchange_tiers_visible_to,
    tiers_visible_to,
    viewer_for,
    viewer_for_user,
)

__all__ = [
    "ANONYMOUS",
    "PUBLIC_TIER",
    "DocumentReference",
    "Reach",
    "Viewer",
    "can_approve_release",
    "can_enter_room",
    "can_manage",
    "can_prepare_release",
    "can_read_access_history",
    "can_see_notification",
    "can_still_view",
    "can_view",
    "can_withdraw_release",
    "can_work_on_release",
    "document_principals",
    "exchange_tiers_visible_to",
    "get_visible_document_or_404",
    "get_visible_room_or_404",
    "may_be_named_at",
    "may_see_distribution",
    "may_see_people",
    "principals_of",
    "public_principals",
    "reach_of",
    "refusal_reason",
    "search_filter",
    "shared_groups_by_person",
    "tiers_visible_to",
    "viewer_for",
    "viewer_for_user",
    "visible_document_ids",
    "visible_document_reference",
    "visible_documents",
    "visible_notifications",
    "visible_people",
    "visible_rooms",
]
