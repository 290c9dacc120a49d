"""Need-to-know for the distribution list: only those who may manage a document see
everyone it is shared with; a recipient sees how it reaches them, and from whom."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

import pytest

from exchange.actions import change_partner_group
from exchange.models import PartnerGroup
from portal.states.models import State
from tests.exchange.conftest import FOCAL_POINT, make_expert, share
from tests.support import login_verified

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    return login_verified(Client(), user)


def widely_shared():
    owner = make_expert("NL", first_name="Olga", last_name="Owner")
    by_state = make_expert("BE", first_name="Bram", last_name="Belgian")
    in_group = make_expert("FR", first_name="Gaston", last_name="Grouped")
    named = make_expert("DE", first_name="Nina", last_name="Named")
    group = PartnerGroup.objects.create(name="Sahel Working Group", slug="sahel-wg")
    change_partner_group(group, add_members=[in_group], by=None)
    document = share(
        owner,
        title="Border lessons",
        states=[by_state.state, State.objects.get(iso_code="DK")],
        groups=[group],
        users=[named],
    )
    return owner, by_state, in_group, named, group, document


def test_a_recipient_sees_only_how_it_reaches_them_on_the_page():
    _owner, by_state, in_group, named, _group, document = widely_shared()

    page = client_for(by_state).get(document.get_absolute_url()).content.decode()
    assert "Shared with you" in page
    assert "Through your State" in page and "Belgium" in page
    assert "Olga Owner" in page  # by whom
    for other in ("Denmark", "Sahel Working Group", "Nina Named", "Named experts"):
        assert other not in page

    page = client_for(in_group).get(document.get_absolute_url()).content.decode()
    assert "Through your partner groups" in page and "Sahel Working Group" in page
    for other in ("Belgium", "Denmark", "Nina Named"):
        assert other not in page

    page = client_for(named).get(document.get_absolute_url()).content.decode()
    assert "By name" in page
    for other in ("Belgium", "Denmark", "Sahel Working Group", "Gaston"):
        assert other not in page


def test_the_owner_and_the_focal_point_see_the_whole_list():
    owner, _, _, _named, _group, document = widely_shared()
    focal_point = make_expert("NL", roles=[FOCAL_POINT])
    for manager in (owner, focal_point):
        page = client_for(manager).get(document.get_absolute_url()).content.decode()
        assert "Shared with you" not in page
        for everyone in ("Belgium", "Denmark", "Sahel Working Group", "Nina Named"):
            assert everyone in page


def test_the_api_gives_recipients_their_own_reach_and_managers_everything():
    owner, by_state, in_group, named, _group, document = widely_shared()
    url = reverse("exchange:api_document", args=[document.pk])

    sharing = client_for(by_state).get(url).json()["sharing"]
    assert sharing == {
        "full": False,
        "shared_by": str(owner),
        "with_you_by_name": False,
        "with_your_state": "BE",
        "with_your_groups": [],
    }
    sharing = client_for(in_group).get(url).json()["sharing"]
    assert sharing["with_your_groups"] == ["sahel-wg"]
    assert sharing["with_your_state"] is None
    listed = client_for(named).get(reverse("exchange:api_documents")).json()
    (entry,) = [d for d in listed["results"] if d["id"] == document.pk]
    assert entry["sharing"]["with_you_by_name"] is True
    assert "DK" not in str(entry["sharing"])

    sharing = client_for(owner).get(url).json()["sharing"]
    assert sharing == {
        "full": True,
        "states": ["BE", "DK"],
        "groups": ["sahel-wg"],
        "users": [named.pk],
    }


def test_a_colleague_of_the_originating_state_is_a_recipient_not_a_manager():
    _owner, *_, document = widely_shared()
    colleague = make_expert("NL")
    page = client_for(colleague).get(document.get_absolute_url()).content.decode()
    assert "Through your State" in page and "Netherlands" in page
    assert "Denmark" not in page
    url = reverse("exchange:api_document", args=[document.pk])
    assert client_for(colleague).get(url).json()["sharing"]["full"] is False
