"""The progress visibility filter, held to a plain reference over generated cases.

`visible_records` and `can_view_record` must agree with `reference_can_view` (the
exchange policy written out by hand) for any viewer and any record; and every
channel (dashboard, per-State page, chart JSON, CSV) must show a viewer no text,
count or chart point beyond what the reference allows plus published aggregates.
"""

from __future__ import annotations

import csv
import datetime
import io
import json
import re
import uuid
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exchange.actions import change_partner_group
from exchange.models import PartnerGroup
from exchange.policy import Viewer, viewer_for_user
from portal.states.models import State
from practices.progress.models import (
    PeerReviewMission,
    ProgressPublication,
    Recommendation,
    TrainingActivity,
)
from practices.progress.visibility import can_view_record, visible_records
from tests.progress.conftest import make_person
from tests.support import login_verified

pytestmark = pytest.mark.django_db
TIERS = ["public", "restricted", "confidential", "highly_confidential"]
POOL_STATES = ["NL", "BE", "FR"]


@dataclass(frozen=True)
class Spec:
    """A generated record: its State, tier and sharing (as pool indexes)."""

    state: int
    tier: str
    states: frozenset[int]
    groups: frozenset[int]
    users: frozenset[int]


def reference_can_view(viewer: Viewer, spec: Spec, pool) -> bool:
    """The exchange policy's rule for progress records, written plainly."""
    if spec.tier == "public":
        return True
    if viewer.user_id is None or spec.tier not in viewer.restricted_tiers:
        return False
    if spec.tier == "highly_confidential":
        return viewer.user_id in {pool.users[i] for i in spec.users}
    reached_states = {pool.states[spec.state]} | {pool.states[i] for i in spec.states}
    if viewer.state_id in reached_states:
        return True
    return bool(viewer.group_ids & {pool.groups[i] for i in spec.groups})


@dataclass
class Pool:
    states: list[int]
    groups: list[int]
    users: list[int]


@pytest.fixture
def pool(db) -> Pool:
    groups = [
        PartnerGroup.objects.create(name=f"Group {i}", slug=f"group-{i}").pk
        for i in range(3)
    ]
    users = [make_person(POOL_STATES[i % 3]).pk for i in range(4)]
    states = [State.objects.get(iso_code=iso).pk for iso in POOL_STATES]
    return Pool(states=states, groups=groups, users=users)


def subsets(n: int):
    return st.frozensets(st.integers(0, n - 1), max_size=n)


specs = st.builds(
    Spec,
    state=st.integers(0, 2),
    tier=st.sampled_from(TIERS),
    states=subsets(3),
    groups=subsets(3),
    users=subsets(4),
)
viewers = st.builds(
    lambda user, state, groups, cleared: (user, state, groups, cleared),
    user=st.none() | st.integers(0, 3),
    state=st.none() | st.integers(0, 2),
    groups=subsets(3),
    cleared=st.integers(0, 3),
)


def make_viewer(raw, pool: Pool) -> Viewer:
    user, state, groups, cleared = raw
    return Viewer(
        user_id=None if user is None else pool.users[user],
        state_id=None if state is None else pool.states[state],
        group_ids=frozenset(pool.groups[i] for i in groups),
        restricted_tiers=tuple(TIERS[1 : cleared + 1]),
    )


def store(spec: Spec, pool: Pool, model=TrainingActivity, **values):
    record = model.objects.create(
        state_id=pool.states[spec.state], tier=spec.tier, **values
    )
    record.shared_with_states.set([pool.states[i] for i in spec.states])
    record.shared_with_groups.set([pool.groups[i] for i in spec.groups])
    record.shared_with_users.set([pool.users[i] for i in spec.users])
    return record


