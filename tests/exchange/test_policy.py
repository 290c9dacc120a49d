"""The policy's object check, queryset and search filter against the reference."""

from __future__ import annotations

import datetime
import random

from django.conf import settings
from django.db import transaction
from django.db.models.functions import Now
from django.http import Http404
from django.utils import timezone

import pytest
from elasticsearch import Elasticsearch
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings

from exchange.models import Document
from exchange.policy import (
    can_view,
    document_principals,
    get_visible_document_or_404,
    public_principals,
    search_filter,
    viewer_for_user,
    visible_document_ids,
    visible_documents,
)
from portal.accounts.models import User
from portal.core import sql
from portal.states.models import State
from tests.exchange import builders
from tests.exchange.reference_policy import TIERS, Group, Paper, Person, may_see

pytestmark = pytest.mark.django_db

NOW, TODAY = builders.now_and_today()
# The channel test runs the full count; this one checks the policy module alone.
EXAMPLES = getattr(settings, "EXCHANGE_POLICY_EXAMPLES", 500)


class Rollback(Exception):
    """Raised to undo one generated example."""


@pytest.fixture
def owner(db):
    # Owns every generated document, and sees none of them (never vetted).
    return User.objects.create_user(
        "owner@example.org", state=State.objects.get(iso_code="NL")
    )


def _check_world(persons, group_facts, paper_facts, owner):
    users, documents = builders.build_world(
        persons, group_facts, paper_facts, owner=owner
    )
    for person in persons:
        viewer = viewer_for_user(users[person.key], verified=person.verified)
        expected = {
            documents[p.key].pk
            for p in paper_facts
            if may_see(person, p, group_facts, TODAY, _now())
        }
        assert set(visible_documents(viewer).values_list("pk", flat=True)) == expected
        assert visible_documents(viewer).count() == len(expected)
        every_id = [d.pk for d in documents.values()]
        assert visible_document_ids(viewer, every_id) == expected, (person,)
        for paper in paper_facts:
            document = Document.objects.prefetch_related(
                "shared_users", "shared_states", "shared_groups"
            ).get(pk=documents[paper.key].pk)
            allowed = document.pk in expected
            assert can_view(viewer, document) is allowed, (person, paper)
            if allowed:
                assert get_visible_document_or_404(viewer, document.pk) == document
            else:
                with pytest.raises(Http404):
                    get_visible_document_or_404(viewer, document.pk)


def _now():
    return datetime.datetime.now(tz=datetime.UTC)


