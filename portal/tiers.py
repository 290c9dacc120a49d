"""The confidentiality tiers of the exchange policy, least restricted first."""

from __future__ import annotations

from django.db import models


class Tier(models.TextChoices):
    PUBLIC = "public", "Public"
    RESTRICTED = "restricted", "Restricted"
    CONFIDENTIAL = "confidential", "Confidential"
    HIGHLY_CONFIDENTIAL = "highly_confidential", "Highly confidential"

    @property
    def rank(self) -> int:
        return TIER_ORDER.index(self.value)

    @classmethod
    def at_or_below(cls, tier: str) -> list[str]:
        """Every tier a holder of `tier` clearance may see."""
        return TIER_ORDER[: TIER_ORDER.index(tier) + 1]


TIER_ORDER: list[str] = [tier.value for tier in Tier]
