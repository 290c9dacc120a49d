"""Writes of the people directory: a person's own entry, audited."""

from __future__ import annotations

from django.db import transaction

from portal.audit.actions import record
from portal.people.models import DirectoryEntry


def entry_of(user) -> DirectoryEntry:
    """The person's entry, unsaved with the defaults when they never changed it."""
    entry = DirectoryEntry.objects.filter(user=user).first()
    return entry or DirectoryEntry(user=user)


def update_directory_entry(
    user, *, listed: bool, areas: str, request=None
) -> DirectoryEntry:
    """Set whether `user` is listed and the areas they give; only their own entry.

    The trail records the choice and whether the areas changed, not their text.
    """
    areas = " ".join(areas.split())
    with transaction.atomic():
        entry, _ = DirectoryEntry.objects.select_for_update().get_or_create(user=user)
        before = {"listed": entry.listed, "areas": entry.areas}
        if before == {"listed": listed, "areas": areas}:
            return entry
        entry.listed = listed
        entry.areas = areas
        entry.save()
        record(
            "people.directory_entry.updated",
            actor=user,
            target=user,
            request=request,
            details={
                "listed": listed,
                "was_listed": before["listed"],
                "areas_changed": before["areas"] != areas,
            },
        )
    return entry
