"""Progress records in search: each viewer finds exactly what its sharing allows."""

from __future__ import annotations

import datetime
import json

from django.test import override_settings

import pytest

from exchange.policy import ANONYMOUS, viewer_for_user
from practices.progress.models import (
    CommitmentStatus,
    PeerReviewMission,
    Recommendation,
)
from practices.progress.search import type_name
from search import service
from search.client import alias_name, get_client, is_configured
from search.indexing import drain
from search.query import SearchParams
from tests.search.conftest import make_expert

pytestmark = pytest.mark.django_db

SECRET = "xylophone perimeter sensors"
VAULT = "xylophone vault combination"


@pytest.fixture
def records(states, search_index, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        made = _make_records(states)
    drain(refresh=True)
    return made


def _viewers(states, records):
    return {
        "anonymous": ANONYMOUS,
        "NL expert": viewer_for_user(
            make_expert("nl@example.org", states["NL"]), verified=True
        ),
        "BE expert": viewer_for_user(
            make_expert("be@example.org", states["BE"]), verified=True
        ),
        "BE unverified": viewer_for_user(
            make_expert("be2@example.org", states["BE"]), verified=False
        ),
        "DE outsider": viewer_for_user(
            make_expert("de@example.org", states["DE"], "highly_confidential"),
            verified=True,
        ),
        "DE named": viewer_for_user(records["named"], verified=True),
    }


EXPECTED = {
    "anonymous": {"public"},
    "NL expert": {"public", "confidential"},
    "BE expert": {"public", "confidential"},
    "BE unverified": {"public"},
    "DE outsider": {"public"},
    "DE named": {"public", "highly"},
}


def _keys(records, names) -> set[tuple[str, int]]:
    return {(type_name(type(records[n])), records[n].pk) for n in names}


def _everything_shown(viewer, q: str) -> str:
    """Hits, totals, facets, highlights, suggestions and "did you mean", as text."""
    results = service.search(viewer, SearchParams(q=q))
    shown = {
        "hits": [
            (h.type, h.pk, h.title, h.summary, h.highlights) for h in results.hits
        ],
        "total": results.total,
        "facets": {
            name: [(v.value, v.count) for v in values]
            for name, values in results.facets.items()
        },
        "suggest": service.suggest(viewer, "recommendation of"),
        "suggest_words": service.suggest(viewer, "xylo"),
    }
    if is_configured():
        shown["did_you_mean"] = service.did_you_mean(
            viewer, SearchParams(q="xylophon vaul")
        )
    return json.dumps(shown, default=str)


SECRET_WORDS = {
    "confidential": ("perimeter", "sensors"),
    "highly": ("vault", "combination"),
}


def _assert_secrets_shown_only_if_shared(viewer, who: str) -> None:
    shown = _everything_shown(viewer, "xylophone").lower()
    for name, words in SECRET_WORDS.items():
        for word in words:
            assert (word in shown) == (name in EXPECTED[who]), (word, shown)


@pytest.mark.parametrize("who", sorted(EXPECTED))
def test_each_viewer_finds_exactly_the_records_shared_with_it(states, records, who):
    viewer = _viewers(states, records)[who]
    results = service.search(viewer, SearchParams(q="xylophone"))
    found = {(h.type, h.pk) for h in results.hits}
    expected = _keys(records, EXPECTED[who])
    assert found == expected
    assert results.total == len(expected)
    type_counts = {v.value: v.count for v in results.facets["type"]}
    assert sum(type_counts.values()) == len(expected)

    _assert_secrets_shown_only_if_shared(viewer, who)


def test_the_index_holds_every_record_and_only_the_filter_trims(records):
    assert get_client().count(index=alias_name("progress"))["count"] == 4
    source = get_client().get(
        index=alias_name("progress"), id=f"recommendation:{records['highly'].pk}"
    )["_source"]
    assert source["access"] == {
        "restricted": True,
        "tier": "highly_confidential",
        "states": [],
        "groups": [],
        "users": [records["named"].pk],
        "revoked": False,
        "expires_at": None,
    }
    facets = service.search(ANONYMOUS, SearchParams(q="xylophone")).facets
    assert {v.value for v in facets["commitments"]} == {"2", "2a"}
    assert "tier" not in facets


def test_unsharing_hides_the_record_at_once_and_in_the_index_after_the_drain(
    states, records, django_capture_on_commit_callbacks
):
    be = _viewers(states, records)["BE expert"]
    confidential = records["confidential"]
    assert service.search(be, SearchParams(q="perimeter")).total == 1
    with django_capture_on_commit_callbacks(execute=False):
        confidential.shared_with_states.remove(states["BE"])
    # Not drained yet: the re-check before display already hides it.
    results = service.search(be, SearchParams(q="perimeter"))
    assert results.hits == []
    assert results.total == 0
    drain(refresh=True)
    results = service.search(be, SearchParams(q="perimeter"))
    assert results.total == 0
    assert results.facets == {}

    with django_capture_on_commit_callbacks(execute=True):
        Recommendation.objects.filter(pk=confidential.pk).delete()
    drain(refresh=True)
    assert get_client().count(index=alias_name("progress"))["count"] == 3


@override_settings(ELASTICSEARCH_URL=None)
@pytest.mark.parametrize("who", sorted(EXPECTED))
def test_the_database_fallback_trims_records_the_same_way(states, who):
    records = _make_records(states)
    viewer = _viewers(states, records)[who]
    results = service.search(viewer, SearchParams(q="xylophone"))
    assert results.backend == "database"
    assert {(h.type, h.pk) for h in results.hits} == _keys(records, EXPECTED[who])
    assert results.total == len(EXPECTED[who])
    _assert_secrets_shown_only_if_shared(viewer, who)


def _make_records(states):
    mission = PeerReviewMission.objects.create(
        state=states["NL"],
        mission_type="ippas",
        year=2016,
        scope="Physical protection",
        status="conducted",
        tier="public",
    )
    public = CommitmentStatus.objects.create(
        state=states["NL"],
        commitment="2a",
        status="implemented",
        statement="The xylophone statement is public.",
        tier="public",
    )
    confidential = Recommendation.objects.create(
        state=states["NL"],
        mission=mission,
        text=f"Replace the {SECRET}.",
        made_on=datetime.date(2017, 3, 1),
        tier="confidential",
    )
    confidential.shared_with_states.add(states["BE"])
    highly = Recommendation.objects.create(
        state=states["NL"],
        mission=mission,
        kind="suggestion",
        text=f"Change the {VAULT}.",
        made_on=datetime.date(2017, 3, 1),
        tier="highly_confidential",
    )
    named = make_expert("named@example.org", states["DE"], "highly_confidential")
    highly.shared_with_users.add(named)
    confidential.shared_with_users.add(named)
    return {
        "public": public,
        "confidential": confidential,
        "highly": highly,
        "named": named,
    }
