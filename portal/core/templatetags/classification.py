"""The classification banner: the highest tier a page shows, at its top and bottom.

Views that show restricted material put its tier in the context as
`classification` (`portal.tiers.highest` of what the page shows); the base template
draws the banner from it twice. Pages without it show none.
"""

from __future__ import annotations

from django import template

from portal.tiers import Tier, highest

register = template.Library()


@register.inclusion_tag("_classification.html", takes_context=True)
def classification_banner(context, position: str) -> dict:
    tier = highest([context.get("classification")])
    if tier is None:
        return {"tier": None}
    return {"tier": tier, "label": Tier(tier).label, "position": position}
