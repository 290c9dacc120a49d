"""The backstop of account access: what grants access changes only inside an action.

Groups (roles among them), superuser status, clearance, vetting and partner-group
membership decide what a person may see or do. The named actions
(`portal.accounts.actions`, `exchange.actions`) check who acts, refuse a change of
one's own access and record every change with its actor. They do their writes inside
`authorised()`; the receivers in `portal.accounts.receivers` refuse, by raising
`UnauditedChange`, any such write made elsewhere (an admin form, a shell, a script),
so none happens silently.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied

from portal.audit.actions import record
from portal.audit.models import Outcome

if TYPE_CHECKING:
    from django.db.models import Model
    from django.http import HttpRequest

    from portal.accounts.models import User

logger = logging.getLogger("portal.accounts")

# The fields of a user that grant access; `state` is left out on purpose: it is set
# at invitation and read by the policy only together with vetting and sharing.
PROTECTED_USER_FIELDS = (
    "is_superuser",
    "clearance",
    "vetted_until",
    "vetted_by",
    "vetted_at",
)

_AUTHORISED: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "account_change_authorised", default=False
)


class UnauditedChange(PermissionDenied):
    """A change of access attempted outside the audited actions."""


class SelfChangeRefused(PermissionDenied):
    """Someone tried to change their own access; the message is shown to them."""


@contextlib.contextmanager
def authorised() -> Iterator[None]:
    """Mark the writes of an audited action; nothing else should enter this."""
    token = _AUTHORISED.set(True)
    try:
        yield
    finally:
        _AUTHORISED.reset(token)


def is_authorised() -> bool:
    return _AUTHORISED.get()


def refuse_unaudited(what: str) -> None:
    """Raise unless inside an action. The attempt is logged, and recorded in the
    audit trail too unless the surrounding transaction rolls back with the refusal
    (a many-to-many change runs in a transaction of its own)."""
    if _AUTHORISED.get():
        return
    logger.warning("refused an unaudited change: %s", what)
    record(
        "accounts.unaudited_change_refused",
        outcome=Outcome.DENIED,
        details={"change": what},
    )
    raise UnauditedChange(
        f"{what} changes only through the portal's audited actions "
        "(portal.accounts.actions, exchange.actions)."
    )


def refuse_self_change(
    user: Model | None,
    *,
    by: User | None,
    action: str,
    request: HttpRequest | None = None,
    **details: Any,
) -> None:
    """Nobody changes their own access: audited as denied, then SelfChangeRefused.

    The refusal is recorded before anything is written, outside the action's
    transaction, so it stays even though the action does not happen.
    """
    if by is None or user is None or by.pk != user.pk:
        return
    record(
        action,
        actor=by,
        target=user,
        outcome=Outcome.DENIED,
        request=request,
        details={"reason": "own access", **details},
    )
    raise SelfChangeRefused(
        "You cannot change your own roles, groups, clearance, vetting or "
        "partner-group membership: another authorised person must do it."
    )
