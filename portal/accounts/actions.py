"""Writes on accounts: roles, invitations, vetting, devices, sessions; all audited."""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import logging
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.tokens import default_token_generator
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.accounts import ratelimit
from portal.accounts.guard import authorised, refuse_self_change
from portal.accounts.models import (
    Invitation,
    User,
    VettingApproval,
    validate_time_zone,
)
from portal.accounts.roles import Role, has_role, role_group
from portal.accounts.signals import sessions_ended
from portal.audit.actions import address_hash, record
from portal.audit.models import Outcome
from portal.tiers import Tier

logger = logging.getLogger("portal.accounts")

INVITATION_LIFETIME = datetime.timedelta(hours=72)
BACKUP_CODE_COUNT = 10


class InvitationError(Exception):
    """An invitation link that cannot be used; the message is shown to the person."""


# --- Roles -------------------------------------------------------------------------


def assign_role(user: User, role: Role | str, *, by: User | None, request=None) -> bool:
    """Give `user` a role; returns False when they already held it."""
    return _change_role(user, Role(role), holds=True, by=by, request=request)


def remove_role(user: User, role: Role | str, *, by: User | None, request=None) -> bool:
    """Take a role from `user`; returns False when they did not hold it."""
    return _change_role(user, Role(role), holds=False, by=by, request=request)


def _change_role(
    user: User, role: Role, *, holds: bool, by: User | None, request
) -> bool:
    action = "accounts.role_assigned" if holds else "accounts.role_removed"
    refuse_self_change(user, by=by, action=action, request=request, role=role.value)
    with transaction.atomic(), authorised():
        group = role_group(role)
        # The State's page editing follows the roles even when nothing changes, so
        # that re-assigning repairs an editor whose State page came later.
        if user.groups.filter(pk=group.pk).exists() == holds:
            _sync_state_editing(user, by=by)
            return False
        (user.groups.add if holds else user.groups.remove)(group)
        record(
            action, actor=by, target=user, request=request, details={"role": role.value}
        )
        _sync_state_editing(user, by=by)
    return True


def set_groups(user: User, groups, *, by: User | None, request=None) -> bool:
    """Make `groups` the groups of `user` (the Wagtail user editor saves through
    this); returns False when nothing changed. Never one's own groups."""
    from django.contrib.auth.models import Group

    wanted = {g.pk for g in groups}
    held = set(user.groups.values_list("pk", flat=True)) if user.pk else set()
    added, removed = wanted - held, held - wanted
    if not added and not removed:
        return False
    names = dict(Group.objects.filter(pk__in=added | removed).values_list("pk", "name"))
    details = {
        "added": sorted(names[pk] for pk in added),
        "removed": sorted(names[pk] for pk in removed),
    }
    refuse_self_change(
        user, by=by, action="accounts.groups_changed", request=request, **details
    )
    with transaction.atomic(), authorised():
        if removed:
            user.groups.remove(*removed)
        if added:
            user.groups.add(*added)
        record(
            "accounts.groups_changed",
            actor=by,
            target=user,
            request=request,
            details=details,
        )
        _sync_state_editing(user, by=by)
    return True


def set_superuser(user: User, is_superuser: bool, *, by: User | None, request=None):
    """Give or take superuser status (Wagtail's "Administrator"); never one's own.

    A superuser administers the CMS; the exchange policy gives it nothing."""
    if user.pk is not None:
        user.is_superuser = User.objects.values_list("is_superuser", flat=True).get(
            pk=user.pk
        )
    if user.is_superuser == is_superuser:
        return False
    refuse_self_change(
        user,
        by=by,
        action="accounts.superuser_changed",
        request=request,
        is_superuser=is_superuser,
    )
    with transaction.atomic(), authorised():
        user.is_superuser = is_superuser
        user.save(update_fields=["is_superuser"])
        record(
            "accounts.superuser_changed",
            actor=by,
            target=user,
            request=request,
            details={"is_superuser": is_superuser},
        )
    return True


# --- Invitations -------------------------------------------------------------------


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass
class SentInvitation:
    invitation: Invitation
    token: str


