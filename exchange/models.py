"""Exchange models: partner groups (documents and rooms follow)."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class PartnerGroup(models.Model):
    """A named group of States or of individual experts, e.g. a regional partnership.

    Managed by the secretariat. Membership takes effect at once: the exchange policy
    reads it on every request, nothing is cached per session.
    """

    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=120, unique=True)
    description = models.TextField(blank=True)
    states = models.ManyToManyField(
        "states.State", blank=True, related_name="partner_groups"
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="partner_groups",
        help_text="Individual experts, in addition to everyone of the member States.",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
