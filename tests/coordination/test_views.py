"""HTTP side of coordination: the same policy as the sockets, 404 for what is hidden."""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.test import Client

import pytest

from exchange.actions import change_partner_group
from exchange.coordination import actions, live
from exchange.coordination.models import Message, Notification
from exchange.policy import viewer_for_user
from portal.accounts.actions import assign_role, set_groups, set_superuser
from tests.coordination.helpers import (
    default_room,
    make_group,
    make_user,
    verified_client,
)
from tests.support import assert_not_found, free_port

pytestmark = pytest.mark.django_db


@pytest.fixture
def room_and_people():
    alice, bob = make_user("alice"), make_user("bob")
    outsider = make_user("olga", state="FR")
    return default_room(make_group(alice, bob)), alice, bob, outsider


def post(room, user, text):
    return actions.post_message(viewer_for_user(user, verified=True), room.pk, text)


def test_a_new_group_gets_its_coordination_room():
    group = make_group()
    assert group.rooms.filter(is_default=True).count() == 1


def test_members_list_and_open_their_room_others_get_404(room_and_people):
    room, alice, _, outsider = room_and_people
    page = verified_client(alice).get("/coordination/")
    assert room.group.name in page.content.decode()
    assert (
        verified_client(alice).get(f"/coordination/rooms/{room.pk}/").status_code == 200
    )
    outsiders = verified_client(outsider)
    assert room.group.name not in outsiders.get("/coordination/").content.decode()
    for url in (
        f"/coordination/rooms/{room.pk}/",
        f"/coordination/rooms/{room.pk}/messages",
        f"/coordination/rooms/{room.pk}/presence",
        "/coordination/rooms/999999/",
    ):
        assert_not_found(outsiders.get(url))


def test_presence_says_it_is_unknown_while_redis_is_down(room_and_people, settings):
    room, alice, _, _ = room_and_people
    client = verified_client(alice)
    url = f"/coordination/rooms/{room.pk}/presence"
    assert client.get(url).json() == {"users": [], "available": True}
    # Nothing listens on this port: Redis is down. The live layer keeps one client
    # per event loop; it is dropped so that the next one dials the dead address.
    settings.REDIS_URL = f"redis://127.0.0.1:{free_port()}/0"
    live._clients.clear()
    try:
        answer = client.get(url)
    finally:
        live._clients.clear()
    assert answer.status_code == 200
    assert answer.json() == {"users": [], "available": False}


def test_an_unverified_session_sees_no_room(room_and_people):
    room, alice, _, _ = room_and_people
    client = Client()
    client.force_login(alice)
    assert_not_found(client.get(f"/coordination/rooms/{room.pk}/messages"))
    assert "second factor" in client.get("/coordination/").content.decode()


def test_history_pages_backwards_and_catches_up_forwards(room_and_people, settings):
    settings.COORDINATION_PAGE_SIZE = 2
    room, alice, bob, _ = room_and_people
    ids = [post(room, alice if i % 2 else bob, f"m{i}").pk for i in range(5)]
    client = verified_client(alice)
    url = f"/coordination/rooms/{room.pk}/messages"
    newest = client.get(url).json()
    assert [m["id"] for m in newest["messages"]] == ids[3:]
    assert newest["has_more"]
    older = client.get(url, {"before": ids[3]}).json()
    assert [m["id"] for m in older["messages"]] == ids[1:3]
    oldest = client.get(url, {"before": ids[1]}).json()
    assert [m["id"] for m in oldest["messages"]] == ids[:1]
    assert not oldest["has_more"]
    after = client.get(url, {"after": ids[1]}).json()
    assert [m["id"] for m in after["messages"]] == ids[2:4]
    assert after["has_more"]
    assert client.get(url, {"before": "x"}).status_code == 400


def test_posting_over_http_sanitises_and_rejects_empty_text(room_and_people):
    room, alice, _, _ = room_and_people
    client = verified_client(alice)
    url = f"/coordination/rooms/{room.pk}/messages"
    response = client.post(
        url, {"body": "<i>ok</i><script>x</script>"}, HTTP_ACCEPT="application/json"
    )
    assert response.status_code == 201
    assert response.json()["message"]["body"] == "<i>ok</i>"
    empty = client.post(
        url, {"body": "<script>x</script>"}, HTTP_ACCEPT="application/json"
    )
    assert empty.status_code == 400
    assert empty.json()["error"] == "The message is empty."
    assert Message.objects.filter(room=room).count() == 1


def test_the_read_marker_and_unread_count(room_and_people):
    room, alice, bob, _ = room_and_people
    first = post(room, bob, "one")
    post(room, bob, "two")
    client = verified_client(alice)
    assert "2 unread" in client.get("/coordination/").content.decode()
    response = client.post(f"/coordination/rooms/{room.pk}/read", {"id": first.pk})
    assert response.json() == {"last_read_id": first.pk}
    assert "1 unread" in client.get("/coordination/").content.decode()


