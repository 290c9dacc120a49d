"""Demo content of the restricted exchange: partner groups and a few shared documents.

Idempotent: groups are matched by slug and documents by title and originating State.
A document is created only when its State has a vetted expert cleared for its tier
(the demo accounts come from the accounts' own demo loader); otherwise it is skipped
and the next run creates it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Q
from django.utils import timezone

from exchange import actions
from exchange.models import Document, PartnerGroup
from exchange.pdf import make_text_pdf
from portal.accounts.models import User
from portal.states.models import State
from portal.tiers import Tier

GROUPS = [
    (
        "benelux-partnership",
        "Benelux partnership",
        "Regulators and operators of Belgium and the Netherlands.",
        ["BE", "NL"],
    ),
    (
        "baltic-nordic-cooperation",
        "Baltic and Nordic cooperation",
        "Border monitoring and source security around the Baltic Sea.",
        ["DK", "FI", "LT", "NO", "SE"],
    ),
]


@dataclass
class DemoDocument:
    title: str
    origin: str
    tier: str
    summary: str
    states: list[str] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)
    named_from: list[str] = field(default_factory=list)  # States of named experts
    handling_note: str = ""


DOCUMENTS = [
    DemoDocument(
        "Insider threat mitigation at research reactors: lessons learned",
        "NL",
        Tier.RESTRICTED,
        "Findings of the 2025 insider threat review at two research reactors.",
        groups=["benelux-partnership"],
        handling_note="Benelux partners only; do not forward.",
    ),
    DemoDocument(
        "Transport security exercise: after-action report",
        "NL",
        Tier.CONFIDENTIAL,
        "Table-top and field exercise on the road transport of category 1 material.",
        states=["BE", "DE"],
    ),
    DemoDocument(
        "Radioactive source inventory review 2026",
        "BE",
        Tier.RESTRICTED,
        "How the national register of high-activity sealed sources was reconciled.",
        groups=["baltic-nordic-cooperation"],
    ),
    DemoDocument(
        "Computer security assessment methodology (draft)",
        "DE",
        Tier.CONFIDENTIAL,
        "A draft method for assessing computer security at nuclear facilities.",
        states=["NL"],
    ),
    DemoDocument(
        "IPPAS follow-up action plan (summary)",
        "DE",
        Tier.PUBLIC,
        "Summary of the actions taken on the recommendations of the IPPAS mission.",
        groups=["benelux-partnership"],
    ),
    DemoDocument(
        "Design basis threat annex",
        "DE",
        Tier.HIGHLY_CONFIDENTIAL,
        "The classified annex of the national design basis threat.",
        named_from=["NL"],
        handling_note="Named recipients only. Store offline after reading.",
    ),
]


def _experts(iso: str, tier: str):
    today = timezone.localdate()
    return (
        User.objects.filter(
            state__iso_code=iso,
            is_active=True,
            vetted_until__gte=today,
            clearance__in=[t for t in Tier.values if tier in Tier.at_or_below(t)],
        )
        .filter(~Q(is_superuser=True))
        .order_by("pk")
    )


def ensure_demo_exchange(write=print) -> None:
    """Create the demo's partner groups and documents that are missing."""
    groups = {}
    for slug, name, description, members in GROUPS:
        group, created = PartnerGroup.objects.get_or_create(
            slug=slug, defaults={"name": name, "description": description}
        )
        if created:
            actions.change_partner_group(
                group, add_states=State.objects.filter(iso_code__in=members), by=None
            )
        groups[slug] = group
        write(f"Partner group {'created' if created else 'ready'}: {name}")
    for spec in DOCUMENTS:
        if Document.objects.filter(
            title=spec.title, originating_state__iso_code=spec.origin
        ).exists():
            write(f"Exchange document ready: {spec.title}")
            continue
        owner = _experts(spec.origin, spec.tier).first()
        if owner is None:
            write(
                f"Exchange document skipped (no vetted expert of {spec.origin} "
                f"cleared for {spec.tier}): {spec.title}"
            )
            continue
        named = [
            expert
            for iso in spec.named_from
            if (expert := _experts(iso, spec.tier).first()) is not None
        ]
        pdf = make_text_pdf(
            spec.title,
            [
                spec.summary,
                f"From {owner.state.name}. Tier: {Tier(spec.tier).label}.",
                "Demonstration content of the Nuclear Security Implementation Portal.",
            ],
        )
        file_name = spec.title.split(":")[0].lower().replace(" ", "-")[:60] + ".pdf"
        actions.create_document(
            by=owner,
            title=spec.title,
            description=spec.summary,
            tier=spec.tier,
            upload=SimpleUploadedFile(file_name, pdf, content_type="application/pdf"),
            handling_note=spec.handling_note,
            states=State.objects.filter(iso_code__in=spec.states),
            groups=[groups[slug] for slug in spec.groups],
            users=named,
        )
        write(f"Exchange document created for {owner.email}: {spec.title}")
