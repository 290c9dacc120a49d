"""A person's entry in the people directory: whether they are listed, and their areas.

Kept beside the account rather than on it: the entry is the person's own to edit,
while the account's fields that grant access change only through audited actions.
A person without an entry is listed, with no areas.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class DirectoryEntry(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="directory_entry",
    )
    listed = models.BooleanField(
        _("listed in the people directory"),
        default=True,
        help_text=_(
            "Vetted experts find you by name, with your State and areas, and can "
            "choose you when they share a document."
        ),
    )
    areas = models.CharField(
        _("areas of work"),
        max_length=500,
        blank=True,
        help_text=_(
            "The commitments and topics you work on, e.g. “Commitment 3b, peer "
            "reviews; insider threat”."
        ),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("directory entry")
        verbose_name_plural = _("directory entries")

    def __str__(self) -> str:
        return f"Directory entry of person #{self.user_id}"