class Rollback(Exception):
    pass


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    records=st.lists(specs, min_size=1, max_size=8),
    raw_viewers=st.lists(viewers, min_size=1, max_size=5),
)
def test_visible_records_and_can_view_agree_with_the_reference(
    pool, records, raw_viewers
):
    try:
        with transaction.atomic():
            stored = [
                (
                    spec,
                    store(
                        spec, pool, course="c", audience="a", participants=1, year=2020
                    ),
                )
                for spec in records
            ]
            for raw in raw_viewers:
                viewer = make_viewer(raw, pool)
                expected = {
                    r.pk for spec, r in stored if reference_can_view(viewer, spec, pool)
                }
                visible = visible_records(TrainingActivity.objects.all(), viewer)
                assert set(visible.values_list("pk", flat=True)) == expected
                # No duplicates from the sharing joins: counts are exact.
                assert visible.count() == len(expected)
                for _spec, record in stored:
                    assert can_view_record(viewer, record) == (record.pk in expected)
            raise Rollback
    except Rollback:
        pass


# --- every channel, for real people signed in through the real policy --------------


def people(pool_group: PartnerGroup) -> dict[str, object]:
    """Anonymous, uncleared, cleared by State, by group, by name, and an operator."""
    nl_expert = make_person("NL", clearance="confidential")
    be_in_group = make_person("BE", clearance="confidential")
    change_partner_group(pool_group, add_members=[be_in_group], by=None)
    return {
        "anonymous": None,
        "unverified NL": make_person("NL", clearance="confidential"),
        "unvetted NL": make_person("NL", clearance="confidential", vetted=False),
        "NL expert": nl_expert,
        "BE expert in group": be_in_group,
        "FR restricted-only": make_person("FR", clearance="restricted"),
        "named HC": make_person("FR", clearance="highly_confidential"),
        "operator": make_person(None, clearance="public"),
    }


channel_recommendations = st.lists(
    st.tuples(
        st.integers(0, 2),  # State
        st.sampled_from(TIERS),
        st.booleans(),  # shared with the group
        st.booleans(),  # implemented
        st.integers(2016, timezone.localdate().year - 1),  # year made
    ),
    min_size=1,
    max_size=6,
)


def csv_rows(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode())))


@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    recs=channel_recommendations,
    publishing=subsets(3),
    mission_tiers=st.lists(st.sampled_from(TIERS[:3]), min_size=3, max_size=3),
)
def test_no_channel_shows_more_than_the_policy_allows(
    client, pool, recs, publishing, mission_tiers
):
    try:
        with transaction.atomic():
            group = PartnerGroup.objects.get(pk=pool.groups[0])
            who = people(group)
            named = who["named HC"]
            missions = [
                PeerReviewMission.objects.create(
                    state_id=state,
                    mission_type="ippas",
                    year=2016,
                    scope=f"SCOPE-{uuid.uuid4().hex}",
                    status="conducted",
                    tier=tier,
                )
                for state, tier in zip(pool.states, mission_tiers, strict=True)
            ]
            for i in publishing:
                ProgressPublication.objects.create(
                    state_id=pool.states[i], publish_aggregates=True
                )
            made = []
            for state, tier, to_group, implemented, year in recs:
                text = f"SECRET-{uuid.uuid4().hex}"
                made_on = datetime.date(year, 3, 1)
                rec = Recommendation.objects.create(
                    state_id=pool.states[state],
                    mission=missions[state],
                    text=text,
                    tier=tier,
                    made_on=made_on,
                    status="implemented" if implemented else "open",
                    implemented_on=made_on + datetime.timedelta(days=200)
                    if implemented
                    else None,
                )
                if to_group and tier != "highly_confidential":
                    rec.shared_with_groups.add(group)
                if tier == "highly_confidential":
                    rec.shared_with_users.add(named)
                made.append(rec)

            for label, user in who.items():
                client.logout()
                if user is not None:
                    if label == "unverified NL":
                        client.force_login(user)
                    else:
                        login_verified(client, user)
                verified = user is not None and label != "unverified NL"
                viewer = viewer_for_user(user, verified=verified) if user else Viewer()
                seen = [r for r in made if reference_check(viewer, r, pool, group)]
                counted = [
                    r
                    for r in made
                    if r in seen or pool.states.index(r.state_id) in publishing
                ]
                pages = [client.get("/progress/").content.decode()] + [
                    client.get(f"/progress/{iso}/").content.decode()
                    for iso in POOL_STATES
                ]
                csvs = {
                    slug: client.get(f"/progress/data/{slug}.csv").content
                    for slug in ("closure-rate", "missions-per-year")
                }
                everything = "".join(pages) + "".join(c.decode() for c in csvs.values())
                seen_missions = [
                    m for m in missions if can_view_reference(viewer, m, pool)
                ]
                counted_missions = [
                    m
                    for m in missions
                    if m in seen_missions or pool.states.index(m.state_id) in publishing
                ]
                for mission in missions:
                    assert (mission.scope in everything) == (mission in seen_missions)
                # A recommendation's text shows under its mission, when both are seen.
                for rec in made:
                    shown = rec in seen and rec.mission in seen_missions
                    assert (rec.text in everything) == shown, (label, rec.tier)
                expected_missions = (
                    [["2016", str(len(counted_missions)), "0", "0"]]
                    if counted_missions
                    else []
                )
                assert csv_rows(csvs["missions-per-year"])[1:] == expected_missions
                assert chart_rows(pages[0], "missions-per-year") == expected_missions
                for index, iso_page in enumerate(pages[1:]):
                    total = sum(1 for r in counted if r.state_id == pool.states[index])
                    if total:
                        assert f"<dd>{total}</dd>" in iso_page
                    else:
                        assert "No figures are public." in iso_page
                assert csv_rows(csvs["closure-rate"])[1:] == expected_closure(
                    counted
                ), label
                # The chart's JSON carries exactly the CSV's figures.
                assert (
                    chart_rows(pages[0], "closure-rate")
                    == csv_rows(csvs["closure-rate"])[1:]
                )
            raise Rollback
    except Rollback:
        pass


