"""A person's own preferences: the time zone their times are written in, and the
language the portal speaks to them."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction

from portal.accounts.models import User, validate_time_zone
from portal.audit.actions import record


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


def set_language(user: User, language: str, *, request=None) -> bool:
    """Speak `language` to `user` from now on (pages without a language prefix,
    mails); False when nothing changed."""
    if language not in {code for code, _name in settings.LANGUAGES}:
        raise ValueError(f"not one of the portal's languages: {language!r}")
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        previous = locked.language
        if previous == language:
            return False
        locked.language = language
        locked.save(update_fields=["language"])
        user.language = language
        record(
            "account.language_changed",
            actor=user,
            target=user,
            request=request,
            details={"from": previous, "to": language},
        )
    return True