def invite_expert(
    email: str, *, by: User, accept_url_for, request=None
) -> SentInvitation:
    """A focal point invites an expert of their own State; the link is emailed once.

    `accept_url_for(token)` builds the absolute link (the view knows the host).
    """
    if not has_role(by, Role.FOCAL_POINT) or by.state_id is None:
        raise PermissionError("Only a State focal point may invite experts.")
    email = User.objects.normalize_email(email).strip().lower()
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError("An account with this email address already exists.")
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    with transaction.atomic():
        invitation = Invitation.objects.create(
            email=email,
            state_id=by.state_id,
            invited_by=by,
            token_hash=hash_token(token),
            created_at=now,
            expires_at=now + INVITATION_LIFETIME,
        )
        record(
            "accounts.invitation_sent",
            actor=by,
            target=invitation,
            request=request,
            details={"email_sha256": address_hash(email), "state": by.state.iso_code},
        )
    link = accept_url_for(token)
    send_mail(
        "Your invitation to the Nuclear Security Implementation Portal",
        (
            f"{by} invites you to join the Nuclear Security Implementation Portal as "
            f"an expert of {by.state}.\n\nOpen this link within 72 hours to create "
            f"your account (it works once):\n{link}\n\nAfter you sign in, you will "
            "set up two-factor authentication; the secretariat then vets your "
            "account before you can exchange documents."
        ),
        settings.DEFAULT_FROM_EMAIL,
        [email],
    )
    return SentInvitation(invitation, token)


def find_invitation(token: str) -> Invitation:
    """The usable invitation for a token, or InvitationError with a clear message."""
    invitation = Invitation.objects.filter(token_hash=hash_token(token)).first()
    _check_usable(invitation)
    return invitation


def _check_usable(invitation: Invitation | None) -> None:
    if invitation is None:
        raise InvitationError("This invitation link is not valid.")
    if invitation.accepted_at is not None:
        raise InvitationError("This invitation link has already been used.")
    if invitation.is_expired():
        raise InvitationError(
            "This invitation link has expired. Ask your focal point for a new one."
        )


def record_rejected_invitation(reason: str, *, request=None) -> None:
    record(
        "accounts.invitation_rejected",
        outcome=Outcome.FAILURE,
        request=request,
        details={"reason": reason},
    )


def accept_invitation(
    token: str,
    *,
    password: str,
    first_name: str = "",
    last_name: str = "",
    request=None,
) -> User:
    """Create the expert's account; a second acceptance (even concurrent) fails.

    The invitation row is locked for the whole transaction, so two requests with
    the same link serialise: the second sees `accepted_at` set and creates nothing.
    """
    try:
        with transaction.atomic():
            invitation = (
                Invitation.objects.select_for_update()
                .filter(token_hash=hash_token(token))
                .first()
            )
            _check_usable(invitation)
            user = User.objects.create_user(
                email=invitation.email,
                password=password,
                first_name=first_name,
                last_name=last_name,
                state_id=invitation.state_id,
            )
            invitation.accepted_at = timezone.now()
            invitation.accepted_user = user
            invitation.save(update_fields=["accepted_at", "accepted_user"])
            record(
                "accounts.invitation_accepted",
                actor=user,
                target=invitation,
                request=request,
                details={"user": user.pk},
            )
    except InvitationError as error:
        record_rejected_invitation(str(error), request=request)
        raise
    except IntegrityError as error:
        # The email was taken between the check and the insert.
        record_rejected_invitation("email already registered", request=request)
        raise InvitationError(
            "An account with this email address already exists."
        ) from error
    return user


# --- Vetting -----------------------------------------------------------------------


def experts():
    """People who are, or are to become, vetted experts."""
    return (
        User.objects.filter(is_active=True)
        .filter(Q(groups__name=Role.VETTED_EXPERT) | Q(invitation__isnull=False))
        .select_related("state", "vetted_by")
        .distinct()
    )


class VettingRefused(PermissionDenied):
    """A vetting or approval that this person may not give; the message says why."""


def _refuse_vetting(message: str, *, by, expert, request, action, **details):
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
    request=None,
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
    request,
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
    expert: User, vetted_until: datetime.date, *, by: User, request
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


def vetting_approvals_for(user: User):
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
    approval: VettingApproval, *, by: User, request=None
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


def _approve(approval: VettingApproval, *, by: User, side: str, request):
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
    if approval.secretariat_approver_id and approval.focal_point_approver_id:
        approval.completed_at = timezone.now()
        approval.save(update_fields=["completed_at"])
        _apply_vetting(
            approval.expert,
            Tier(approval.clearance),
            approval.vetted_until,
            by=approval.secretariat_approver,
            request=request,
            approvers=[approval.secretariat_approver, approval.focal_point_approver],
        )
    return approval


# --- Two-factor devices ------------------------------------------------------------