def can_view_reference(viewer: Viewer, record, pool: Pool) -> bool:
    """The reference rule for a record shared with nobody beyond its own State."""
    spec = Spec(
        state=pool.states.index(record.state_id),
        tier=record.tier,
        states=frozenset(),
        groups=frozenset(),
        users=frozenset(),
    )
    return reference_can_view(viewer, spec, pool)


def reference_check(viewer: Viewer, rec: Recommendation, pool: Pool, group) -> bool:
    spec = Spec(
        state=pool.states.index(rec.state_id),
        tier=rec.tier,
        states=frozenset(),
        groups=frozenset({0}) if rec.shared_with_groups.exists() else frozenset(),
        users=frozenset(
            pool.users.index(u)
            for u in rec.shared_with_users.values_list("pk", flat=True)
            if u in pool.users
        ),
    )
    if rec.tier == "highly_confidential":
        return (
            viewer.may_see_tier(rec.tier)
            and rec.shared_with_users.filter(pk=viewer.user_id).exists()
        )
    return reference_can_view(viewer, spec, pool)


def expected_closure(counted: list[Recommendation]) -> list[list[str]]:
    """Hand-rolled closure rows: cumulative made and implemented, per year."""
    if not counted:
        return []
    first = min(r.made_on.year for r in counted)
    rows = []
    for year in range(first, timezone.localdate().year + 1):
        made = sum(1 for r in counted if r.made_on.year <= year)
        closed = sum(
            1 for r in counted if r.implemented_on and r.implemented_on.year <= year
        )
        rows.append(
            [str(year), str(made), str(closed), str(round(100 * closed / made, 1))]
        )
    return rows


def chart_rows(page: str, slug: str) -> list[list[str]]:
    match = re.search(
        rf'<script id="{slug}-data" type="application/json">(.*?)</script>', page, re.S
    )
    if match is None:
        return []
    config = json.loads(match.group(1))
    return [
        [str(label), *(str(ds["data"][i]) for ds in config["datasets"])]
        for i, label in enumerate(config["labels"])
    ]