@hsettings(
    max_examples=max(100, EXAMPLES // 5),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    persons=builders.people(4, TODAY),
    group_facts=builders.groups(),
    paper_facts=builders.papers(4, 4, NOW),
)
def test_queryset_and_object_check_agree_with_the_reference(
    owner, persons, group_facts, paper_facts
):
    try:
        with transaction.atomic():
            _check_world(persons, group_facts, paper_facts, owner)
            raise Rollback
    except Rollback:
        pass


def test_highly_confidential_reaches_named_individuals_only(owner):
    persons = [
        Person(0, "NL", "highly_confidential", True, TODAY, True),
        Person(1, "NL", "highly_confidential", True, TODAY, True),
    ]
    paper = Paper(0, "highly_confidential", "NL", people={1})
    users, documents = builders.build_world(persons, [], [paper], owner=owner)
    # Even a row that wrongly carries State sharing (written around the model's
    # guards) does not reach the State.
    Document.shared_states.through.objects.create(
        document=documents[0], state=State.objects.get(iso_code="NL")
    )
    first = viewer_for_user(users[0], verified=True)
    second = viewer_for_user(users[1], verified=True)
    assert not visible_documents(first).exists()
    assert list(visible_documents(second)) == [documents[0]]


def test_the_compiled_recheck_reads_current_rows_and_the_database_clock(owner):
    """`visible_document_ids` compiles its statement once per viewer; every later
    call must still see sharing, revocation and expiry as they are now."""
    persons = [
        Person(0, "NL", "confidential", True, TODAY + datetime.timedelta(days=30), True)
    ]
    papers = [Paper(0, "restricted", "BE"), Paper(1, "restricted", "NL")]
    users, documents = builders.build_world(persons, [], papers, owner=owner)
    viewer = viewer_for_user(users[0], verified=True)
    shared, own = documents[0].pk, documents[1].pk
    before = sql.compiled.cache_info()
    assert visible_document_ids(viewer, [shared, own]) == {own}
    Document.shared_users.through.objects.create(
        document_id=shared, user_id=users[0].pk
    )
    assert visible_document_ids(viewer, [shared, own]) == {shared, own}
    Document.objects.filter(pk=own).update(revoked=True)
    assert visible_document_ids(viewer, [shared, own]) == {shared}
    later = timezone.now() + datetime.timedelta(hours=1)
    Document.objects.filter(pk=shared).update(expires_at=later)
    assert visible_document_ids(viewer, [shared, own]) == {shared}
    # Expiring at the database's clock of this update, which is after the statement
    # was compiled: a "now" frozen into the compiled SQL would still show it; the
    # next statement's clock is past it, with no wait.
    Document.objects.filter(pk=shared).update(expires_at=Now())
    assert visible_document_ids(viewer, [shared, own]) == set()
    after = sql.compiled.cache_info()
    assert after.hits - before.hits >= 4  # compiled once, then only run
    assert visible_document_ids(viewer, []) == set()


def test_superuser_and_secretariat_get_nothing_by_role(owner):
    persons = [
        Person(0, None, "highly_confidential", True, TODAY, True, superuser=True),
        Person(1, None, "highly_confidential", True, TODAY, True, secretariat=True),
    ]
    papers = [Paper(i, tier, "NL", states={"BE"}) for i, tier in enumerate(TIERS)]
    users, _ = builders.build_world(persons, [], papers, owner=owner)
    for user in users.values():
        assert not visible_documents(viewer_for_user(user, verified=True)).exists()


def test_unverified_session_sees_not_even_a_public_tier_document(owner):
    persons = [Person(0, "NL", "public", True, TODAY, False)]
    users, documents = builders.build_world(
        persons, [], [Paper(0, "public", "NL")], owner=owner
    )
    assert not visible_documents(viewer_for_user(users[0], verified=False)).exists()
    viewer = viewer_for_user(users[0], verified=True)
    assert list(visible_documents(viewer)) == [documents[0]]


def test_the_search_filter_fails_closed_to_public_material():
    anonymous_filter = search_filter(viewer_for_user(None, verified=False))
    assert anonymous_filter == {
        "bool": {
            "filter": [
                {"term": {"restricted": False}},
                {"term": {"tier": "public"}},
            ]
        }
    }


# --- The Elasticsearch filter, on the real cluster, over a seeded random world.


def _random_world(seed: int):
    rng = random.Random(seed)
    group_facts = [
        Group("benelux", {"NL", "BE"}),
        Group("nordic", {"DE"} if rng.random() < 0.5 else set()),
    ]
    vettings = [
        None,
        TODAY - datetime.timedelta(days=1),
        TODAY + datetime.timedelta(days=9),
    ]
    persons = [
        Person(
            key=i,
            state=rng.choice([*builders.STATE_CODES, None]),
            clearance=rng.choice(TIERS),
            active=rng.random() < 0.9,
            vetted_until=rng.choice(vettings),
            verified=rng.random() < 0.8,
            groups_by_name=set(rng.sample(builders.GROUP_NAMES, rng.randint(0, 1))),
        )
        for i in range(12)
    ]
    papers = []
    for i in range(40):
        tier = rng.choice(TIERS)
        hc = tier == "highly_confidential"
        papers.append(
            Paper(
                key=i,
                tier=tier,
                origin=rng.choice(builders.STATE_CODES),
                states=set()
                if hc
                else set(rng.sample(builders.STATE_CODES, rng.randint(0, 2))),
                groups=set()
                if hc
                else set(rng.sample(builders.GROUP_NAMES, rng.randint(0, 1))),
                people=set(rng.sample(range(12), rng.randint(0, 3))),
                expires_at=rng.choice(
                    [
                        None,
                        NOW - datetime.timedelta(hours=1),
                        NOW + datetime.timedelta(days=2),
                    ]
                ),
                revoked=rng.random() < 0.15,
            )
        )
    return persons, group_facts, papers


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_search_filter_agrees_with_the_reference_on_elasticsearch(owner, seed):
    persons, group_facts, paper_facts = _random_world(seed)
    users, documents = builders.build_world(
        persons, group_facts, paper_facts, owner=owner
    )
    client = Elasticsearch(settings.ELASTICSEARCH_URL, request_timeout=30)
    index = f"{settings.ELASTICSEARCH_INDEX_PREFIX}-exchange-policy-{seed}"
    client.options(ignore_status=404).indices.delete(index=index)
    client.indices.create(
        index=index,
        mappings={
            "properties": {
                "restricted": {"type": "boolean"},
                "tier": {"type": "keyword"},
                "states": {"type": "long"},
                "groups": {"type": "long"},
                "users": {"type": "long"},
                "revoked": {"type": "boolean"},
                "expires_at": {"type": "date"},
                "access": {"properties": {"tier": {"type": "keyword"}}},
            }
        },
    )
    try:
        for document in documents.values():
            client.index(
                index=index,
                id=f"d{document.pk}",
                document=document_principals(document),
            )
        client.index(index=index, id="public-page", document=public_principals())
        # An item indexed without access facts must never be found.
        client.index(index=index, id="unlabelled", document={"tier": "public"})
        client.indices.refresh(index=index)
        for person in persons:
            viewer = viewer_for_user(users[person.key], verified=person.verified)
            found = client.search(
                index=index,
                query={"bool": {"filter": [search_filter(viewer)]}},
                size=100,
            )
            ids = {hit["_id"] for hit in found["hits"]["hits"]}
            expected = {
                f"d{documents[p.key].pk}"
                for p in paper_facts
                if may_see(person, p, group_facts, TODAY, _now())
            } | {"public-page"}
            assert ids == expected, person
    finally:
        client.options(ignore_status=404).indices.delete(index=index)
