"""Vetting: the secretariat vets experts; highly confidential takes two approvals."""

from __future__ import annotations

import datetime
from typing import Any, NoReturn

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone

from portal.accounts.actions.roles import assign_role
from portal.accounts.guard import authorised, refuse_self_change
from portal.accounts.models import User, VettingApproval
from portal.accounts.roles import Role, has_role
from portal.audit.actions import record
from portal.audit.models import Outcome
from portal.tiers import Tier


def experts() -> QuerySet[User]:
    """People who are, or are to become, vetted experts."""
    return (
        User.objects.filter(is_active=True)
        .filter(Q(groups__name=Role.VETTED_EXPERT) | Q(invitation__isnull=False))
        .select_related("state", "vetted_by")
        .distinct()
    )


class VettingRefused(PermissionDenied):
    """A vetting or approval that this person may not give; the message says why."""


def _refuse_vetting(
    message: str,
    *,
    by: User,
    expert: User,
    request: HttpRequest | None,
    action: str,
    **details: Any,
) -> NoReturn:
    record(
        action,
        actor=by,
        target=expert,
        outcome=Outcome.DENIED,
        request=request,
        details={"reason": message, **details},
    )
    raise VettingRefused(message)


def vet_expert(
    expert: User,
    *,
    clearance: Tier | str,
    vetted_until: datetime.date,
    by: User,
    request: HttpRequest | None = None,
) -> User:
    """The secretariat records an expert's clearance and vetting expiry.

    Up to confidential it takes effect at once. Highly confidential is the
    secretariat's approval only: it takes effect once the focal point of the expert's
    State approves too (`approve_vetting`); until then the expert keeps what they had.
    """
    clearance = Tier(clearance)
    if not has_role(by, Role.SECRETARIAT):
        _refuse_vetting(
            "Only the secretariat may vet experts.",
            by=by,
            expert=expert,
            request=request,
            action="accounts.vetting_changed",
        )
    refuse_self_change(
        expert,
        by=by,
        action="accounts.vetting_changed",
        request=request,
        clearance=clearance.value,
    )
    if clearance == Tier.HIGHLY_CONFIDENTIAL:
        if expert.state_id is None:
            _refuse_vetting(
                "Highly confidential needs the approval of the focal point of the "
                "expert's State, and this expert belongs to no State.",
                by=by,
                expert=expert,
                request=request,
                action="accounts.vetting_changed",
            )
        _request_highly_confidential(expert, vetted_until, by=by, request=request)
        return expert
    with transaction.atomic():
        # An open approval to highly confidential is superseded by this vetting.
        VettingApproval.objects.filter(
            expert=expert, completed_at__isnull=True
        ).delete()
        _apply_vetting(expert, clearance, vetted_until, by=by, request=request)
    return expert


def _apply_vetting(
    expert: User,
    clearance: Tier,
    vetted_until: datetime.date,
    *,
    by: User | None,
    request: HttpRequest | None,
    approvers: list[User] | None = None,
) -> None:
    # Lock the row so two secretariat members cannot interleave their changes.
    User.objects.select_for_update().filter(pk=expert.pk).first()
    expert.refresh_from_db()
    before = {"clearance": expert.clearance, "vetted_until": expert.vetted_until}
    with authorised():
        expert.clearance = clearance
        expert.vetted_until = vetted_until
        expert.vetted_by = by
        expert.vetted_at = timezone.now()
        expert.save(
            update_fields=["clearance", "vetted_until", "vetted_by", "vetted_at"]
        )
    assign_role(expert, Role.VETTED_EXPERT, by=by, request=request)
    details = {
        "before": before,
        "after": {"clearance": clearance.value, "vetted_until": vetted_until},
    }
    if approvers:
        details["approvers"] = [a.pk for a in approvers]
    record(
        "accounts.vetting_changed",
        actor=by,
        target=expert,
        request=request,
        details=details,
    )


