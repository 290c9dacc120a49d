"""A person's own preferences: the time zone their times are written in, and the
language the portal speaks to them."""

from __future__ import annotations

from django.db import transaction
from django.http import HttpRequest

from portal.accounts.models import User, validate_time_zone
from portal.audit.actions import record


def _set_preference(
    user: User, field: str, value: str, *, request: HttpRequest | None = None
) -> bool:
    """Lock `user`, set `field` to `value` and record `account.<field>_changed`;
    False when nothing changed."""
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        previous = getattr(locked, field)
        if previous == value:
            return False
        setattr(locked, field, value)
        locked.save(update_fields=[field])
        setattr(user, field, value)
        record(
            f"account.{field}_changed",
            actor=user,
            target=user,
            request=request,
            details={"from": previous, "to": value},
        )
    return True


def set_time_zone(user: User, zone: str, *, request: HttpRequest | None = None) -> bool:
    """Write `user`'s times in `zone` from now on; False when nothing changed."""
    validate_time_zone(zone)
    with transaction.atomic():
        if not _set_preference(user, "time_zone", zone, request=request):
            return False
        # The admin writes its times in its own profile's zone: keep it the same.
        from wagtail.users.models import UserProfile

        profile = UserProfile.get_for_user(user)
        profile.current_time_zone = zone if len(zone) <= 40 else ""
        profile.save(update_fields=["current_time_zone"])
    return True


def set_language(
    user: User, language: str, *, request: HttpRequest | None = None
) -> bool:
    """Speak `language` to `user` from now on (pages without a language prefix,
    mails); False when nothing changed."""
    from portal.core.languages import LANGUAGE_CODES

    if language not in LANGUAGE_CODES:
        raise ValueError(f"not one of the portal's languages: {language!r}")
    return _set_preference(user, "language", language, request=request)
