"""Documents: one object, a queryset, and the same 404 for missing and denied."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, TypedDict

from django.db.models import Q, QuerySet
from django.db.models.functions import Now
from django.http import Http404
from django.utils import timezone

from exchange.policy.viewer import Viewer, exchange_tiers_visible_to
from portal.core import sql
from portal.tiers import Tier

if TYPE_CHECKING:
    from exchange.models import Document, PartnerGroup
    from portal.states.models import State


class Reach(TypedDict):
    """How a document reaches one recipient (`reach_of`)."""

    by_name: bool
    state: State | None
    groups: list[PartnerGroup]


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
    originator: its owner or the originating State's focal point, verified and
    vetted, at any time: also once the source is revoked or expired, since taking
    a page back off the public site reveals nothing of the source."""
    if not viewer.verified_expert or viewer.user_id is None:
        return False
    return source.owner_id == viewer.user_id or (
        viewer.focal_point_state_id is not None
        and viewer.focal_point_state_id == source.originating_state_id
    )


def reach_of(viewer: Viewer, document: Document) -> Reach:
    """How `document` reaches `viewer`, for a recipient's eyes: by name, through
    their own State (the originating one or a shared one), through those of their
    partner groups it is shared with. Empty when it does not reach them."""
    reach: Reach = {"by_name": False, "state": None, "groups": []}
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


def _visible_ids(viewer: Viewer) -> QuerySet[Document, tuple[int]]:
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
