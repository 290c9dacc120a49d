"""Invitations: a focal point invites an expert of their State by a one-time link."""

from __future__ import annotations

import datetime
import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext

from portal.accounts.models import Invitation, User
from portal.accounts.roles import Role, has_role
from portal.audit.actions import address_hash, record
from portal.audit.models import Outcome
from portal.mail.kinds import Kind
from portal.mail.messages import Notice, compose
from portal.mail.queue import enqueue

INVITATION_LIFETIME = datetime.timedelta(hours=72)


class InvitationError(Exception):
    """An invitation link that cannot be used; the message is shown to the person."""


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass
class SentInvitation:
    invitation: Invitation
    token: str


def invite_expert(
    email: str,
    *,
    by: User,
    accept_url_for: Callable[[str], str],
    request: HttpRequest | None = None,
) -> SentInvitation:
    """A focal point invites an expert of their own State; the link is emailed once.

    `accept_url_for(token)` builds the absolute link (the view knows the host).
    """
    state = by.state
    if not has_role(by, Role.FOCAL_POINT) or state is None:
        raise PermissionError("Only a State focal point may invite experts.")
    email = User.objects.normalize_email(email).strip().lower()
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError(
            gettext("An account with this email address already exists.")
        )
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    with transaction.atomic():
        invitation = Invitation.objects.create(
            email=email,
            state_id=state.pk,
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
            details={"email_sha256": address_hash(email), "state": state.iso_code},
        )
        enqueue(
            compose(
                Notice(
                    Kind.INVITATION,
                    link=accept_url_for(token),
                    inviter=by.display_name,
                    state=str(by.state),
                    hours=int(INVITATION_LIFETIME.total_seconds() // 3600),
                )
            ),
            kind=Kind.INVITATION,
            to=email,
        )
    return SentInvitation(invitation, token)


def find_invitation(token: str) -> Invitation:
    """The usable invitation for a token, or InvitationError with a clear message."""
    return _check_usable(
        Invitation.objects.filter(token_hash=hash_token(token)).first()
    )


def _check_usable(invitation: Invitation | None) -> Invitation:
    if invitation is None:
        raise InvitationError("This invitation link is not valid.")
    if invitation.accepted_at is not None:
        raise InvitationError("This invitation link has already been used.")
    if invitation.is_expired():
        raise InvitationError(
            "This invitation link has expired. Ask your focal point for a new one."
        )
    return invitation


def record_rejected_invitation(
    reason: str, *, request: HttpRequest | None = None
) -> None:
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
    request: HttpRequest | None = None,
) -> User:
    """Create the expert's account; a second acceptance (even concurrent) fails.

    The invitation row is locked for the whole transaction, so two requests with
    the same link serialise: the second sees `accepted_at` set and creates nothing.
    """
    try:
        with transaction.atomic():
            invitation = _check_usable(
                Invitation.objects.select_for_update()
                .filter(token_hash=hash_token(token))
                .first()
            )
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
