"""Who may see a progress record: the exchange policy's tiers plus the record's sharing.

Every progress record carries `SharedRecord`: a tier (public, or a restricted tier of
the exchange policy) and its sharing. A viewer (`exchange.policy.Viewer`, which already
holds conditions 1-3 of the policy: vetted, verified, cleared) sees a record when

- the record is public, or
- its tier is among the viewer's restricted tiers AND the viewer is reached:
  below `highly_confidential`, by the record's own State, a State it is shared with,
  or a partner group it is shared with; at `highly_confidential`, only by name
  (as in the exchange policy, such material is shared with named individuals only).

`visible_records` (querysets: pages, CSV, JSON) and `can_view_record` (one object)
are the only two places that decide this; tests hold them to a reference.
"""

from __future__ import annotations

from typing import TypeVar

from django.conf import settings
from django.db import models
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy

from exchange.policy import Viewer
from portal.tiers import Tier

HIGHLY_CONFIDENTIAL = Tier.HIGHLY_CONFIDENTIAL.value

R = TypeVar("R", bound="SharedRecord")


class SharedRecord(models.Model):
    """A record of one State, with a tier and sharing (the exchange policy's terms)."""

    state = models.ForeignKey(
        "states.State",
        on_delete=models.PROTECT,
        related_name="+",
        help_text=gettext_lazy("The State this record belongs to; it always sees it."),
    )
    tier = models.CharField(
        max_length=32,
        choices=Tier.choices,
        default=Tier.PUBLIC,
        help_text=gettext_lazy(
            "Public, or a tier of the exchange policy seen only through sharing."
        ),
    )
    shared_with_states = models.ManyToManyField(
        "states.State",
        blank=True,
        related_name="+",
        help_text=gettext_lazy(
            "Other States that may see it (below highly confidential)."
        ),
    )
    shared_with_groups = models.ManyToManyField(
        "exchange.PartnerGroup",
        blank=True,
        related_name="+",
        help_text=gettext_lazy(
            "Partner groups that may see it (below highly confidential)."
        ),
    )
    shared_with_users = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="+",
        help_text=gettext_lazy(
            "Named individuals: the only way to share a highly confidential record."
        ),
    )

    class Meta:
        abstract = True

    @property
    def is_public(self) -> bool:
        return self.tier == Tier.PUBLIC


def visible_records(queryset: QuerySet[R], viewer: Viewer) -> QuerySet[R]:
    """The records of `queryset` that `viewer` may see (no duplicates, any filter)."""
    condition = Q(tier=Tier.PUBLIC)
    if viewer.user_id is not None:
        model = queryset.model
        below = [t for t in viewer.restricted_tiers if t != HIGHLY_CONFIDENTIAL]
        if below:
            reach = Q(pk__in=[])
            if viewer.state_id is not None:
                reach |= Q(state_id=viewer.state_id)
                reach |= Q(shared_with_states=viewer.state_id)
            if viewer.group_ids:
                reach |= Q(shared_with_groups__in=list(viewer.group_ids))
            # A subquery keeps M2M joins from duplicating rows (and inflating counts).
            reached = model._base_manager.filter(reach).values("pk")
            condition |= Q(tier__in=below, pk__in=reached)
        if HIGHLY_CONFIDENTIAL in viewer.restricted_tiers:
            named = model._base_manager.filter(shared_with_users=viewer.user_id)
            condition |= Q(tier=HIGHLY_CONFIDENTIAL, pk__in=named.values("pk"))
    return queryset.filter(condition)


def can_view_record(viewer: Viewer, record: SharedRecord) -> bool:
    """Whether `viewer` may see `record` (the object form of `visible_records`)."""
    if record.tier == Tier.PUBLIC:
        return True
    if viewer.user_id is None or not viewer.may_see_tier(record.tier):
        return False
    if record.tier == HIGHLY_CONFIDENTIAL:
        return record.shared_with_users.filter(pk=viewer.user_id).exists()
    if viewer.state_id is not None and (
        record.state_id == viewer.state_id
        or record.shared_with_states.filter(pk=viewer.state_id).exists()
    ):
        return True
    return bool(viewer.group_ids) and (
        record.shared_with_groups.filter(pk__in=viewer.group_ids).exists()
    )


def get_visible_record_or_404(queryset: QuerySet[R], viewer: Viewer, **lookup) -> R:
    """One record by `lookup`; missing and not visible raise the same 404."""
    record = visible_records(queryset, viewer).filter(**lookup).first()
    if record is None:
        raise Http404("No such record.")
    return record
