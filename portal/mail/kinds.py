"""The kinds of mail the portal sends, and which of them a person may turn off."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    SHARED_WITH_YOU = "shared_with_you", _("A document is shared with you")
    SHARED_WITH_STATE = "shared_with_state", _("A document is shared with your State")
    SHARED_WITH_GROUP = "shared_with_group", _("A document is shared with your group")
    MENTION = "mention", _("You are mentioned in a room")
    PAGE_APPROVED = "page_approved", _("Your page is approved")
    PAGE_REJECTED = "page_rejected", _("Your page needs changes")
    VETTING_ENDING = "vetting_ending", _("Your vetting ends in 30 days")
    VETTING_ENDED = "vetting_ended", _("Your vetting has ended")
    FACTOR_ADDED = "factor_added", _("A second factor was added to your account")
    PASSWORD_CHANGED = "password_changed", _("Your password was changed")
    FACTOR_RESET = "factor_reset", _("Your second factors are reset")
    PASSWORD_RESET = "password_reset", _("A password reset link")
    INVITATION = "invitation", _("An invitation")
    DIGEST = "digest", _("The daily digest")


class Delivery(models.TextChoices):
    IMMEDIATELY = "immediately", _("Immediately")
    DIGEST = "digest", _("In a daily digest")
    NEVER = "never", _("Never")


# Mail about one's own account's security goes out at once, always, and carries no
# unsubscribe link: a person must hear that their password or factors changed.
SECURITY_KINDS = frozenset(
    {
        Kind.FACTOR_ADDED,
        Kind.PASSWORD_CHANGED,
        Kind.FACTOR_RESET,
        Kind.PASSWORD_RESET,
        Kind.INVITATION,
    }
)

# What a person chooses for, on the account page, in this order.
CHOOSABLE_KINDS = (
    Kind.SHARED_WITH_YOU,
    Kind.SHARED_WITH_STATE,
    Kind.SHARED_WITH_GROUP,
    Kind.MENTION,
    Kind.PAGE_APPROVED,
    Kind.PAGE_REJECTED,
    Kind.VETTING_ENDING,
    Kind.VETTING_ENDED,
)

# The security kinds a person sees (and cannot change) on the account page.
SHOWN_SECURITY_KINDS = (Kind.FACTOR_ADDED, Kind.PASSWORD_CHANGED, Kind.FACTOR_RESET)


def is_security(kind: str) -> bool:
    return kind in SECURITY_KINDS
