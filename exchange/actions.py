"""Every change to exchange documents: checked, atomic, audited, announced on commit.

Views call these and nothing else to write. Each action checks for itself that the
acting user may do it (owner or the originating State's focal point, who can see
the document), whatever the view already checked; refusals are audited as denied
and raise `NotAllowed`, which views turn into the same 404 as a missing document.
Verification of the session (and step-up for sharing changes) is checked by the
view's decorators, and again here when the view passes its `request`.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from exchange import crypto
from exchange.models import (
    HIGHLY_CONFIDENTIAL_SHARING_ERROR,
    Document,
    DocumentVersion,
    PartnerGroup,
)
from exchange.policy import Viewer, can_manage, refusal_reason, viewer_for_user
from exchange.signals import document_changed
from exchange.storage import exchange_storage
from exchange.uploads import InfectedUpload, UploadFacts, inspect_upload
from portal.accounts.stepup import is_recently_verified, is_session_verified
from portal.audit.actions import record
from portal.audit.models import AuditEvent
from portal.tiers import TIER_ORDER, Tier

if TYPE_CHECKING:
    from django.http import HttpRequest

    from exchange.models import PublicRelease
    from portal.accounts.models import User
    from portal.states.models import State
    from practices.models import GoodPracticePage, StatePage


class NotAllowed(PermissionDenied):
    """The acting user may not do this; shown to them as a 404.

    Carries the refusal as it was audited (`audit`, the `record()` arguments, and
    `event`), so that a caller whose own transaction rolls the refusal back can
    record it again afterwards (`keep_refusal_audited`).
    """

    audit: dict[str, Any] | None = None
    event: AuditEvent | None = None


class NoLongerAllowed(NotAllowed):
    """Allowed when asked, refused once the document row was locked: it was revoked,
    expired or taken out of the acting user's hands in the meantime. Nothing was
    changed. The acting user could manage the document a moment ago, so views say
    so in plain words rather than with a 404."""

    message = (
        "Nothing was changed: this document is no longer yours to change. It was "
        "revoked, has expired or your access to it changed while you were working."
    )


class ExchangeError(ValidationError):
    """The request is allowed but cannot be carried out as asked; says why."""


def _announce(document: Document, kind: str) -> None:
    transaction.on_commit(
        lambda: document_changed.send(sender=Document, document=document, kind=kind)
    )


def _acting_viewer(
    by: User, request: HttpRequest | None, *, step_up: bool = False
) -> Viewer:
    """The policy's view of the acting user.

    Without a request (commands, the demo) the caller vouches for the person. With a
    request in hand, its session is checked again here rather than trusted: verified
    by a second factor, and recently so for sharing changes (step-up).
    """
    if request is None:
        return viewer_for_user(by, verified=True)
    verified = (
        is_recently_verified(request) if step_up else is_session_verified(request)
    )
    return viewer_for_user(by, verified=verified)


def _refusal(
    error: NotAllowed,
    action: str,
    document: Document,
    by: User,
    request: HttpRequest | None,
    **details: Any,
) -> NotAllowed:
    """Audit `error` as a refusal of `action` and return it, ready to raise.

    Called outside the action's own transaction, so that raising does not roll the
    record back with it.
    """
    error.audit = {
        "actor": by,
        "target": document,
        "outcome": "denied",
        "request": request,
        "details": details or None,
    }
    error.event = record(action, **error.audit)
    error.audit["action"] = action
    return error


def keep_refusal_audited(error: NotAllowed) -> None:
    """Record `error`'s refusal again if a transaction around the action rolled it
    back (a view applying several actions atomically, say): refusals are kept."""
    if error.audit is None:
        return
    event = error.event
    if event is not None and AuditEvent.objects.filter(pk=event.pk).exists():
        return
    audit = dict(error.audit)
    error.event = record(audit.pop("action"), **audit)


def _require_manager(
    document: Document,
    by: User,
    request: HttpRequest | None,
    action: str,
    *,
    step_up: bool = True,
) -> None:
    if not can_manage(_acting_viewer(by, request, step_up=step_up), document):
        raise _refusal(
            NotAllowed("You may not change this document."),
            action,
            document,
            by,
            request,
            tier=document.tier,
        )


class _ChangedUnderLock(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _lock_managed(
    document: Document, by: User, request: HttpRequest | None, *, step_up: bool
) -> Document:
    """The document's row, locked until the end of the transaction, and checked
    again under the lock: `by` may still manage it.

    Every change to a document takes this lock, so changes run one after the
    other; the check before the lock only spares a refused request the wait. A
    change that waited behind a revocation (or an expiry, or a change that took the
    document out of `by`'s hands) finds it here and is refused.
    """
    locked = Document.objects.select_for_update().get(pk=document.pk)
    viewer = _acting_viewer(by, request, step_up=step_up)
    if not can_manage(viewer, locked):
        raise _ChangedUnderLock(refusal_reason(viewer, locked))
    return locked


@contextmanager
def _refused_if_changed(
    action: str, document: Document, by: User, request: HttpRequest | None
) -> Iterator[None]:
    """Around an action's transaction: a refusal found under the lock is audited
    once that transaction has rolled back, and raised as `NoLongerAllowed`."""
    try:
        yield
    except _ChangedUnderLock as changed:
        raise _refusal(
            NoLongerAllowed(NoLongerAllowed.message),
            action,
            document,
            by,
            request,
            reason=changed.reason,
            under_lock=True,
        ) from None


@dataclass
class _Change:
    """The locked document an audited change works on, and its sharing before."""

    document: Document
    before: dict[str, Any]
    # Set when the change turned out to change nothing: nothing is recorded.
    unchanged: bool = False
    # More details for the audit record (a lowering's justification).
    details: dict[str, Any] = field(default_factory=dict)


@contextmanager
def _audited_change(
    action: str, document: Document, *, by: User, request: HttpRequest | None
) -> Iterator[_Change]:
    """One change of a document that `by` manages, the only way any is made: lock
    the row and check `by` again under the lock, snapshot its sharing, let the
    caller change it, then record the before and after in the same transaction and
    announce it once committed (the event is the action's last word: "shared").
    A refusal found under the lock is audited and raised as `NoLongerAllowed`.
    Callers ask `_require_manager` first, so that a refusal waits for no lock."""
    with _refused_if_changed(action, document, by, request), transaction.atomic():
        locked = _lock_managed(document, by, request, step_up=True)
        change = _Change(locked, sharing_of(locked))
        yield change
        if change.unchanged:
            return
        record(
            action,
            actor=by,
            target=locked,
            request=request,
            details={
                "before": change.before,
                "after": sharing_of(locked),
                **change.details,
            },
        )
        _announce(locked, action.rsplit(".", 1)[1])


def sharing_of(document: Document) -> dict[str, Any]:
    """The sharing as audit details: references only (State codes, group and user
    ids), never names or addresses; sorted."""
    return {
        "tier": document.tier,
        "states": sorted(s.iso_code for s in document.shared_states.all()),
        "groups": sorted(g.pk for g in document.shared_groups.all()),
        "users": sorted(u.pk for u in document.shared_users.all()),
        "expires_at": document.expires_at,
        "revoked": document.revoked,
    }


def _check_highly_confidential(
    tier: str, states: Iterable[State], groups: Iterable[PartnerGroup]
) -> None:
    if tier == Tier.HIGHLY_CONFIDENTIAL and (
        any(True for _ in states) or any(True for _ in groups)
    ):
        raise ExchangeError(HIGHLY_CONFIDENTIAL_SHARING_ERROR)


def _inspect(
    upload: UploadedFile,
    by: User,
    request: HttpRequest | None,
    document: Document | None = None,
) -> UploadFacts:
    """`inspect_upload`, auditing malware found as a denied upload.

    Called outside any transaction, so that the audit event stays when the upload
    is refused. The event holds the hash and the signature, never the file name.
    """
    try:
        return inspect_upload(upload)
    except InfectedUpload as error:
        record(
            "exchange.upload.malware_found",
            actor=by,
            target=document,
            outcome="denied",
            request=request,
            details={
                "signature": error.signature,
                "sha256": error.sha256,
                "size": upload.size,
            },
        )
        raise


def _store_version(
    document: Document,
    upload: UploadedFile,
    facts: UploadFacts,
    by: User,
    request: HttpRequest | None,
    *,
    recheck: bool = True,
) -> DocumentVersion:
    """Encrypt the inspected `upload` into storage and record it; removes the file on
    any failure.

    `recheck`: check again under the document's lock that `by` may still manage it
    (not for a document being created in the same transaction).
    """
    upload.seek(0)
    storage = exchange_storage()
    reader = crypto.EncryptingReader(upload)
    ring = crypto.keyring()
    name = f"{timezone.now():%Y/%m}/{uuid.uuid4().hex}.nsix"
    # File wraps any object with read(); the stubs ask for typing.IO, which a
    # RawIOBase is not.
    stored_name = storage.save(name, File(reader, name=name))  # type: ignore[arg-type]
    try:
        sealed = reader.sealed
        with transaction.atomic():
            if recheck:
                locked = _lock_managed(document, by, request, step_up=False)
            else:
                locked = Document.objects.select_for_update().get(pk=document.pk)
            number = (locked.versions.aggregate(n=Max("number"))["n"] or 0) + 1
            version = DocumentVersion.objects.create(
                document=locked,
                number=number,
                file_name=facts.file_name,
                size=sealed.size,
                media_type=facts.media_type,
                sha256=sealed.sha256,
                uploaded_by=by,
                storage_name=stored_name,
                file_id=sealed.file_id.hex(),
                wrapped_key=crypto.wrap_key(
                    sealed.data_key, sealed.file_id, ring.current
                ),
                kek_id=ring.current_id,
            )
            Document.objects.filter(pk=document.pk).update(updated_at=timezone.now())
            record(
                "exchange.version.added",
                actor=by,
                target=document,
                request=request,
                details={
                    "tier": locked.tier,
                    "version": number,
                    "size": sealed.size,
                    "media_type": facts.media_type,
                    "sha256": sealed.sha256,
                },
            )
    except BaseException:
        storage.delete(stored_name)
        raise
    return version


def create_document(
    *,
    by: User,
    title: str,
    tier: str,
    upload: UploadedFile,
    description: str = "",
    handling_note: str = "",
    states: Iterable[State] = (),
    groups: Iterable[PartnerGroup] = (),
    users: Iterable[User] = (),
    expires_at: datetime.datetime | None = None,
    request: HttpRequest | None = None,
) -> Document:
    """A new document from `by`'s State with its first version.

    The author must be able to see it: vetted, verified, cleared for its tier. A
    highly confidential document is shared with named individuals only, the author
    among them.
    """
    states, groups, users = list(states), list(groups), list(users)
    viewer = _acting_viewer(by, request)
    if tier not in TIER_ORDER:
        raise ExchangeError("Choose a tier.")
    if not viewer.verified_expert or by.state_id is None:
        record("exchange.document.created", actor=by, outcome="denied", request=request)
        raise NotAllowed("Only vetted experts of a State may share documents.")
    if tier not in Tier.at_or_below(by.clearance):
        raise ExchangeError("You cannot share a document above your own clearance.")
    if not title.strip():
        raise ExchangeError("Give the document a title.")
    _check_highly_confidential(tier, states, groups)
    if tier == Tier.HIGHLY_CONFIDENTIAL and by not in users:
        users.append(by)
    facts = _inspect(upload, by, request)  # refuse bad files before any write
    with transaction.atomic():
        document = Document.objects.create(
            title=title.strip(),
            description=description,
            tier=tier,
            originating_state_id=by.state_id,
            owner=by,
            handling_note=handling_note,
            expires_at=expires_at,
        )
        document.shared_states.set(states)
        document.shared_groups.set(groups)
        document.shared_users.set(users)
        _store_version(document, upload, facts, by, request, recheck=False)
        record(
            "exchange.document.created",
            actor=by,
            target=document,
            request=request,
            details={"tier": document.tier, "after": sharing_of(document)},
        )
        _announce(document, "created")
    return document


def add_version(
    document: Document,
    upload: UploadedFile,
    *,
    by: User,
    request: HttpRequest | None = None,
) -> DocumentVersion:
    """A new version of `document`, by its owner or its State's focal point."""
    action = "exchange.version.added"
    _require_manager(document, by, request, action, step_up=False)
    facts = _inspect(upload, by, request, document)
    with (
        _refused_if_changed(action, document, by, request),
        transaction.atomic(),
    ):
        version = _store_version(document, upload, facts, by, request)
        _announce(document, "version_added")
    return version


def share_document(
    document: Document,
    *,
    by: User,
    states: Iterable[State] | None = None,
    groups: Iterable[PartnerGroup] | None = None,
    users: Iterable[User] | None = None,
    request: HttpRequest | None = None,
) -> Document:
    """Set who the document is shared with (each given kind replaces the current).

    Refused (`NoLongerAllowed`, audited) when the document was revoked or expired,
    or `by` lost the right to manage it, while this waited for the document's lock.
    """
    action = "exchange.document.shared"
    _require_manager(document, by, request, action)
    with _audited_change(action, document, by=by, request=request) as change:
        document = change.document
        new_states = list(states) if states is not None else None
        new_groups = list(groups) if groups is not None else None
        _check_highly_confidential(
            document.tier,
            new_states if new_states is not None else document.shared_states.all(),
            new_groups if new_groups is not None else document.shared_groups.all(),
        )
        if new_states is not None:
            document.shared_states.set(new_states)
        if new_groups is not None:
            document.shared_groups.set(new_groups)
        if users is not None:
            document.shared_users.set(list(users))
        after = sharing_of(document)
        if after == change.before:
            change.unchanged = True
            return document
        widened = any(
            set(after[kind]) - set(change.before[kind])
            for kind in ("states", "groups", "users")
        )
        if widened:
            document.last_shared_at = timezone.now()
            document.save(update_fields=["last_shared_at", "updated_at"])
    return document


LOWERING_NEEDS_JUSTIFICATION = _(
    "Say why the tier is lowered: lowering a document's tier needs a justification, "
    "which is kept in the audit trail. Nothing was changed."
)


def change_tier(
    document: Document,
    tier: str,
    *,
    by: User,
    justification: str = "",
    request: HttpRequest | None = None,
) -> Document:
    """Move the document to another tier, never above the acting user's clearance.

    Lowering it is a managed action: it needs a `justification`, stored in the
    audit record (`ExchangeError` without one); raising needs none.
    """
    action = "exchange.document.tier_changed"
    _require_manager(document, by, request, action)
    if tier not in TIER_ORDER:
        raise ExchangeError("Choose a tier.")
    if tier not in Tier.at_or_below(by.clearance):
        raise ExchangeError("You cannot raise a document above your own clearance.")
    with _audited_change(action, document, by=by, request=request) as change:
        document = change.document
        justification = (justification or "").strip()
        lowered = Tier(tier).rank < Tier(document.tier).rank
        if lowered and not justification:
            raise ExchangeError(LOWERING_NEEDS_JUSTIFICATION)
        if lowered:
            change.details["justification"] = justification[:1000]
        _check_highly_confidential(
            tier, document.shared_states.all(), document.shared_groups.all()
        )
        document.tier = tier
        document.save(update_fields=["tier", "updated_at"])
        if tier == Tier.HIGHLY_CONFIDENTIAL:
            # Keep the person who raised it able to see it: named, as the tier demands.
            document.shared_users.add(by)
    return document


def revoke_document(
    document: Document, *, by: User, request: HttpRequest | None = None
) -> Document:
    """Withdraw the document from everyone, at once."""
    action = "exchange.document.revoked"
    _require_manager(document, by, request, action)
    with _audited_change(action, document, by=by, request=request) as change:
        document = change.document
        document.revoked = True
        document.revoked_at = timezone.now()
        document.save(update_fields=["revoked", "revoked_at", "updated_at"])
    return document


def set_expiry(
    document: Document,
    expires_at: datetime.datetime | None,
    *,
    by: User,
    request: HttpRequest | None = None,
) -> Document:
    """Set or clear the moment after which nobody sees the document."""
    action = "exchange.document.expiry_set"
    _require_manager(document, by, request, action)
    with _audited_change(action, document, by=by, request=request) as change:
        document = change.document
        document.expires_at = expires_at
        document.expiry_announced = False
        document.save(update_fields=["expires_at", "expiry_announced", "updated_at"])
    return document


# --- Partner groups: membership by State and by name, never one's own.


def change_partner_group(
    group: PartnerGroup,
    *,
    add_members: Iterable[User] = (),
    remove_members: Iterable[User] = (),
    add_states: Iterable[State] = (),
    remove_states: Iterable[State] = (),
    by: User | None,
    request: HttpRequest | None = None,
) -> bool:
    """Add or remove members (people) and member States of a partner group.

    `by` is the secretariat, someone with the admin's permission to change partner
    groups, or None for the demo and commands; nobody adds or removes themselves or
    their own State. Returns False when nothing changed.
    """
    held_members = set(group.members.values_list("pk", flat=True))
    held_states = set(group.states.values_list("pk", flat=True))
    added_m = {u.pk for u in add_members} - held_members
    removed_m = {u.pk for u in remove_members} & held_members
    added_s = {s.pk for s in add_states} - held_states
    removed_s = {s.pk for s in remove_states} & held_states
    if not (added_m or removed_m or added_s or removed_s):
        return False
    from portal.accounts.guard import authorised, refuse_self_change
    from portal.accounts.roles import Role, has_role
    from portal.states.models import State

    codes = dict(
        State.objects.filter(pk__in=added_s | removed_s).values_list("pk", "iso_code")
    )
    details = {
        "group": group.slug,
        "members_added": sorted(added_m),
        "members_removed": sorted(removed_m),
        "states_added": sorted(codes[pk] for pk in added_s),
        "states_removed": sorted(codes[pk] for pk in removed_s),
    }
    action = "exchange.partner_group.membership_changed"
    if by is not None:
        may_manage = has_role(by, Role.SECRETARIAT) or by.has_perm(
            "exchange.change_partnergroup"
        )
        if not may_manage:
            record(action, actor=by, target=group, outcome="denied", request=request)
            raise NotAllowed("Only the secretariat manages partner groups.")
        own_state = by.state_id is not None and by.state_id in added_s | removed_s
        if by.pk in added_m | removed_m or own_state:
            refuse_self_change(by, by=by, action=action, request=request, **details)
    with transaction.atomic(), authorised():
        if removed_m:
            group.members.remove(*removed_m)
        if added_m:
            group.members.add(*added_m)
        if removed_s:
            group.states.remove(*removed_s)
        if added_s:
            group.states.add(*added_s)
        record(action, actor=by, target=group, request=request, details=details)
    return True


def set_partner_group_membership(
    group: PartnerGroup,
    *,
    members: Iterable[User] | None = None,
    states: Iterable[State] | None = None,
    by: User | None,
    request: HttpRequest | None = None,
) -> bool:
    """Make `members` and `states` (when given) the whole membership of `group`."""
    changes: dict[str, Any] = {}
    if members is not None:
        wanted = {u.pk: u for u in members}
        held = {u.pk: u for u in group.members.all()}
        changes["add_members"] = [u for pk, u in wanted.items() if pk not in held]
        changes["remove_members"] = [u for pk, u in held.items() if pk not in wanted]
    if states is not None:
        wanted_states = {s.pk: s for s in states}
        held_states = {s.pk: s for s in group.states.all()}
        changes["add_states"] = [
            s for pk, s in wanted_states.items() if pk not in held_states
        ]
        changes["remove_states"] = [
            s for pk, s in held_states.items() if pk not in wanted_states
        ]
    return change_partner_group(group, by=by, request=request, **changes)


# --- Reads: every access to a document is recorded, allowed or refused.

VIEWED = "exchange.document.viewed"
DOWNLOADED = "exchange.document.downloaded"


def record_view(
    document: Document,
    *,
    by: User,
    request: HttpRequest | None = None,
    channel: str = "page",
) -> AuditEvent:
    """Record that `by` read `document`'s page (or its API representation).

    The policy has already said yes; the originating State reads these back as
    its access receipts (`exchange.receipts`).
    """
    with transaction.atomic():
        return record(
            VIEWED,
            actor=by,
            target=document,
            request=request,
            details={"tier": document.tier, "channel": channel},
        )


def record_refused_access(
    document_id: Any,
    *,
    action: str,
    by: User,
    request: HttpRequest | None = None,
    channel: str,
    version: int | None = None,
) -> AuditEvent | None:
    """Record an attempt to read a document that exists but that `by` may not see.

    The caller answers with the same 404 as for a missing id, so the person learns
    nothing; the trail, and the document's originator, learn of the attempt. An id
    that names no document is not recorded: there is nothing it could reach.
    """
    try:
        pk = int(document_id)
    except (TypeError, ValueError):
        return None
    document = Document.objects.filter(pk=pk).only("pk", "tier").first()
    if document is None:
        return None
    details: dict[str, Any] = {"tier": document.tier, "channel": channel}
    if version is not None:
        details["version"] = version
    with transaction.atomic():
        return record(
            action,
            actor=by,
            target=document,
            outcome="denied",
            request=request,
            details=details,
        )


# --- Public releases: from restricted material to a public good practice.

RELEASE_PREPARED = "exchange.release.prepared"
RELEASE_EDITED = "exchange.release.edited"
RELEASE_APPROVED = "exchange.release.approved"
RELEASE_WITHDRAWN = "exchange.release.withdrawn"


def _release_refusal(
    release: PublicRelease, action: str, by: User, request: HttpRequest | None
) -> NotAllowed:
    return _refusal(
        NotAllowed("You may not do this."),
        action,
        release.source,
        by,
        request,
        release=release.pk,
    )


def _record_release(
    action: str,
    release: PublicRelease,
    *,
    by: User,
    request: HttpRequest | None,
    **details: Any,
) -> None:
    """Audit a step of a release against its source: references only."""
    record(
        action,
        actor=by,
        target=release.source,
        request=request,
        details={"release": release.pk, "page": release.page_id, **details},
    )


def _locked_release(release: PublicRelease) -> PublicRelease:
    """The release's row, locked to the end of the transaction and read afresh, so
    that an approval and a withdrawal run one after the other; refused once
    withdrawn."""
    locked = type(release).objects.select_for_update().get(pk=release.pk)
    if locked.withdrawn_at is not None:
        raise ExchangeError("This good practice is already withdrawn.")
    locked.source = release.source
    return locked


def _state_page_of(state: State) -> StatePage:
    from practices.models import StatePage

    # Wagtail is untyped: its querysets give Any, named here for what they hold.
    page: StatePage | None = StatePage.objects.filter(state=state).first()
    if page is None:
        raise ExchangeError(
            f"{state.name} has no section on the public site yet: ask the "
            "secretariat to create its State page first."
        )
    return page


def prepare_public_practice(
    document: Document, *, by: User, request: HttpRequest | None = None
) -> PublicRelease:
    """Start a public good practice from `document`: a draft in its State's
    section, holding nothing of the source, linked to it privately.

    The owner or the originating State's focal point only.
    """
    from exchange.models import PublicRelease
    from exchange.releases import DRAFT_SUMMARY, DRAFT_TITLE
    from practices.models import GoodPracticePage, Language

    action = RELEASE_PREPARED
    _require_manager(document, by, request, action, step_up=False)
    state_page = _state_page_of(document.originating_state)
    with _refused_if_changed(action, document, by, request), transaction.atomic():
        document = _lock_managed(document, by, request, step_up=False)
        page = GoodPracticePage(
            title=str(DRAFT_TITLE),
            slug=f"practice-in-preparation-{uuid.uuid4().hex[:12]}",
            summary=str(DRAFT_SUMMARY),
            date=timezone.localdate(),
            language=Language.objects.get(code="en"),
            live=False,
            owner=by,
        )
        state_page.add_child(instance=page)
        page.save_revision(user=by, log_action=True)
        release = PublicRelease.objects.create(
            page=page.page_ptr,
            source=document,
            state=document.originating_state,
            started_by=by,
        )
        record(
            action,
            actor=by,
            target=document,
            request=request,
            details={"release": release.pk, "page": page.pk},
        )
    return release


def _draft_of(release: PublicRelease) -> GoodPracticePage:
    draft: GoodPracticePage = release.page.specific.get_latest_revision_as_object()
    return draft


def edit_release_draft(
    release: PublicRelease,
    *,
    by: User,
    title: str,
    summary: str,
    text: str | None,
    request: HttpRequest | None = None,
) -> GoodPracticePage:
    """Save the draft as the editor wrote it beside the source: a new revision.

    `text` None leaves the body alone (it holds more than plain paragraphs).
    Any edit after approval needs approving again (`releases.may_publish`), and
    takes the draft out of moderation until it is.
    """
    from exchange.releases import draft_errors, may_publish, paragraphs_html

    errors = draft_errors(title, summary)
    if errors:
        raise ExchangeError(errors)
    with transaction.atomic():
        release = _locked_release(release)
        page = _draft_of(release)
        page.title = page.draft_title = title.strip()
        page.summary = summary.strip()
        if text is not None:
            html = paragraphs_html(text)
            page.body = [("paragraph", html)] if html else []
        page.save_revision(user=by, log_action=True)
        live_page = release.page.specific
        if live_page.workflow_in_progress and not may_publish(page, release):
            # What the secretariat would moderate is no longer what was approved.
            live_page.current_workflow_state.cancel(user=by)
        _record_release(RELEASE_EDITED, release, by=by, request=request)
    return page


def approve_release(
    release: PublicRelease, *, by: User, request: HttpRequest | None = None
) -> PublicRelease:
    """The originating State's focal point releases the draft as it now reads, and
    it goes to the secretariat's moderation. A step-up action."""
    from exchange.policy import can_approve_release
    from exchange.releases import content_fingerprint, is_unwritten

    action = RELEASE_APPROVED
    viewer = _acting_viewer(by, request, step_up=True)
    if not can_approve_release(viewer, release.source):
        raise _release_refusal(release, action, by, request)
    page = _draft_of(release)
    if is_unwritten(page):
        raise ExchangeError(
            "Write the title and the summary of the good practice before "
            "approving it: the draft still holds the words it started with."
        )
    with transaction.atomic():
        release = _locked_release(release)
        release.approved_by = by
        release.approved_at = timezone.now()
        release.approved_fingerprint = content_fingerprint(page)
        release.save(
            update_fields=["approved_by", "approved_at", "approved_fingerprint"]
        )
        live_page = release.page.specific
        workflow = live_page.get_workflow()
        if workflow is not None and not live_page.workflow_in_progress:
            workflow.start(live_page, by)
        _record_release(
            action,
            release,
            by=by,
            request=request,
            revision=live_page.latest_revision_id,
            fingerprint=release.approved_fingerprint,
        )
    return release


def withdraw_release(
    release: PublicRelease, *, by: User, request: HttpRequest | None = None
) -> PublicRelease:
    """The originator takes the practice back: unpublished at once (listings,
    search, feeds, the sitemap and the API follow in the same request), any
    moderation cancelled, and a new approval needed to publish it again."""
    from exchange.policy import can_withdraw_release

    action = RELEASE_WITHDRAWN
    viewer = _acting_viewer(by, request)
    if not can_withdraw_release(viewer, release.source):
        raise _release_refusal(release, action, by, request)
    with transaction.atomic():
        release = _locked_release(release)
        page = release.page.specific
        was_live = page.live
        workflow_state = page.current_workflow_state
        if workflow_state is not None:
            workflow_state.cancel(user=by)
        if was_live:
            from wagtail.actions.unpublish_page import UnpublishPageAction

            # The originator's right, which holds whatever their page permissions.
            UnpublishPageAction(page, user=by, log_action=True).execute(
                skip_permission_checks=True
            )
        release.withdrawn_by = by
        release.withdrawn_at = timezone.now()
        release.approved_fingerprint = ""
        release.save(
            update_fields=["withdrawn_by", "withdrawn_at", "approved_fingerprint"]
        )
        _record_release(action, release, by=by, request=request, was_live=was_live)
    return release
