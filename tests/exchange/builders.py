"""Turn the reference policy's plain facts into rows, and generate those facts.

Generated examples write rows directly (in bulk, inside a savepoint the caller rolls
back) because hundreds of examples must stay fast; behaviour tests use the actions.
"""

from __future__ import annotations

import datetime

from django.contrib.auth.models import Group as AuthGroup
from django.utils import timezone

from hypothesis import strategies as st

from exchange.models import Document, PartnerGroup
from portal.accounts.guard import authorised
from portal.accounts.models import User
from portal.accounts.roles import Role
from portal.states.models import State
from tests.exchange.reference_policy import TIERS, Group, Paper, Person

STATE_CODES = ["NL", "BE", "DE"]
GROUP_NAMES = ["benelux", "nordic"]


def _states() -> dict[str, State]:
    return {s.iso_code: s for s in State.objects.filter(iso_code__in=STATE_CODES)}


def vetting(today: datetime.date):
    return st.sampled_from(
        [
            None,
            today - datetime.timedelta(days=1),
            today,
            today + datetime.timedelta(days=90),
        ]
    )


def expiry(now: datetime.datetime):
    return st.sampled_from(
        [None, now - datetime.timedelta(hours=1), now + datetime.timedelta(days=3)]
    )


def people(count: int, today: datetime.date):
    return st.lists(
        st.builds(
            Person,
            key=st.just(0),
            state=st.sampled_from([*STATE_CODES, None]),
            clearance=st.sampled_from(TIERS),
            active=st.booleans() | st.just(True),
            vetted_until=vetting(today),
            verified=st.booleans() | st.just(True),
            groups_by_name=st.sets(st.sampled_from(GROUP_NAMES), max_size=2),
            superuser=st.booleans(),
            secretariat=st.booleans(),
        ),
        min_size=count,
        max_size=count,
    ).map(lambda ps: [_keyed(p, i) for i, p in enumerate(ps)])


def _keyed(obj, key):
    obj.key = key
    return obj


def groups():
    return st.tuples(
        st.sets(st.sampled_from(STATE_CODES), max_size=2),
        st.sets(st.sampled_from(STATE_CODES), max_size=2),
    ).map(lambda t: [Group(GROUP_NAMES[0], t[0]), Group(GROUP_NAMES[1], t[1])])


def papers(count: int, person_count: int, now: datetime.datetime):
    def paper(tier):
        hc = tier == "highly_confidential"
        return st.builds(
            Paper,
            key=st.just(0),
            tier=st.just(tier),
            origin=st.sampled_from(STATE_CODES),
            states=st.just(set()) if hc else st.sets(st.sampled_from(STATE_CODES)),
            groups=st.just(set()) if hc else st.sets(st.sampled_from(GROUP_NAMES)),
            people=st.sets(st.integers(0, person_count - 1), max_size=2),
            expires_at=expiry(now),
            revoked=st.booleans(),
        )

    return st.lists(
        st.sampled_from(TIERS).flatmap(paper), min_size=count, max_size=count
    ).map(lambda ps: [_keyed(p, i) for i, p in enumerate(ps)])


def build_world(
    persons: list[Person],
    group_facts: list[Group],
    paper_facts: list[Paper],
    *,
    owner: User,
    users: list[User] | None = None,
    title_of=lambda paper: f"Exchange paper {paper.key} {paper.tier}",
):
    """Create (or, given fresh `users` without roles, update) rows matching the facts.

    Returns (users by person key, documents by paper key).
    """
    states = _states()
    # Bulk inserts keep hundreds of generated examples fast.
    partner_groups = {
        pg.name: pg
        for pg in PartnerGroup.objects.bulk_create(
            [PartnerGroup(name=g.name, slug=g.name) for g in group_facts]
        )
    }
    PartnerGroup.states.through.objects.bulk_create(
        [
            PartnerGroup.states.through(
                partnergroup_id=partner_groups[g.name].pk, state_id=states[c].pk
            )
            for g in group_facts
            for c in g.states
        ]
    )
    secretariat, _ = AuthGroup.objects.get_or_create(name=str(Role.SECRETARIAT))
    rows: dict[int, User] = {}
    members, roles = [], []
    for p in persons:
        fields = {
            "state": states.get(p.state) if p.state else None,
            "clearance": p.clearance,
            "is_active": p.active,
            "vetted_until": p.vetted_until,
            "is_superuser": p.superuser,
            "is_staff": p.superuser,
        }
        if users is not None:
            user = users[p.key]
            with authorised():  # a fixture reusing its rows between examples
                for name, value in fields.items():
                    setattr(user, name, value)
                user.save(update_fields=list(fields))
        else:
            user = User.objects.create_user(f"person{p.key}@example.org", **fields)
        if p.secretariat:
            roles.append(User.groups.through(user_id=user.pk, group_id=secretariat.pk))
        members += [
            PartnerGroup.members.through(
                partnergroup_id=partner_groups[name].pk, user_id=user.pk
            )
            for name in p.groups_by_name
            if name in partner_groups
        ]
        rows[p.key] = user
    User.groups.through.objects.bulk_create(roles)
    PartnerGroup.members.through.objects.bulk_create(members)
    created = Document.objects.bulk_create(
        [
            Document(
                title=title_of(paper),
                tier=paper.tier,
                originating_state=states[paper.origin],
                owner=owner,
                expires_at=paper.expires_at,
                revoked=paper.revoked,
            )
            for paper in paper_facts
        ]
    )
    documents = {
        paper.key: doc for paper, doc in zip(paper_facts, created, strict=True)
    }
    through = Document.shared_states.through
    through.objects.bulk_create(
        [
            through(document_id=documents[p.key].pk, state_id=states[c].pk)
            for p in paper_facts
            for c in p.states
        ]
    )
    through = Document.shared_groups.through
    through.objects.bulk_create(
        [
            through(
                document_id=documents[p.key].pk, partnergroup_id=partner_groups[n].pk
            )
            for p in paper_facts
            for n in p.groups
        ]
    )
    through = Document.shared_users.through
    through.objects.bulk_create(
        [
            through(document_id=documents[p.key].pk, user_id=rows[k].pk)
            for p in paper_facts
            for k in p.people
            if k in rows
        ]
    )
    return rows, documents


def now_and_today():
    now = timezone.now()
    return now, timezone.localdate()
