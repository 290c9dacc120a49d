"""The exchange's demo content: created from the experts there are, never twice."""

from __future__ import annotations

import io

from django.core.management import call_command

import pytest

from exchange.demo import DOCUMENTS, ensure_demo_exchange
from exchange.models import Document, PartnerGroup
from exchange.policy import viewer_for_user, visible_documents
from tests.exchange.conftest import make_expert

pytestmark = pytest.mark.django_db


def test_without_experts_documents_are_skipped_and_groups_made():
    said = []
    ensure_demo_exchange(write=said.append)
    assert PartnerGroup.objects.filter(name="Benelux partnership").exists()
    assert not Document.objects.exists()
    assert sum("skipped" in line for line in said) == len(DOCUMENTS)


def test_load_demo_twice_duplicates_nothing_and_shares_as_described():
    nl = make_expert("NL", clearance="highly_confidential")
    be = make_expert("BE", clearance="highly_confidential")
    de = make_expert("DE", clearance="confidential")
    call_command("load_demo", stdout=io.StringIO())
    count = Document.objects.count()
    assert count == len(DOCUMENTS)
    call_command("load_demo", stdout=io.StringIO())
    assert Document.objects.count() == count
    assert PartnerGroup.objects.count() == 2
    annex = Document.objects.get(title="Design basis threat annex")
    # Originates in Germany (where a demo expert holds the clearance), named to the
    # Dutch: the cleared Dutch expert is named, the Belgian one is not.
    assert annex.originating_state.iso_code == "DE"
    named = set(annex.shared_users.all())
    assert nl in named
    assert be not in named
    titles_for_de = set(
        visible_documents(viewer_for_user(de, verified=True)).values_list(
            "title", flat=True
        )
    )
    assert "Transport security exercise: after-action report" in titles_for_de
    assert "Design basis threat annex" not in titles_for_de
    assert all(d.versions.count() == 1 for d in Document.objects.all())
