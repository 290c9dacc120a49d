"""Writing progress records: named, atomic, validated, historised and audited actions.

Only a State's editors and focal points write their own State's records, and only
records they may see (a tier within their clearance, reached by their State or by
name). Everything else is "not found", as in the exchange policy. A refused write
changes nothing: validation runs inside the transaction before anything is saved.
"""

from __future__ import annotations

from typing import Any, cast

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext

from exchange.policy import Viewer
from portal.accounts.roles import Role, has_role
from portal.audit.actions import record as audit
from practices.progress.models import (
    PeerReviewMission,
    ProgressPublication,
    ProgressRecord,
    Recommendation,
    RecordChange,
)
from practices.progress.visibility import (
    HIGHLY_CONFIDENTIAL,
    can_view_record,
    visible_records,
)

SHARING_FIELDS = ("shared_with_states", "shared_with_groups", "shared_with_users")
EDITOR_ROLES = (Role.STATE_EDITOR, Role.FOCAL_POINT)


def is_progress_editor(user) -> bool:
    """An editor or focal point of a State: may edit that State's progress records."""
    return bool(
        getattr(user, "is_authenticated", False)
        and user.is_active
        and user.state_id
        and any(has_role(user, role) for role in EDITOR_ROLES)
    )


def editable_records(
    model: type[ProgressRecord], user, viewer: Viewer
) -> models.QuerySet:
    """The records of `model` that `user` may edit: their State's, and visible."""
    if not is_progress_editor(user):
        return model._default_manager.none()
    return visible_records(
        model._default_manager.filter(state_id=user.state_id), viewer
    )


def may_edit(user, viewer: Viewer, record: ProgressRecord) -> bool:
    return (
        is_progress_editor(user)
        and record.state_id == user.state_id
        and can_view_record(viewer, record)
    )


def snapshot(record: ProgressRecord, *, with_sharing: bool = True) -> dict[str, Any]:
    """The record's editable values and visibility, JSON-ready, for its history."""
    values: dict[str, Any] = {"tier": record.tier}
    for name in record.editable_fields:
        field = cast("models.Field[Any, Any]", record._meta.get_field(name))
        value = getattr(record, field.attname)
        values[name] = value.isoformat() if hasattr(value, "isoformat") else value
    if record.pk and with_sharing:
        for name in SHARING_FIELDS:
            values[name] = sorted(getattr(record, name).values_list("pk", flat=True))
    return values


def validate_sharing(tier: str, sharing: dict[str, list]) -> None:
    """Highly confidential goes to named people only; named people only to it."""
    if tier == HIGHLY_CONFIDENTIAL:
        if sharing.get("shared_with_states") or sharing.get("shared_with_groups"):
            raise ValidationError(
                {
                    "tier": gettext(
                        "A highly confidential record is shared with named "
                        "individuals only, not with States or groups."
                    )
                }
            )
    elif sharing.get("shared_with_users"):
        raise ValidationError(
            {
                "shared_with_users": gettext(
                    "Named individuals are for highly confidential "
                    "records only; share other tiers with States or groups."
                )
            }
        )


def create_record(
    model: type[ProgressRecord],
    *,
    by,
    viewer: Viewer,
    values: dict[str, Any],
    sharing: dict[str, list] | None = None,
    request=None,
) -> ProgressRecord:
    """Create a record of the editor's own State."""
    if not is_progress_editor(by):
        _deny(by, model._meta.label_lower, "", request)
    record = model(state_id=by.state_id)
    return _write(
        record, by=by, viewer=viewer, values=values, sharing=sharing, request=request
    )


def update_record(
    record: ProgressRecord,
    *,
    by,
    viewer: Viewer,
    values: dict[str, Any],
    sharing: dict[str, list] | None = None,
    request=None,
) -> ProgressRecord:
    """Change a record the editor may edit; `record` itself is left untouched."""
    if not may_edit(by, viewer, record):
        _deny(by, record._meta.label_lower, record.pk, request)
    return _write(
        record, by=by, viewer=viewer, values=values, sharing=sharing, request=request
    )


def close_recommendation(
    recommendation: Recommendation, *, implemented_on, by, viewer: Viewer, request=None
) -> ProgressRecord:
    """Mark a recommendation implemented on `implemented_on`."""
    return update_record(
        recommendation,
        by=by,
        viewer=viewer,
        values={
            "status": Recommendation.Status.IMPLEMENTED,
            "implemented_on": implemented_on,
        },
        request=request,
    )