def test_archived_rooms_vanish(room_and_people):
    room, alice, _, _ = room_and_people
    actions.archive_room(room, by=None)
    assert_not_found(verified_client(alice).get(f"/coordination/rooms/{room.pk}/"))


def test_notifications_follow_the_policy_and_the_bell_counts_them(room_and_people):
    room, alice, bob, _ = room_and_people
    post(room, bob, f"@{alice.email.split('@')[0]} please check")
    actions.notify(alice, Notification.Kind.PRACTICE_APPROVED, "Practice approved", "/")
    client = verified_client(alice)
    page = client.get("/notifications/").content.decode()
    assert "mentioned you" in page and "Practice approved" in page
    assert 'data-count="2"' in page
    feed = client.get("/notifications/feed").json()
    assert feed["unread"] == 2
    # Leaving the group hides the mention everywhere; the other notification stays.
    change_partner_group(room.group, remove_members=[alice], by=None)
    page = client.get("/notifications/").content.decode()
    assert "mentioned you" not in page and 'data-count="1"' in page
    assert [
        n["kind"] for n in client.get("/notifications/feed").json()["notifications"]
    ] == ["practice_approved"]
    client.post("/notifications/")
    assert client.get("/notifications/feed").json()["unread"] == 0


def test_vetting_expiry_is_notified_once_a_day():
    user = make_user("vera")
    first = actions.notify_vetting_expiry(user, 7)
    assert first is not None and first.title == "Your vetting ends in 7 days"
    assert actions.notify_vetting_expiry(user, 7) is None
    assert Notification.objects.filter(user=user).count() == 1


def test_the_page_owner_hears_when_moderators_approve_or_reject(home_page):
    from wagtail.models import GroupApprovalTask, Workflow, WorkflowTask

    editor = make_user("edith")
    moderator = make_user("max")
    # Wagtail publishing rights, not content access
    set_superuser(moderator, True, by=None)
    moderators = Group.objects.create(name="Coordination test moderators")
    set_groups(moderator, [moderators], by=None)
    task = GroupApprovalTask.objects.create(name="Moderate")
    task.groups.add(moderators)
    workflow = Workflow.objects.create(name="Moderation")
    WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=0)
    home_page.owner = editor
    home_page.save()

    home_page.save_revision(user=editor)
    workflow.start(home_page, editor).current_task_state.reject(user=moderator)
    rejected = Notification.objects.get(user=editor)
    assert rejected.kind == Notification.Kind.PRACTICE_REJECTED
    assert home_page.title in rejected.title

    home_page.refresh_from_db()
    home_page.save_revision(user=editor)
    state = home_page.workflow_states.filter(status="needs_changes").first()
    if state is not None:
        state.cancel(user=editor)
    workflow.start(home_page, editor).current_task_state.approve(user=moderator)
    approved = Notification.objects.filter(user=editor).first()
    assert approved.kind == Notification.Kind.PRACTICE_APPROVED
    assert approved.title.endswith("was approved by the moderators")


def test_the_demo_fills_empty_rooms_once():
    from exchange.coordination.demo import ensure_demo_coordination

    nl, be = make_user("anna", state="NL"), make_user("bert", state="BE")
    group = make_group(states=("NL", "BE"))
    make_group()  # a group nobody can enter: skipped, no failure
    assert ensure_demo_coordination() == 3
    assert ensure_demo_coordination() == 0
    authors = set(
        Message.objects.filter(room__group=group).values_list("author_id", flat=True)
    )
    assert authors == {nl.pk, be.pk}


def test_the_secretariat_opens_and_archives_rooms_others_get_404(room_and_people):
    from portal.accounts.roles import Role
    from portal.audit.models import AuditEvent

    room, alice, _, _ = room_and_people
    secretary = make_user("sam", state=None)
    assign_role(secretary, Role.SECRETARIAT, by=None)
    client = verified_client(secretary)
    assert client.get("/coordination/manage/").status_code == 200
    response = client.post(
        "/coordination/manage/",
        {"group": room.group.pk, "name": "Exercise planning", "tier": "confidential"},
    )
    assert response.status_code == 302
    opened = room.group.rooms.get(name="Exercise planning")
    assert opened.tier == "confidential" and opened.created_by == secretary
    assert AuditEvent.objects.filter(
        action="coordination.room.opened", actor=secretary
    ).exists()
    # The secretariat manages rooms but does not read them by role alone.
    assert_not_found(client.get(f"/coordination/rooms/{opened.pk}/messages"))
    client.post(f"/coordination/manage/{room.pk}/archive")
    room.refresh_from_db()
    assert room.archived_at is not None
    member = verified_client(alice)
    assert_not_found(member.get("/coordination/manage/"))
    assert_not_found(member.post(f"/coordination/manage/{opened.pk}/archive"))
    opened.refresh_from_db()
    assert opened.archived_at is None