def start_totp_enrolment(user: User) -> TOTPDevice:
    """The pending (unconfirmed) authenticator of `user`, created if needed."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(
            user=user, name="Authenticator app", confirmed=False
        )
    return device


def verify_code(user: User, device, token: str, *, request=None):
    """Check `token` against the one device the person chose.

    Returns (accepted, throttled). The device row is locked while the code is
    checked, so a TOTP code racing in two requests is accepted once; other devices
    are not touched, so a mistyped code never throttles the backup codes.
    """
    token = (token or "").strip().replace(" ", "").lower()
    model = type(device)
    with transaction.atomic():
        locked = model.objects.select_for_update().filter(pk=device.pk, user=user)
        locked = locked.first()
        if locked is None:
            return False, False
        allowed, _ = locked.verify_is_allowed()
        accepted = allowed and locked.verify_token(token)
        record(
            "otp.verify",
            actor=user,
            target=locked,
            outcome=Outcome.SUCCESS if accepted else Outcome.FAILURE,
            request=request,
            details={
                "device": locked.persistent_id,
                "throttled": not allowed,
                "confirmed": locked.confirmed,
            },
        )
    return accepted, not allowed


def confirm_totp_device(user: User, device: TOTPDevice, *, request=None) -> None:
    with transaction.atomic():
        TOTPDevice.objects.filter(pk=device.pk, user=user).update(confirmed=True)
        device.confirmed = True
        record(
            "otp.device_enrolled",
            actor=user,
            target=device,
            request=request,
            details={"device": device.persistent_id, "kind": "totp"},
        )


def regenerate_backup_codes(user: User, *, request=None) -> list[str]:
    """Ten fresh single-use codes; every earlier code stops working."""
    with transaction.atomic():
        device, created = StaticDevice.objects.get_or_create(
            user=user, name="Backup codes", defaults={"confirmed": True}
        )
        device.token_set.all().delete()
        codes = [StaticToken.random_token() for _ in range(BACKUP_CODE_COUNT)]
        StaticToken.objects.bulk_create(
            StaticToken(device=device, token=code) for code in codes
        )
        record(
            "otp.backup_codes_generated",
            actor=user,
            target=device,
            request=request,
            details={"device": device.persistent_id, "first_set": created},
        )
    return codes


def remove_device(user: User, device, *, request=None) -> None:
    with transaction.atomic():
        persistent_id = device.persistent_id
        type(device).objects.filter(pk=device.pk, user=user).delete()
        record(
            "otp.device_removed",
            actor=user,
            target_type=type(device)._meta.label_lower,
            target_id=device.pk,
            request=request,
            details={"device": persistent_id},
        )


def set_time_zone(user: User, zone: str, *, request=None) -> bool:
    """Write `user`'s times in `zone` from now on; False when nothing changed."""
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        previous = locked.time_zone
        if previous == zone:
            return False
        locked.time_zone = zone
        validate_time_zone(zone)
        locked.save(update_fields=["time_zone"])
        user.time_zone = zone
        # The admin writes its times in its own profile's zone: keep it the same.
        from wagtail.users.models import UserProfile

        profile = UserProfile.get_for_user(locked)
        profile.current_time_zone = zone if len(zone) <= 40 else ""
        profile.save(update_fields=["current_time_zone"])
        record(
            "account.time_zone_changed",
            actor=user,
            target=user,
            request=request,
            details={"from": previous, "to": zone},
        )
    return True


# --- Sessions ----------------------------------------------------------------------


def sign_out_everywhere(user: User, *, request=None, keep: str = "") -> list[str]:
    """End every session of `user` but the one keyed `keep` (none by default, so
    this one included); returns the ended keys.

    Sessions live in the database backend; the scan decodes only unexpired rows.
    `sessions_ended` fires after commit so live connections can be closed.
    """
    ended = []
    with transaction.atomic():
        for session in Session.objects.filter(expire_date__gt=timezone.now()):
            data = session.get_decoded()
            if (
                str(data.get("_auth_user_id")) == str(user.pk)
                and session.session_key != keep
            ):
                ended.append(session.session_key)
        Session.objects.filter(session_key__in=ended).delete()
        record(
            "auth.sessions_ended",
            actor=user,
            target=user,
            request=request,
            details={"count": len(ended)},
        )
        transaction.on_commit(
            lambda: sessions_ended.send(
                sender=User, user=user, session_keys=list(ended)
            )
        )
    return ended


# --- Passwords ---------------------------------------------------------------------

# Stands in for the account of an address that has none, so that a reset request
# for it builds the same token and mail as for a real one (same work, same time).
_NOBODY_PASSWORD = make_password(None)


class ResetLimited(Exception):
    """Too many reset requests for this address or from this client."""