def set_aggregate_publication(
    state, *, publish: bool, by, request=None
) -> ProgressPublication:
    """Publish (or withdraw) the State's aggregate figures; focal points only."""
    if not (
        getattr(by, "is_authenticated", False)
        and by.state_id == state.pk
        and has_role(by, Role.FOCAL_POINT)
    ):
        _deny(by, "progress.progresspublication", state.pk, request)
    with transaction.atomic():
        publication, _ = ProgressPublication.objects.select_for_update().get_or_create(
            state=state
        )
        before = publication.publish_aggregates
        publication.publish_aggregates = publish
        publication.updated_by = by
        publication.updated_at = timezone.now()
        publication.save()
        audit(
            "progress.aggregates_published"
            if publish
            else "progress.aggregates_withdrawn",
            actor=by,
            target=publication,
            request=request,
            details={"state": state.iso_code, "before": before, "after": publish},
        )
    return publication


def _deny(by, record_type: str, record_id, request) -> None:
    audit(
        "progress.record_write_denied",
        actor=by if getattr(by, "is_authenticated", False) else None,
        target_type=record_type,
        target_id=record_id,
        outcome="denied",
        request=request,
    )
    raise Http404("No such record.")


def _write(
    record: ProgressRecord,
    *,
    by,
    viewer: Viewer | None,
    values: dict[str, Any],
    sharing: dict[str, list] | None,
    request=None,
) -> ProgressRecord:
    model = type(record)
    unknown = set(values) - {*model.editable_fields, "tier"}
    if unknown:
        raise ValueError(f"Not editable: {', '.join(sorted(unknown))}")
    sharing = {k: list(v) for k, v in (sharing or {}).items() if k in SHARING_FIELDS}
    try:
        with transaction.atomic():
            if record.pk:
                target = model._default_manager.select_for_update().get(pk=record.pk)
                before = snapshot(target)
            else:
                target, before = record, {}
            for name, value in values.items():
                setattr(target, name, value)
            _check_order(model, before, target)
            if viewer is not None and not viewer.may_see_tier(target.tier):
                raise ValidationError(
                    {"tier": gettext("You cannot set a tier above your own clearance.")}
                )
            if not sharing and before:
                sharing = {k: before[k] for k in SHARING_FIELDS}
            validate_sharing(target.tier, sharing)
            target.full_clean()
            target.updated_by = by
            target.updated_at = timezone.now()
            target.save()
            if target.tier == HIGHLY_CONFIDENTIAL and by is not None:
                # The author stays among the named individuals, or loses the record.
                sharing.setdefault("shared_with_users", [])
                if by.pk not in sharing["shared_with_users"]:
                    sharing["shared_with_users"].append(by.pk)
            for name in SHARING_FIELDS:
                getattr(target, name).set(sharing.get(name, []))
            after = snapshot(target)
            changed = sorted(k for k in after if before.get(k) != after[k])
            kind = RecordChange.Kind.UPDATED if before else RecordChange.Kind.CREATED
            RecordChange.objects.create(
                record_type=model._meta.label_lower,
                record_id=target.pk,
                state_id=target.state_id,
                kind=kind,
                changed_by=by,
                changed_at=target.updated_at,
                changed_fields=changed,
                before=before,
                after=after,
            )
            # The trail names the fields, not their (possibly restricted) values.
            audit(
                f"progress.record_{kind}",
                actor=by,
                target=target,
                request=request,
                details={
                    "state": target.state.iso_code,
                    "tier": target.tier,
                    "fields": changed,
                },
            )
    except ValidationError:
        audit(
            "progress.record_write_refused",
            actor=by,
            target_type=model._meta.label_lower,
            target_id=record.pk or "",
            outcome="failure",
            request=request,
        )
        raise
    return target


def _check_order(model, before: dict[str, Any], target: ProgressRecord) -> None:
    """A mission's status moves forward only (requested → scheduled → conducted → …)."""
    if isinstance(target, PeerReviewMission) and before:
        order = PeerReviewMission.STATUS_ORDER
        old, new = before["status"], target.status
        if order.index(new) < order.index(old):
            raise ValidationError(
                {
                    "status": gettext(
                        "A mission cannot go back from “%(old)s” to “%(new)s”."
                    )
                    % {
                        "old": PeerReviewMission.Status(old).label,
                        "new": PeerReviewMission.Status(new).label,
                    }
                }
            )
