"""Every channel against the reference policy, on generated people and documents.

For each generated world (people with States, clearances, groups, vetting, roles and
verified or unverified sessions; documents with tiers, sharing, expiry, revocation)
`visible_documents()` must give exactly what the reference policy allows to everyone,
and the list page, the detail page, the download and the JSON API of one of them
(chosen by the example) must show exactly that, answering 404 for the rest.
The people and their signed-in sessions are made once; each example rewrites their
facts and its documents inside a savepoint that is rolled back afterwards.
"""

from __future__ import annotations

import io
import json

from django.conf import settings
from django.db import transaction
from django.test import Client
from django.urls import reverse

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from exchange import crypto
from exchange.marking import without_cover
from exchange.models import DocumentVersion
from exchange.policy import viewer_for_user, visible_document_ids, visible_documents
from exchange.storage import exchange_storage
from portal.accounts.models import User
from tests.exchange import builders
from tests.exchange.conftest import read_stream
from tests.exchange.reference_policy import may_see
from tests.support import login_verified

pytestmark = pytest.mark.django_db

PEOPLE = 3
PAPERS = 3
NOW, TODAY = builders.now_and_today()
EXAMPLES = settings.EXCHANGE_POLICY_EXAMPLES
WORDS = ["aardvark", "bittern", "caracal"]


class Rollback(Exception):
    """Raised to undo one generated example."""


def _body(index: int) -> bytes:
    return f"contents of the {WORDS[index]} paper\n".encode()


@pytest.fixture
def pool(db):
    """People with a verified and an unverified session each, and stored files."""
    owner = User.objects.create_user("owner@example.org")
    people, verified, unverified = [], [], []
    for key in range(PEOPLE):
        user = User.objects.create_user(f"person{key}@example.org")
        people.append(user)
        verified.append(login_verified(Client(), user))
        plain = Client()
        plain.force_login(user)
        unverified.append(plain)
    ring = crypto.keyring()
    files = []
    for index in range(PAPERS):
        reader = crypto.EncryptingReader(io.BytesIO(_body(index)))
        name = exchange_storage().save(f"property/{index}.nsix", reader)
        sealed = reader.sealed
        files.append(
            {
                "storage_name": name,
                "file_id": sealed.file_id.hex(),
                "wrapped_key": crypto.wrap_key(
                    sealed.data_key, sealed.file_id, ring.current
                ),
                "kek_id": ring.current_id,
                "size": sealed.size,
                "sha256": sealed.sha256,
            }
        )
    return {
        "owner": owner,
        "people": people,
        "verified": verified,
        "unverified": unverified,
        "files": files,
    }


def _check_channels(pool, persons, group_facts, paper_facts, looker):
    users, documents = builders.build_world(
        persons,
        group_facts,
        paper_facts,
        owner=pool["owner"],
        users=pool["people"],
        title_of=lambda paper: f"The {WORDS[paper.key]} paper",
    )
    DocumentVersion.objects.bulk_create(
        [
            DocumentVersion(
                document=documents[paper.key],
                number=1,
                file_name=f"{WORDS[paper.key]}.txt",
                media_type="text/plain",
                uploaded_by=pool["owner"],
                **pool["files"][paper.key],
            )
            for paper in paper_facts
        ]
    )
    now = builders.now_and_today()[0]
    # The database query filter, for everyone in the world.
    for person in persons:
        viewer = viewer_for_user(users[person.key], verified=person.verified)
        expected = {
            documents[p.key].pk
            for p in paper_facts
            if may_see(person, p, group_facts, TODAY, now)
        }
        context = (person, paper_facts, group_facts)
        assert set(visible_documents(viewer).values_list("pk", flat=True)) == expected
        # The search re-check's compiled statement, over every id and a few at a time.
        every_id = [d.pk for d in documents.values()]
        assert visible_document_ids(viewer, every_id) == expected, context
        for some in (every_id[:1], every_id[1:]):
            assert visible_document_ids(viewer, some) == expected & set(some), context

    # Every HTTP channel, for the person the example looks through.
    for person in [persons[looker]]:
        user = users[person.key]
        client = (pool["verified"] if person.verified else pool["unverified"])[
            person.key
        ]
        allowed = {
            p.key for p in paper_facts if may_see(person, p, group_facts, TODAY, now)
        }
        session_ok = person.active and person.verified
        context = (person, paper_facts, group_facts)

        viewer = viewer_for_user(user, verified=person.verified)

        # The list page and the JSON list: exactly the allowed titles, exact counts.
        listing = client.get(reverse("exchange:list"))
        api_list = client.get(reverse("exchange:api_documents"))
        if session_ok:
            assert listing.status_code == 200, context
            shown = {k for k in range(PAPERS) if WORDS[k].encode() in listing.content}
            assert shown == allowed, context
            plural = "" if len(allowed) == 1 else "s"
            assert f"{len(allowed)} document{plural}".encode() in listing.content
        else:
            assert listing.status_code == 302, context
        if viewer.verified_expert:
            body = json.loads(api_list.content)
            assert {d["id"] for d in body["results"]} == {
                documents[k].pk for k in allowed
            }, context
            assert body["count"] == len(allowed)
        else:
            assert api_list.status_code == 404, context

        # Detail, download and API detail of every document.
        for paper in paper_facts:
            document = documents[paper.key]
            word = WORDS[paper.key].encode()
            detail = client.get(reverse("exchange:detail", args=[document.pk]))
            download = client.get(reverse("exchange:download", args=[document.pk, 1]))
            api = client.get(reverse("exchange:api_document", args=[document.pk]))
            if paper.key in allowed:
                assert detail.status_code == 200, context
                assert word in detail.content
                assert download.status_code == 200, context
                assert without_cover(read_stream(download)) == _body(paper.key)
                assert api.status_code == 200, context
                assert json.loads(api.content)["id"] == document.pk
            else:
                denied = 404 if session_ok else 302
                assert detail.status_code == denied, context
                assert download.status_code == denied, context
                assert api.status_code == 404, context
                for response in (detail, download, api):
                    if not response.streaming:
                        assert word not in response.content


@hsettings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    persons=builders.people(PEOPLE, TODAY),
    group_facts=builders.groups(),
    paper_facts=builders.papers(PAPERS, PEOPLE, NOW),
    looker=st.integers(0, PEOPLE - 1),
)
def test_every_channel_agrees_with_the_reference_policy(
    pool, persons, group_facts, paper_facts, looker
):
    try:
        with transaction.atomic():
            _check_channels(pool, persons, group_facts, paper_facts, looker)
            raise Rollback
    except Rollback:
        pass