def request_password_reset(email: str, *, request=None, reset_url_for) -> bool:
    """Mail a reset link to the account of `email`, if there is one.

    The caller answers the same whatever the address: this does the same work for
    an address with no account (the query, a token, the mail built, the audit
    event), and only the sending differs. `reset_url_for(uidb64, token)` builds
    the absolute link. Raises ResetLimited past the limits per address and per
    client, counted alike for known and unknown addresses. Returns whether a mail
    was sent (for tests; never shown).
    """
    email = User.objects.normalize_email(email or "").strip().lower()
    client = (request.META.get("REMOTE_ADDR") if request is not None else "") or "-"
    within = ratelimit.hit(
        "reset-address",
        address_hash(email),
        limit=settings.PASSWORD_RESET_LIMIT_PER_ADDRESS,
        window=60 * 60,
    )
    within = (
        ratelimit.hit(
            "reset-client",
            client,
            limit=settings.PASSWORD_RESET_LIMIT_PER_CLIENT,
            window=60 * 60,
        )
        and within
    )
    account = User.objects.filter(email__iexact=email, is_active=True).first()
    user = account or User(email=email, password=_NOBODY_PASSWORD)
    token = default_token_generator.make_token(user)
    uidb64 = urlsafe_base64_encode(force_bytes(user.pk or 0))
    link = reset_url_for(uidb64, token)
    hours = settings.PASSWORD_RESET_TIMEOUT // 3600
    body = (
        "Someone, we hope you, asked to reset the password of your account on the "
        "Nuclear Security Implementation Portal.\n\n"
        f"Open this link within {hours} hour(s) to choose a new password (it works "
        f"once):\n{link}\n\n"
        "After that you sign in with the new password and your second factor as "
        "usual. If you did not ask for this, ignore this mail: your password stays "
        "as it is."
    )
    with transaction.atomic():
        record(
            "auth.password_reset_requested",
            target_type="accounts.user",
            target_id=account.pk if account else "",
            outcome=Outcome.SUCCESS if within else Outcome.DENIED,
            request=request,
            details={"user": account.pk if account else None, "limited": not within},
        )
    if not within:
        raise ResetLimited
    if account is None:
        return False
    send_mail(
        "Reset your password on the Nuclear Security Implementation Portal",
        body,
        settings.DEFAULT_FROM_EMAIL,
        [account.email],
    )
    return True


def record_rejected_reset_link(*, request=None) -> None:
    record(
        "auth.password_reset_rejected",
        outcome=Outcome.FAILURE,
        request=request,
        details={"reason": "invalid, used or expired link"},
    )


def reset_password(user: User, password: str, *, request=None) -> None:
    """Set a new password from a reset link: every session of the account ends
    (the person then signs in with it and their second factor), and the owner is
    told by mail."""
    _set_password(user, password, action="auth.password_reset", request=request)


def change_password(user: User, password: str, *, request=None) -> None:
    """Set a new password from the account page; every other session ends."""
    keep = request.session.session_key if request is not None else ""
    _set_password(
        user, password, action="auth.password_changed", request=request, keep=keep
    )


def _set_password(
    user: User, password: str, *, action: str, request=None, keep: str = ""
) -> None:
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        record(
            action, actor=user, target=user, request=request, details={"user": user.pk}
        )
        sign_out_everywhere(user, request=request, keep=keep or "")
        transaction.on_commit(lambda: _mail_password_changed(user))


def _mail_password_changed(user: User) -> None:
    when = timezone.now().strftime("%d %B %Y at %H:%M UTC")
    send_mail(
        "Your password on the Nuclear Security Implementation Portal was changed",
        (
            f"The password of your account was changed on {when}, and every other "
            "session of your account was ended.\n\n"
            "If you did not change it, reset your password from the sign-in page "
            "now and tell the secretariat."
        ),
        settings.DEFAULT_FROM_EMAIL,
        [user.email],
    )


def _sync_state_editing(user: User, *, by: User | None) -> None:
    """Editors and focal points edit their own State's pages, and nobody else does."""
    from practices.permissions import (
        STATE_GROUP_PREFIX,
        NoStateToEdit,
        grant_state_editing,
        revoke_state_editing,
    )

    if any(has_role(user, r) for r in (Role.STATE_EDITOR, Role.FOCAL_POINT)):
        # Without a State page yet there is nothing to grant: the demo loader and the
        # secretariat create State pages before assigning editors.
        with contextlib.suppress(NoStateToEdit):
            grant_state_editing(user, by=by)
    elif user.groups.filter(name__startswith=STATE_GROUP_PREFIX).exists():
        revoke_state_editing(user, by=by)
