"""Demo content of live coordination: each partner group's room, with a few messages.

Idempotent: rooms are created only where missing and messages only in a room that
has none. Whatever is not there yet (groups, vetted experts of the group's States)
is skipped, and the next run fills it in.
"""

from __future__ import annotations

from django.db.models import Q

from exchange.coordination.actions import ensure_group_room, post_message
from exchange.models import PartnerGroup
from exchange.policy import can_enter_room, viewer_for_user
from portal.accounts.models import User

SCRIPT = [
    "Good morning all. The agenda for Thursday's <b>table-top exercise</b> is now in "
    "the exchange; please confirm your participants by Tuesday.",
    "Thanks. Our regulator will send two inspectors and one observer from the "
    "operator's security department.",
    "Noted. We will also walk through the follow-up of the 2024 IPPAS "
    'recommendations; see <a href="https://www.iaea.org/services/review-missions/'
    'international-physical-protection-advisory-service-ippas">IPPAS</a>.',
]


def ensure_demo_coordination(write=None) -> int:
    """Rooms for every group and a short conversation in empty ones; messages added."""
    added = 0
    for group in PartnerGroup.objects.all():
        room = ensure_group_room(group)
        if room.messages.exists():
            continue
        authors = [
            user
            for user in User.objects.filter(
                Q(partner_groups=group) | Q(state__in=group.states.all()),
                is_active=True,
            )
            .distinct()
            .order_by("email")
            if can_enter_room(viewer_for_user(user, verified=True), room)
        ]
        if not authors:
            continue
        for n, text in enumerate(SCRIPT):
            author = authors[n % len(authors)]
            post_message(viewer_for_user(author, verified=True), room.pk, text)
            added += 1
    if write is not None:
        write(f"Coordination messages added: {added or 'none'}")
    return added
