"""The confidentiality tiers of the exchange policy, least restricted first."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import models
from django.utils.translation import gettext_lazy as _


class Tier(models.TextChoices):
    # The labels are read in the viewer's language (a PDF's watermark in English).
    PUBLIC = "public", _("Public")
    RESTRICTED = "restricted", _("Restricted")
    CONFIDENTIAL = "confidential", _("Confidential")
    HIGHLY_CONFIDENTIAL = "highly_confidential", _("Highly confidential")

    @property
    def rank(self) -> int:
        return TIER_ORDER.index(self.value)

    @classmethod
    def at_or_below(cls, tier: str) -> list[str]:
        """Every tier a holder of `tier` clearance may see."""
        return TIER_ORDER[: TIER_ORDER.index(tier) + 1]


TIER_ORDER: list[str] = [tier.value for tier in Tier]


def highest(tiers: Iterable[str | None]) -> str | None:
    """The most restricted of `tiers`, or None when none is above public: the tier
    of a page's classification banner (the high-water mark of what it shows)."""
    ranked = [TIER_ORDER.index(t) for t in tiers if t in TIER_ORDER]
    top = max(ranked, default=0)
    return TIER_ORDER[top] if top else None
