"""Lowering a tier is a managed action that asks why (kept in the audit record);
raising needs no reason. For documents and for coordination rooms alike."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

import pytest

from exchange import actions
from exchange.coordination import actions as room_actions
from exchange.models import Document
from exchange.policy import viewer_for_user
from portal.accounts.actions import assign_role
from portal.accounts.roles import Role
from portal.audit.models import AuditEvent
from tests.coordination.helpers import default_room, make_group, make_user
from tests.exchange.conftest import make_expert, share
from tests.support import login_verified

pytestmark = pytest.mark.django_db

TIER_CHANGED = "exchange.document.tier_changed"
ROOM_TIER_CHANGED = "coordination.room.tier_changed"


def _sharing_form(document, **changes):
    data = {
        "states": [s.pk for s in document.shared_states.all()],
        "groups": [g.pk for g in document.shared_groups.all()],
        "users": "",
        "tier": document.tier,
        "justification": "",
        "expires_at": "",
    }
    data.update(changes)
    return data


def test_lowering_a_documents_tier_without_a_reason_is_refused_and_nothing_changes():
    owner = make_expert("NL", clearance="confidential")
    document = share(owner, tier="confidential", states=[])

    with pytest.raises(actions.ExchangeError) as refused:
        actions.change_tier(document, "restricted", by=owner)
    assert "needs a justification" in str(refused.value)
    with pytest.raises(actions.ExchangeError):
        actions.change_tier(document, "restricted", by=owner, justification="   ")

    document.refresh_from_db()
    assert document.tier == "confidential"
    assert not AuditEvent.objects.filter(action=TIER_CHANGED).exists()


def test_lowering_with_a_reason_keeps_it_in_the_audit_record_raising_needs_none():
    owner = make_expert("NL", clearance="confidential")
    document = share(owner, tier="confidential", states=[])

    actions.change_tier(
        document, "restricted", by=owner, justification="Released at the workshop"
    )
    actions.change_tier(document, "confidential", by=owner)

    lowered, raised = AuditEvent.objects.filter(action=TIER_CHANGED).order_by("pk")
    assert lowered.details["justification"] == "Released at the workshop"
    assert lowered.details["before"]["tier"] == "confidential"
    assert lowered.details["after"]["tier"] == "restricted"
    assert "justification" not in raised.details
    assert Document.objects.get(pk=document.pk).tier == "confidential"


def test_the_sharing_page_asks_why_when_the_tier_is_lowered():
    owner = make_expert("NL", clearance="confidential")
    document = share(owner, tier="confidential", states=[])
    client = login_verified(Client(), owner)
    url = reverse("exchange:sharing", args=[document.pk])

    page = client.get(url).content.decode()
    assert "Why the tier is lowered" in page

    response = client.post(url, _sharing_form(document, tier="restricted"))
    assert response.status_code == 400
    assert "lowering a document&#x27;s tier needs a justification" in (
        response.content.decode()
    )
    document.refresh_from_db()
    assert document.tier == "confidential"

    response = client.post(
        url,
        _sharing_form(
            document, tier="restricted", justification="Agreed by the focal points"
        ),
    )
    assert response.status_code == 302, response.content.decode()
    document.refresh_from_db()
    assert document.tier == "restricted"
    event = AuditEvent.objects.get(action=TIER_CHANGED)
    assert event.details["justification"] == "Agreed by the focal points"

    # Raising asks nothing.
    response = client.post(url, _sharing_form(document, tier="confidential"))
    assert response.status_code == 302
    document.refresh_from_db()
    assert document.tier == "confidential"


def _secretary():
    secretary = make_user("sam", state=None)
    assign_role(secretary, Role.SECRETARIAT, by=None)
    return secretary


def test_lowering_a_rooms_tier_asks_why_and_raising_does_not():
    room = room_actions.open_room(
        make_group(make_user("alice")), by=None, name="Incident", tier="confidential"
    )
    secretary = _secretary()

    with pytest.raises(room_actions.JustificationRequired):
        room_actions.change_room_tier(room, "restricted", by=secretary)
    room.refresh_from_db()
    assert room.tier == "confidential"
    assert not AuditEvent.objects.filter(action=ROOM_TIER_CHANGED).exists()

    room_actions.change_room_tier(
        room, "restricted", by=secretary, justification="The exercise is over"
    )
    room_actions.change_room_tier(room, "highly_confidential", by=secretary)
    lowered, raised = AuditEvent.objects.filter(action=ROOM_TIER_CHANGED).order_by("pk")
    assert lowered.actor == secretary
    assert lowered.details == {
        "before": "confidential",
        "after": "restricted",
        "lowered": True,
        "justification": "The exercise is over",
    }
    assert raised.details == {
        "before": "restricted",
        "after": "highly_confidential",
        "lowered": False,
    }


def test_the_room_management_page_demands_the_justification():
    alice = make_user("alice")
    room = default_room(make_group(alice))  # restricted
    client = login_verified(Client(), _secretary())
    url = reverse("coordination:room_tier", args=[room.pk])
    field = f"room-{room.pk}"

    response = client.post(url, {f"{field}-tier": "confidential"})
    assert response.status_code == 302
    room.refresh_from_db()
    assert room.tier == "confidential"

    response = client.post(url, {f"{field}-tier": "restricted"})
    assert response.status_code == 400
    assert "lowering a room&#x27;s tier needs a justification" in (
        response.content.decode()
    )
    room.refresh_from_db()
    assert room.tier == "confidential"

    response = client.post(
        url, {f"{field}-tier": "restricted", f"{field}-justification": "Debrief done"}
    )
    assert response.status_code == 302
    room.refresh_from_db()
    assert room.tier == "restricted"
    assert (
        AuditEvent.objects.filter(action=ROOM_TIER_CHANGED)
        .latest("pk")
        .details["justification"]
        == "Debrief done"
    )
    # Members cannot change a room's tier: the page does not exist for them.
    member = login_verified(Client(), alice)
    assert member.post(url, {f"{field}-tier": "confidential"}).status_code == 404


def test_a_message_posted_above_a_lowered_rooms_tier_stays_with_those_cleared():
    alice = make_user("alice", clearance="confidential")
    dora = make_user("dora", clearance="restricted")
    group = make_group(alice, dora)
    room = room_actions.open_room(group, by=None, name="Incident", tier="confidential")

    room_actions.post_message(
        viewer_for_user(alice, verified=True), room.pk, "Confidential detail"
    )
    room_actions.change_room_tier(
        room, "restricted", by=None, justification="Opened to the working level"
    )
    room_actions.post_message(
        viewer_for_user(alice, verified=True), room.pk, "Restricted detail"
    )

    def bodies(user):
        response = login_verified(Client(), user).get(
            f"/coordination/rooms/{room.pk}/messages"
        )
        return [m["body"] for m in response.json()["messages"]]

    seen_by_dora = bodies(dora)
    assert len(seen_by_dora) == 1 and "Restricted detail" in seen_by_dora[0]
    assert len(bodies(alice)) == 2
