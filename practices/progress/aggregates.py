"""The dashboard's figures, computed for one viewer from what that viewer may count.

A figure counts: public records, restricted records the viewer may see, and, for
missions and recommendations, the records of States that chose to publish their
aggregate figures (`ProgressPublication`). Figures are numbers only; no text, scope
or date finer than a year ever leaves a record through here. Each chart is a
`ChartData`: the chart, its table alternative and its CSV are all drawn from it.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext

from exchange.policy import Viewer
from portal.states.models import State
from practices.progress.commitments import (
    ACTION_SHORT,
    COMMITMENT_SHORT,
    AdditionalAction,
    Commitment,
)
from practices.progress.models import (
    ActionContribution,
    CommitmentStatus,
    PeerReviewMission,
    ProgressPublication,
    Recommendation,
)
from practices.progress.visibility import visible_records


@dataclass(frozen=True)
class ChartData:
    """One chart: a title, a table (columns and rows) and how to draw it."""

    slug: str
    title: str
    description: str
    columns: list[str]
    rows: list[list[str | int | float]]
    kind: str = "bar"  # "bar", "stacked" or "line"
    notes: list[str] = field(default_factory=list)

    def chart_config(self) -> dict:
        """What the page hands to Chart.js: the very rows of the table."""
        return {
            "kind": self.kind,
            "labels": [row[0] for row in self.rows],
            "datasets": [
                {"label": column, "data": [row[i] for row in self.rows]}
                for i, column in enumerate(self.columns)
                if i > 0
            ],
        }

    def as_csv(self) -> str:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(self.columns)
        writer.writerows(self.rows)
        return buffer.getvalue()


def published_state_ids() -> QuerySet:
    return ProgressPublication.objects.filter(publish_aggregates=True).values(
        "state_id"
    )


def counted_records(queryset: QuerySet, viewer: Viewer) -> QuerySet:
    """Records a figure may count: visible ones, plus those of publishing States."""
    visible = visible_records(queryset, viewer).values("pk")
    return queryset.filter(Q(pk__in=visible) | Q(state_id__in=published_state_ids()))


def subscribing_state_count() -> int:
    return State.objects.filter(is_subscriber=True).count()


def commitment_status_chart(viewer: Viewer) -> ChartData:
    statuses = CommitmentStatus.Status
    counts = {
        (row["commitment"], row["status"]): row["n"]
        for row in visible_records(CommitmentStatus.objects.all(), viewer)
        .values("commitment", "status")
        .annotate(n=Count("state", distinct=True))
    }
    total = subscribing_state_count()
    rows: list[list[str | int | float]] = []
    for code in Commitment.values:
        figures = [counts.get((code, status), 0) for status in statuses.values]
        rows.append([COMMITMENT_SHORT[code], *figures, max(total - sum(figures), 0)])
    return ChartData(
        slug="commitment-status",
        title=gettext("Status of each commitment"),
        description=gettext("How many States report each status, per commitment."),
        columns=[
            gettext("Commitment"),
            *map(str, statuses.labels),
            gettext("Not reported or not public"),
        ],
        rows=rows,
        kind="stacked",
    )


def missions_chart(viewer: Viewer) -> ChartData:
    types = PeerReviewMission.Type
    held = counted_records(
        PeerReviewMission.objects.filter(
            status__in=[
                PeerReviewMission.Status.CONDUCTED,
                PeerReviewMission.Status.FOLLOW_UP,
            ]
        ),
        viewer,
    )
    counts = {
        (row["year"], row["mission_type"]): row["n"]
        for row in held.values("year", "mission_type").annotate(n=Count("pk"))
    }
    years = sorted({year for year, _ in counts})
    rows: list[list[str | int | float]] = []
    if years:
        for year in range(years[0], years[-1] + 1):
            rows.append([str(year), *(counts.get((year, t), 0) for t in types.values)])
    return ChartData(
        slug="missions-per-year",
        title=gettext("Peer review missions per year"),
        description=gettext(
            "Missions held (conducted, or followed up) per year, by type."
        ),
        columns=[gettext("Year"), *map(str, types.labels)],
        rows=rows,
        kind="stacked",
    )


def closure_rate_chart(viewer: Viewer) -> ChartData:
    recommendations = counted_records(Recommendation.objects.all(), viewer)
    made_years: dict[int, int] = {}
    closed_years: dict[int, int] = {}
    for made_on, implemented_on in recommendations.values_list(
        "made_on", "implemented_on"
    ):
        made_years[made_on.year] = made_years.get(made_on.year, 0) + 1
        if implemented_on is not None:
            closed_years[implemented_on.year] = (
                closed_years.get(implemented_on.year, 0) + 1
            )
    rows: list[list[str | int | float]] = []
    if made_years:
        made = closed = 0
        last = max(timezone.localdate().year, *made_years)
        for year in range(min(made_years), last + 1):
            made += made_years.get(year, 0)
            closed += closed_years.get(year, 0)
            rate = round(100 * closed / made, 1) if made else 0.0
            rows.append([str(year), made, closed, rate])
    return ChartData(
        slug="closure-rate",
        title=gettext("Recommendation closure rate over time"),
        description=(
            gettext(
                "Recommendations and suggestions made and implemented by the end of "
                "each year, and the share implemented."
            )
        ),
        columns=[
            gettext("Year"),
            gettext("Made (cumulative)"),
            gettext("Implemented (cumulative)"),
            gettext("Closure rate %"),
        ],
        rows=rows,
        kind="line",
        notes=[
            gettext(
                "Counts only public recommendations, those you may see, and those of "
                "States that publish their aggregate figures. The text of restricted "
                "recommendations is never shown."
            )
        ],
    )


def additional_actions_chart(viewer: Viewer) -> ChartData:
    counts = dict(
        visible_records(ActionContribution.objects.all(), viewer)
        .values("action")
        .annotate(n=Count("state", distinct=True))
        .values_list("action", "n")
    )
    rows: list[list[str | int | float]] = [
        [ACTION_SHORT[code], counts.get(code, 0)] for code in AdditionalAction.values
    ]
    return ChartData(
        slug="additional-actions",
        title=gettext("Additional actions taken up"),
        description=gettext(
            "How many States contribute to each of the 14 additional actions."
        ),
        columns=[gettext("Additional action"), gettext("States")],
        rows=rows,
        kind="hbar",
    )


CHARTS: dict[str, Callable[[Viewer], ChartData]] = {
    "commitment-status": commitment_status_chart,
    "missions-per-year": missions_chart,
    "closure-rate": closure_rate_chart,
    "additional-actions": additional_actions_chart,
}


def all_charts(viewer: Viewer) -> list[ChartData]:
    return [build(viewer) for build in CHARTS.values()]


def key_figures(charts: list[ChartData]) -> list[tuple[str, str]]:
    """Headline figures, read off the charts themselves (so they show nothing more)."""
    by_slug = {chart.slug: chart for chart in charts}
    missions = sum(
        sum(int(n) for n in row[1:]) for row in by_slug["missions-per-year"].rows
    )
    closure = by_slug["closure-rate"].rows
    made, implemented, rate = closure[-1][1:] if closure else (0, 0, 0.0)
    actions = sum(1 for row in by_slug["additional-actions"].rows if row[1])
    return [
        (gettext("Peer review missions held"), str(missions)),
        (gettext("Recommendations and suggestions"), str(made)),
        (gettext("Implemented"), str(implemented)),
        (gettext("Closure rate"), f"{rate}%"),
        (
            gettext("Additional actions taken up"),
            gettext("%(count)s of 14") % {"count": actions},
        ),
    ]


def state_recommendation_figures(
    state: State, viewer: Viewer
) -> dict[str, int | float]:
    """A State's recommendations: how many, how many implemented (counts only)."""
    counted = counted_records(Recommendation.objects.filter(state=state), viewer)
    total = counted.count()
    implemented = counted.filter(status=Recommendation.Status.IMPLEMENTED).count()
    return {
        "total": total,
        "implemented": implemented,
        "open": total - implemented,
        "rate": round(100 * implemented / total, 1) if total else 0.0,
    }