def _request_highly_confidential(
    expert: User,
    vetted_until: datetime.date,
    *,
    by: User,
    request: HttpRequest | None,
) -> VettingApproval:
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=expert.pk).first()
        approval = (
            VettingApproval.objects.select_for_update()
            .filter(expert=expert, completed_at__isnull=True)
            .first()
        )
        if approval is not None and approval.focal_point_approver_id == by.pk:
            approval.delete()  # the same person cannot give the second approval
            approval = None
        if approval is None or approval.vetted_until != vetted_until:
            # A changed request needs both approvals afresh.
            if approval is not None:
                approval.delete()
            approval = VettingApproval.objects.create(
                expert=expert,
                clearance=Tier.HIGHLY_CONFIDENTIAL,
                vetted_until=vetted_until,
            )
        return _approve(approval, by=by, side="secretariat", request=request)


def pending_vetting(expert: User) -> VettingApproval | None:
    """The open approval to highly confidential of `expert`, if any."""
    return VettingApproval.objects.filter(
        expert=expert, completed_at__isnull=True
    ).first()


def vetting_approvals_for(user: User) -> QuerySet[VettingApproval]:
    """The open approvals `user` may give: the secretariat's, or the focal point's
    for experts of their own State; never their own."""
    pending = VettingApproval.objects.filter(completed_at__isnull=True).exclude(
        expert=user
    )
    query = Q(pk__in=[])
    if has_role(user, Role.SECRETARIAT):
        query |= Q(secretariat_approver__isnull=True)
    if has_role(user, Role.FOCAL_POINT) and user.state_id is not None:
        query |= Q(focal_point_approver__isnull=True, expert__state_id=user.state_id)
    return pending.filter(query).select_related("expert", "expert__state")


def approve_vetting(
    approval: VettingApproval, *, by: User, request: HttpRequest | None = None
) -> VettingApproval:
    """The secretariat or the expert's State focal point approves a vetting to
    highly confidential; the second of two different approvers makes it take effect.
    """
    with transaction.atomic():
        locked = VettingApproval.objects.select_for_update().get(pk=approval.pk)
    expert = locked.expert
    action = "accounts.vetting_approved"
    refuse_self_change(expert, by=by, action=action, request=request)
    if locked.is_complete:
        _refuse_vetting(
            "This vetting is already in effect.",
            by=by,
            expert=expert,
            request=request,
            action=action,
        )
    if by.pk in (locked.secretariat_approver_id, locked.focal_point_approver_id):
        _refuse_vetting(
            _SAME_APPROVER, by=by, expert=expert, request=request, action=action
        )
    if has_role(by, Role.SECRETARIAT) and locked.secretariat_approver_id is None:
        side = "secretariat"
    elif (
        has_role(by, Role.FOCAL_POINT)
        and by.state_id is not None
        and by.state_id == expert.state_id
        and locked.focal_point_approver_id is None
    ):
        side = "focal_point"
    else:
        _refuse_vetting(
            "Only the secretariat and the focal point of the expert's State may "
            "approve a vetting to highly confidential.",
            by=by,
            expert=expert,
            request=request,
            action=action,
        )
    with transaction.atomic():
        locked = VettingApproval.objects.select_for_update().get(pk=approval.pk)
        if locked.is_complete or by.pk in (
            locked.secretariat_approver_id,
            locked.focal_point_approver_id,
        ):
            raise VettingRefused(_SAME_APPROVER)  # raced with another approval
        return _approve(locked, by=by, side=side, request=request)


_SAME_APPROVER = (
    "You have already approved this vetting: the second approval must come from "
    "another person."
)


def _approve(
    approval: VettingApproval,
    *,
    by: User,
    side: str,
    request: HttpRequest | None,
) -> VettingApproval:
    setattr(approval, f"{side}_approver", by)
    setattr(approval, f"{side}_approved_at", timezone.now())
    approval.save()
    record(
        "accounts.vetting_approved",
        actor=by,
        target=approval.expert,
        request=request,
        details={
            "approval": approval.pk,
            "as": side,
            "clearance": approval.clearance,
            "vetted_until": approval.vetted_until,
        },
    )
    secretariat, focal_point = (
        approval.secretariat_approver,
        approval.focal_point_approver,
    )
    if secretariat is not None and focal_point is not None:
        approval.completed_at = timezone.now()
        approval.save(update_fields=["completed_at"])
        _apply_vetting(
            approval.expert,
            Tier(approval.clearance),
            approval.vetted_until,
            by=secretariat,
            request=request,
            approvers=[secretariat, focal_point],
        )
    return approval
