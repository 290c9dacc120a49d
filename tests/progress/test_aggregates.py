"""Dashboard figures against hand-computed values, and what an aggregate may reveal."""

from __future__ import annotations

import csv
import datetime
import io

from django.utils import timezone

import pytest

from exchange.policy import ANONYMOUS, viewer_for_user
from portal.states.models import State
from practices.progress.aggregates import (
    closure_rate_chart,
    commitment_status_chart,
    missions_chart,
    state_recommendation_figures,
)
from practices.progress.models import (
    ActionContribution,
    CommitmentStatus,
    PeerReviewMission,
    ProgressPublication,
    Recommendation,
)
from tests.progress.conftest import make_person
from tests.progress.test_visibility import chart_rows
from tests.support import login_verified

pytestmark = pytest.mark.django_db
THIS_YEAR = timezone.localdate().year
D = datetime.date


@pytest.fixture
def small_world(db):
    """Three States: A (NL) public, B (BE) publishes aggregates, C (FR) keeps all."""
    a, b, c = (State.objects.get(iso_code=iso) for iso in ("NL", "BE", "FR"))
    CommitmentStatus.objects.create(state=a, commitment="1", status="implemented")
    CommitmentStatus.objects.create(state=a, commitment="2a", status="in_progress")
    CommitmentStatus.objects.create(state=b, commitment="1", status="implemented")
    CommitmentStatus.objects.create(
        state=b, commitment="2a", status="exceeded", tier="confidential"
    )
    ActionContribution.objects.create(state=a, action="7")
    ActionContribution.objects.create(state=b, action="7", tier="confidential")

    def mission(state, kind, year, tier):
        return PeerReviewMission.objects.create(
            state=state,
            mission_type=kind,
            year=year,
            scope="s",
            status="conducted",
            tier=tier,
        )

    def rec(m, text, made, implemented=None, tier="confidential"):
        return Recommendation.objects.create(
            state=m.state,
            mission=m,
            text=text,
            made_on=made,
            tier=tier,
            status="implemented" if implemented else "open",
            implemented_on=implemented,
        )

    ma = mission(a, "ippas", 2018, "public")
    mb = mission(b, "insserv", 2019, "confidential")
    mc = mission(c, "other", 2020, "confidential")
    rec(ma, "A-public-closed", D(2018, 5, 1), D(2019, 3, 1), tier="public")
    rec(ma, "A-secret-open", D(2018, 5, 1))
    rec(mb, "B-secret-closed", D(2019, 6, 1), D(2020, 2, 1))
    rec(mc, "C-secret-open", D(2020, 7, 1))
    ProgressPublication.objects.create(state=b, publish_aggregates=True)
    ProgressPublication.objects.create(state=c, publish_aggregates=False)
    return a, b, c


def tail(first: list, years: range, last: list) -> list:
    return first + [[str(y), *last] for y in years]


def test_the_public_figures_match_hand_computed_values(small_world):
    status = commitment_status_chart(ANONYMOUS).rows
    assert status[0] == ["1 · NSS 20", 0, 0, 2, 0, 33]
    assert status[1] == ["2a · NSS 13", 0, 1, 0, 0, 34]  # B's exceeded is restricted
    assert missions_chart(ANONYMOUS).rows == [["2018", 1, 0, 0], ["2019", 0, 1, 0]]
    assert closure_rate_chart(ANONYMOUS).rows == [
        ["2018", 1, 0, 0.0],
        ["2019", 2, 1, 50.0],
        *[[str(y), 2, 2, 100.0] for y in range(2020, THIS_YEAR + 1)],
    ]


def test_a_cleared_viewer_of_the_state_counts_its_restricted_records(small_world):
    a, _, _ = small_world
    nl = viewer_for_user(make_person("NL", clearance="confidential"), verified=True)
    assert closure_rate_chart(nl).rows[:3] == [
        ["2018", 2, 0, 0.0],
        ["2019", 3, 1, 33.3],
        ["2020", 3, 2, 66.7],
    ]
    be = viewer_for_user(make_person("BE", clearance="confidential"), verified=True)
    assert commitment_status_chart(be).rows[1] == ["2a · NSS 13", 0, 1, 0, 1, 33]
    assert state_recommendation_figures(a, nl) == {
        "total": 2,
        "implemented": 1,
        "open": 1,
        "rate": 50.0,
    }
    assert state_recommendation_figures(a, ANONYMOUS)["total"] == 1
    # Unverified, the same person counts only what is public or published.
    unverified = viewer_for_user(
        make_person("NL", clearance="confidential"), verified=False
    )
    assert closure_rate_chart(unverified).rows == closure_rate_chart(ANONYMOUS).rows


def test_a_public_aggregate_of_restricted_records_exposes_no_text(client, small_world):

    pages = "".join(
        client.get(url).content.decode()
        for url in ["/progress/", "/progress/BE/", "/progress/FR/", "/progress/NL/"]
    ) + "".join(
        client.get(f"/progress/data/{slug}.csv").content.decode()
        for slug in (
            "commitment-status",
            "missions-per-year",
            "closure-rate",
            "additional-actions",
        )
    )
    for secret in ("B-secret-closed", "C-secret-open", "A-secret-open"):
        assert secret not in pages
    assert "A-public-closed" in pages
    be_page = client.get("/progress/BE/").content.decode()
    # The figure is public (B publishes it), the recommendation behind it is not.
    assert "<dd>1</dd>" in be_page and "<dd>100.0%</dd>" in be_page
    assert "No missions are public." in be_page
    fr_page = client.get("/progress/FR/").content.decode()
    assert "No figures are public." in fr_page


@pytest.mark.parametrize(
    "slug",
    ["commitment-status", "missions-per-year", "closure-rate", "additional-actions"],
)
def test_each_csv_holds_exactly_the_data_behind_its_chart(client, small_world, slug):
    for user in (None, make_person("BE", clearance="confidential")):
        if user is not None:
            login_verified(client, user)
        page = client.get("/progress/").content.decode()
        response = client.get(f"/progress/data/{slug}.csv")
        assert response["Content-Type"].startswith("text/csv")
        rows = list(csv.reader(io.StringIO(response.content.decode())))
        assert rows[1:] == chart_rows(page, slug)
        assert len(rows) > 1
        # The table alternative shows the same header.
        assert all(f'<th scope="col">{c}</th>' in page for c in rows[0])


def test_showing_restricted_records_on_a_state_page_is_audited(client, small_world):
    from portal.audit.models import AuditEvent

    client.get("/progress/NL/")
    assert not AuditEvent.objects.filter(action="progress.restricted_viewed").exists()
    expert = make_person("NL", clearance="confidential")
    login_verified(client, expert)
    page = client.get("/progress/NL/").content.decode()
    assert "A-secret-open" in page
    event = AuditEvent.objects.get(action="progress.restricted_viewed")
    assert event.actor == expert
    secret = Recommendation.objects.get(text="A-secret-open")
    assert event.details["records"] == [f"recommendation:{secret.pk}"]
