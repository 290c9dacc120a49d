"""Passwords: reset by mail, change, and the notice that follows."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from portal.accounts import ratelimit
from portal.accounts.actions.sessions import sign_out_everywhere
from portal.accounts.models import User
from portal.audit.actions import address_hash, record
from portal.audit.models import Outcome
from portal.mail.kinds import Kind
from portal.mail.messages import Notice, compose
from portal.mail.queue import deliver, enqueue

# Stands in for the account of an address that has none, so that a reset request
# for it builds the same token and mail as for a real one (same work, same time).
_NOBODY_PASSWORD = make_password(None)


class ResetLimited(Exception):
    """Too many reset requests for this address or from this client."""


class ResetUnavailable(Exception):
    """The reset limits cannot be counted now (the cache is down): refused."""


def _within_limits(email: str, client: str) -> bool:
    """Count this request against both limits; raises `CountUnavailable`."""
    within = ratelimit.hit(
        "reset-address",
        address_hash(email),
        limit=settings.PASSWORD_RESET_LIMIT_PER_ADDRESS,
        window=60 * 60,
    )
    return (
        ratelimit.hit(
            "reset-client",
            client,
            limit=settings.PASSWORD_RESET_LIMIT_PER_CLIENT,
            window=60 * 60,
        )
        and within
    )


def request_password_reset(
    email: str,
    *,
    request: HttpRequest | None = None,
    reset_url_for: Callable[[str, str], str],
) -> bool:
    """Mail a reset link to the account of `email`, if there is one.

    The caller answers the same whatever the address: this does the same work for
    an address with no account (the query, a token, the mail built, the audit
    event), and only the sending differs. `reset_url_for(uidb64, token)` builds
    the absolute link. Raises ResetLimited past the limits per address and per
    client, counted alike for known and unknown addresses, and ResetUnavailable
    while the limits cannot be counted (Redis down). Returns whether a mail was
    sent (for tests; never shown).
    """
    email = User.objects.normalize_email(email or "").strip().lower()
    client = (request.META.get("REMOTE_ADDR") if request is not None else "") or "-"
    try:
        within, uncounted = _within_limits(email, client), False
    except ratelimit.CountUnavailable:
        within, uncounted = False, True
    account = User.objects.filter(email__iexact=email, is_active=True).first()
    user = account or User(email=email, password=_NOBODY_PASSWORD)
    token = default_token_generator.make_token(user)
    uidb64 = urlsafe_base64_encode(force_bytes(user.pk or 0))
    link = reset_url_for(uidb64, token)
    # Built for a known and an unknown address alike (the same work).
    composed = compose(
        Notice(
            Kind.PASSWORD_RESET,
            link=link,
            hours=settings.PASSWORD_RESET_TIMEOUT // 3600,
        )
    )
    details = {"user": account.pk if account else None, "limited": not within}
    if uncounted:
        details["uncounted"] = True
    with transaction.atomic():
        record(
            "auth.password_reset_requested",
            target_type="accounts.user",
            target_id=account.pk if account else "",
            outcome=Outcome.SUCCESS if within else Outcome.DENIED,
            request=request,
            details=details,
        )
    if uncounted:
        raise ResetUnavailable
    if not within:
        raise ResetLimited
    # An address without an account gets a row with no recipient, which the
    # worker drops unsent: the request does the same writes either way.
    enqueue(composed, kind=Kind.PASSWORD_RESET, to=account.email if account else "")
    return account is not None


def record_rejected_reset_link(*, request: HttpRequest | None = None) -> None:
    record(
        "auth.password_reset_rejected",
        outcome=Outcome.FAILURE,
        request=request,
        details={"reason": "invalid, used or expired link"},
    )


def reset_password(
    user: User, password: str, *, request: HttpRequest | None = None
) -> None:
    """Set a new password from a reset link: every session of the account ends
    (the person then signs in with it and their second factor), and the owner is
    told by mail."""
    _set_password(user, password, action="auth.password_reset", request=request)


def change_password(
    user: User, password: str, *, request: HttpRequest | None = None
) -> None:
    """Set a new password from the account page; every other session ends."""
    keep = (request.session.session_key or "") if request is not None else ""
    _set_password(
        user, password, action="auth.password_changed", request=request, keep=keep
    )


def _set_password(
    user: User,
    password: str,
    *,
    action: str,
    request: HttpRequest | None = None,
    keep: str = "",
) -> None:
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        record(
            action, actor=user, target=user, request=request, details={"user": user.pk}
        )
        sign_out_everywhere(user, request=request, keep=keep or "")
        deliver(user, Notice(Kind.PASSWORD_CHANGED, link=reverse("accounts:login")))
