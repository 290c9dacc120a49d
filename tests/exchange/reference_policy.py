"""A plain, deliberately naive statement of the exchange policy, for tests to compare.

It knows nothing of querysets, Viewer objects or Elasticsearch: it reads the five
conditions of MISSION.md straight off plain facts. Every channel of the portal must
agree with it.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

TIERS = ["public", "restricted", "confidential", "highly_confidential"]


@dataclass
class Person:
    key: int
    state: str | None
    clearance: str = "public"
    active: bool = True
    vetted_until: datetime.date | None = None
    verified: bool = False
    groups_by_name: set[str] = field(default_factory=set)
    superuser: bool = False
    secretariat: bool = False


@dataclass
class Group:
    name: str
    states: set[str] = field(default_factory=set)


@dataclass
class Paper:
    key: int
    tier: str
    origin: str
    states: set[str] = field(default_factory=set)
    groups: set[str] = field(default_factory=set)
    people: set[int] = field(default_factory=set)
    expires_at: datetime.datetime | None = None
    revoked: bool = False


def groups_of(person: Person, groups: list[Group]) -> set[str]:
    return {
        g.name
        for g in groups
        if g.name in person.groups_by_name
        or (person.state is not None and person.state in g.states)
    }


def may_see(
    person: Person,
    paper: Paper,
    groups: list[Group],
    today: datetime.date,
    now: datetime.datetime,
) -> bool:
    # 1. active, vetted, vetting not expired
    if not person.active or person.vetted_until is None or person.vetted_until < today:
        return False
    # 2. session verified with a second factor
    if not person.verified:
        return False
    # 3. clearance at or above the tier
    if TIERS.index(person.clearance) < TIERS.index(paper.tier):
        return False
    # 4. neither revoked nor expired
    if paper.revoked or (paper.expires_at is not None and paper.expires_at <= now):
        return False
    # 5. reached by the sharing; highly confidential by name only
    if person.key in paper.people:
        return True
    if paper.tier == "highly_confidential":
        return False
    if person.state is not None and (
        person.state == paper.origin or person.state in paper.states
    ):
        return True
    return bool(groups_of(person, groups) & paper.groups)


def may_enter_room(
    person: Person,
    group: str,
    room_tier: str,
    groups: list[Group],
    today: datetime.date,
    *,
    archived: bool = False,
) -> bool:
    """A coordination room: its group's members (by name or State), cleared as for
    a document of the room's tier, while the room is open."""
    if archived or group not in groups_of(person, groups):
        return False
    if not person.active or person.vetted_until is None or person.vetted_until < today:
        return False
    return person.verified and TIERS.index(person.clearance) >= TIERS.index(room_tier)


def may_see_reference(
    person: Person,
    paper: Paper,
    message_tier: str,
    groups: list[Group],
    today: datetime.date,
    now: datetime.datetime,
) -> bool:
    """A document referenced by a room message: seen by whoever may see the
    document, while its tier stays at or below the message's (the high-water
    mark)."""
    return may_see(person, paper, groups, today, now) and TIERS.index(
        paper.tier
    ) <= TIERS.index(message_tier)
