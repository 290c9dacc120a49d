"""Leakage: hits, totals, facets, highlights and suggestions vs the reference policy.

Hypothesis generates people, partner groups and exchange documents; each document has
a title word shared by all (so one query finds everything visible), a code name of its
own in the title, and a word that only its restricted handling note contains. For every
person, whatever search returns must be exactly what the reference policy allows.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings

from exchange.models import Document
from exchange.policy import viewer_for_user
from portal.accounts.models import User
from portal.states.models import State
from search import service
from search.client import get_client
from search.documents import INDEX_TYPES
from search.indexing import aliased_indices, write_changes
from search.query import SearchParams
from tests.exchange import builders
from tests.exchange.reference_policy import may_see

pytestmark = pytest.mark.django_db

NOW, TODAY = builders.now_and_today()
EXAMPLES = getattr(settings, "SEARCH_LEAKAGE_EXAMPLES", 60)
PERSONS = 4
PAPERS = 8
CODE_NAMES = [
    "falcon", "heron", "osprey", "kestrel", "condor", "harrier",
    "merlin", "petrel", "plover", "curlew", "lapwing", "bittern",
]  # fmt: skip
NOTE_WORDS = [
    "amberlith", "cobaltine", "quartzite", "basaltic", "feldspar", "gypsumite",
    "obsidian", "pyritic", "zirconia", "malachite", "galenite", "beryllia",
]  # fmt: skip


class Rollback(Exception):
    """Raised to undo one generated example."""


@pytest.fixture
def owner(search_index):
    return User.objects.create_user(
        "owner@example.org", state=State.objects.get(iso_code="NL")
    )


def _misspelt(word: str) -> str:
    return word[0] + word[2] + word[1] + word[3:]


def _check(persons, group_facts, paper_facts, owner) -> None:
    users, documents = builders.build_world(
        persons, group_facts, paper_facts, owner=owner
    )
    for paper in paper_facts:
        Document.objects.filter(pk=documents[paper.key].pk).update(
            title=f"Dossier {CODE_NAMES[paper.key]}",
            handling_note=f"Handle as {NOTE_WORDS[paper.key]} material.",
        )
    ids = [str(documents[p.key].pk) for p in paper_facts]
    write_changes("document", ids, refresh=True)
    try:
        for person in persons:
            _check_person(person, users, documents, group_facts, paper_facts)
    finally:
        client = get_client()
        for index in aliased_indices(INDEX_TYPES["documents"]):
            operations = [{"delete": {"_index": index, "_id": i}} for i in ids]
            client.bulk(operations=operations, refresh=True)


def _check_person(person, users, documents, group_facts, paper_facts) -> None:
    viewer = viewer_for_user(users[person.key], verified=person.verified)
    allowed = {
        p.key for p in paper_facts if may_see(person, p, group_facts, TODAY, NOW)
    }
    allowed_pks = {documents[k].pk for k in allowed}
    allowed_titles = {f"Dossier {CODE_NAMES[k]}" for k in allowed}
    context = (person, allowed)

    # Everything visible, nothing else: hits, total and facet counts.
    results = service.search(viewer, SearchParams(q="dossier", per_page=50))
    assert {hit.pk for hit in results.hits} == allowed_pks, context
    assert results.total == len(allowed), context
    states = {v.value: v.count for v in results.facets.get("states", [])}
    expected_states: dict[str, int] = {}
    for key in allowed:
        name = documents[key].originating_state.name
        expected_states[name] = expected_states.get(name, 0) + 1
    assert states == expected_states, context
    tiers = {v.value: v.count for v in results.facets.get("tier", [])}
    if viewer.is_cleared:
        expected_tiers: dict[str, int] = {}
        for paper in paper_facts:
            if paper.key in allowed:
                expected_tiers[paper.tier] = expected_tiers.get(paper.tier, 0) + 1
        assert tiers == expected_tiers, context
    else:
        assert tiers == {}, context

    # Words that only the restricted notes contain, all at once (OR): exactly the
    # visible documents match, each highlighted with its own word.
    either = " | ".join(NOTE_WORDS[p.key] for p in paper_facts)
    secret = service.search(viewer, SearchParams(q=either, per_page=50))
    assert {hit.pk for hit in secret.hits} == allowed_pks, context
    assert secret.total == len(allowed), context
    by_pk = {documents[p.key].pk: p.key for p in paper_facts}
    for hit in secret.hits:
        assert NOTE_WORDS[by_pk[hit.pk]] in " ".join(hit.highlights), context
    denied = [p.key for p in paper_facts if p.key not in allowed]
    if not denied:
        return
    # No correction, completion or typo-tolerant hit names a denied document.
    denied_codes = {CODE_NAMES[k] for k in denied}
    typo = service.search(
        viewer, SearchParams(q=" ".join(_misspelt(CODE_NAMES[k]) for k in denied))
    )
    assert all(h.pk in allowed_pks for h in typo.hits), context
    if typo.suggestion:
        assert not denied_codes & set(typo.suggestion.split()), context
    note_typo = service.search(viewer, SearchParams(q=_misspelt(NOTE_WORDS[denied[0]])))
    assert note_typo.total == 0 and note_typo.suggestion is None, context
    for key in denied[:3]:
        completions = {s["title"] for s in service.suggest(viewer, CODE_NAMES[key][:4])}
        assert completions <= allowed_titles, context
    completions = {s["title"] for s in service.suggest(viewer, "doss")}
    assert completions <= allowed_titles, context


@hsettings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    persons=builders.people(PERSONS, TODAY),
    group_facts=builders.groups(),
    paper_facts=builders.papers(PAPERS, PERSONS, NOW),
)
def test_search_reveals_nothing_the_reference_policy_denies(
    owner, persons, group_facts, paper_facts
):
    try:
        with transaction.atomic():
            _check(persons, group_facts, paper_facts, owner)
            raise Rollback
    except Rollback:
        pass
