"""Writes on mail choices: the account page's preferences and one-click unsubscribe."""

from __future__ import annotations

from django.db import transaction

from portal.audit.actions import record
from portal.mail.kinds import CHOOSABLE_KINDS, Delivery, Kind, is_security
from portal.mail.models import MailPreference


def set_preferences(user, choices: dict[str, str], *, request=None) -> list[str]:
    """Record how `user` wants each kind; returns the kinds that changed.

    Security kinds are not choosable: a choice for one is refused."""
    refused = [kind for kind in choices if is_security(kind)]
    if refused:
        raise ValueError(f"Security mail cannot be turned off: {', '.join(refused)}")
    current = preferences_of(user)
    changed = {
        kind: how
        for kind, how in choices.items()
        if kind in CHOOSABLE_KINDS and how in Delivery.values and current[kind] != how
    }
    if not changed:
        return []
    with transaction.atomic():
        for kind, how in changed.items():
            MailPreference.objects.update_or_create(
                user=user, kind=kind, defaults={"delivery": how}
            )
        record(
            "mail.preferences_changed",
            actor=user,
            target=user,
            request=request,
            details={"changed": changed},
        )
    return sorted(changed)


def unsubscribe(user, kind: str, *, request=None) -> list[str]:
    """The one-click link of a mail: that kind never again (a digest's link: every
    kind that was to come in the digest)."""
    if kind == Kind.DIGEST:
        current = preferences_of(user)
        kinds = [k for k in CHOOSABLE_KINDS if current[k] == Delivery.DIGEST]
    else:
        kinds = [Kind(kind)]
    return set_preferences(user, dict.fromkeys(kinds, Delivery.NEVER), request=request)


def preferences_of(user) -> dict[str, str]:
    chosen = dict(
        MailPreference.objects.filter(user=user).values_list("kind", "delivery")
    )
    return {kind: chosen.get(kind, Delivery.IMMEDIATELY) for kind in CHOOSABLE_KINDS}
