"""Operator-blind: nobody grants themselves access, on any screen, and a superuser
gets no content for being one.

Each escalation path is taken through the real admin and portal POSTs with a
verified session, and each must be refused with a message and audited as denied.
"""

from __future__ import annotations

import datetime

from django.contrib.auth.models import Group
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

import pytest
from asgiref.sync import async_to_sync

from exchange import actions as exchange_actions
from exchange.coordination import actions as coordination_actions
from exchange.models import PartnerGroup
from exchange.policy import viewer_for_user
from portal.accounts import actions
from portal.accounts.guard import SelfChangeRefused, UnauditedChange, authorised
from portal.accounts.models import User, VettingApproval
from portal.accounts.roles import Role, has_role, role_group
from portal.audit.models import AuditEvent
from portal.states.models import State
from tests.portal.identity import PASSWORD, make_user, vet
from tests.search.conftest import index_now, search_index  # noqa: F401 - fixture
from tests.support import assert_not_found, login_verified

SELF_REFUSAL = "You cannot change your own roles, groups, clearance"
YEAR = datetime.timedelta(days=365)


def _superuser(email="root@example.org", state="NL") -> User:
    return User.objects.create_superuser(
        email, PASSWORD, state=State.objects.get(iso_code=state) if state else None
    )


def _denied(action: str, actor: User) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action, actor=actor, outcome="denied"))


def _user_form(user: User, **changes) -> dict:
    data = {
        "email": user.email,
        "first_name": user.first_name or "First",
        "last_name": user.last_name or "Last",
        "password1": "",
        "password2": "",
        "groups": [g.pk for g in user.groups.all()],
    }
    data.update(changes)
    return data


def _group_form(group: PartnerGroup, **changes) -> dict:
    data = {
        "name": group.name,
        "slug": group.slug,
        "description": group.description,
        "states": [s.pk for s in group.states.all()],
        "members": [u.pk for u in group.members.all()],
    }
    data.update(changes)
    return data


# --- The Wagtail user editor ---------------------------------------------------------


@pytest.mark.django_db
def test_a_superuser_cannot_add_itself_to_a_group_in_the_user_editor(client):
    root = _superuser()
    login_verified(client, root)
    wanted = [role_group(Role.VETTED_EXPERT).pk, role_group(Role.SECRETARIAT).pk]
    response = client.post(
        reverse("wagtailusers_users:edit", args=[root.pk]),
        _user_form(root, groups=wanted),
    )
    assert response.status_code == 200
    assert SELF_REFUSAL in response.content.decode()
    assert not root.groups.exists()
    (event,) = _denied("accounts.groups_changed", root)
    assert event.target_id == str(root.pk)
    assert event.details["reason"] == "own access"


@pytest.mark.django_db
def test_the_user_editor_changes_others_through_the_actions_with_its_actor(client):
    root = _superuser()
    person = make_user("person@example.org")
    login_verified(client, root)
    expert_group = role_group(Role.VETTED_EXPERT)
    response = client.post(
        reverse("wagtailusers_users:edit", args=[person.pk]),
        _user_form(person, groups=[expert_group.pk], is_superuser="on", is_active="on"),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    person.refresh_from_db()
    assert has_role(person, Role.VETTED_EXPERT) and person.is_superuser
    groups = AuditEvent.objects.get(action="accounts.groups_changed", actor=root)
    assert groups.outcome == "success" and groups.target_id == str(person.pk)
    assert groups.details["added"] == [Role.VETTED_EXPERT.value]
    superuser = AuditEvent.objects.get(action="accounts.superuser_changed")
    assert superuser.actor_id == root.pk and superuser.details == {"is_superuser": True}


@pytest.mark.django_db
def test_a_user_created_in_the_editor_gets_its_groups_through_the_action(client):
    root = _superuser()
    login_verified(client, root)
    response = client.post(
        reverse("wagtailusers_users:add"),
        {
            "email": "new@example.org",
            "first_name": "New",
            "last_name": "Person",
            "password1": "a-long-and-unusual-passphrase",
            "password2": "a-long-and-unusual-passphrase",
            "groups": [role_group(Role.STATE_EDITOR).pk],
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    created = User.objects.get(email="new@example.org")
    assert has_role(created, Role.STATE_EDITOR) and not created.is_superuser
    assert AuditEvent.objects.filter(
        action="accounts.groups_changed", actor=root, target_id=str(created.pk)
    ).exists()


@pytest.mark.django_db
def test_the_bulk_assign_role_refuses_oneself(client):
    root = _superuser()
    other = make_user("other@example.org")
    login_verified(client, root)
    url = reverse("wagtail_bulk_action", args=["accounts", "user", "assign_role"])
    group = role_group(Role.VETTED_EXPERT)
    response = client.post(
        f"{url}?id={root.pk}&id={other.pk}&next=/admin/users/",
        {"role": group.pk},
        follow=True,
    )
    assert SELF_REFUSAL in response.content.decode()
    assert not root.groups.exists() and not other.groups.exists()
    assert _denied("accounts.groups_changed", root)
    # For others only, it goes through the action, with its actor.
    client.post(f"{url}?id={other.pk}&next=/admin/users/", {"role": group.pk})
    assert has_role(other, Role.VETTED_EXPERT)
    assert AuditEvent.objects.filter(
        action="accounts.groups_changed", actor=root, outcome="success"
    ).exists()


# --- Partner groups in the snippet editor --------------------------------------------


@pytest.mark.django_db
def test_a_superuser_cannot_add_itself_or_its_state_to_a_partner_group(client):
    root = _superuser(state="NL")
    group = PartnerGroup.objects.create(name="Forensics", slug="forensics")
    login_verified(client, root)
    url = reverse("wagtailsnippets_exchange_partnergroup:edit", args=[group.pk])
    by_name = client.post(url, _group_form(group, members=[root.pk]))
    assert by_name.status_code == 200
    assert SELF_REFUSAL in by_name.content.decode()
    nl = State.objects.get(iso_code="NL")
    by_state = client.post(url, _group_form(group, states=[nl.pk]))
    assert SELF_REFUSAL in by_state.content.decode()
    assert not group.members.exists() and not group.states.exists()
    refusals = _denied("exchange.partner_group.membership_changed", root)
    assert [e.details["fields"] for e in refusals] == [["members"], ["states"]]


@pytest.mark.django_db
def test_partner_group_membership_changes_are_audited_with_their_actor(client):
    root = _superuser(state="NL")
    expert = make_user("expert@example.org", state="BE")
    group = PartnerGroup.objects.create(name="Forensics", slug="forensics")
    login_verified(client, root)
    url = reverse("wagtailsnippets_exchange_partnergroup:edit", args=[group.pk])
    be = State.objects.get(iso_code="BE")
    response = client.post(url, _group_form(group, members=[expert.pk], states=[be.pk]))
    assert response.status_code == 302, response.content.decode()[:2000]
    assert list(group.members.all()) == [expert]
    assert list(group.states.all()) == [be]
    event = AuditEvent.objects.get(action="exchange.partner_group.membership_changed")
    assert event.actor_id == root.pk and event.outcome == "success"
    assert event.details["members_added"] == [expert.pk]
    assert event.details["states_added"] == ["BE"]


# --- Vetting -------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_secretariat_member_cannot_vet_itself(client):
    colleague = make_user("colleague@example.org", Role.SECRETARIAT, state=None)
    secretariat = make_user("sec@example.org", Role.SECRETARIAT, state=None)
    # Listed among the experts (a colleague gave the role), so the page opens.
    actions.assign_role(secretariat, Role.VETTED_EXPERT, by=colleague)
    login_verified(client, secretariat)
    response = client.post(
        f"/accounts/vetting/{secretariat.pk}/",
        {
            "clearance": "highly_confidential",
            "vetted_until": (timezone.localdate() + YEAR).isoformat(),
        },
    )
    assert response.status_code == 200
    assert SELF_REFUSAL in response.content.decode()
    secretariat.refresh_from_db()
    assert secretariat.clearance == "public" and secretariat.vetted_until is None
    assert not VettingApproval.objects.exists()
    assert _denied("accounts.vetting_changed", secretariat)


@pytest.mark.django_db
def test_nobody_removes_their_own_role_or_changes_their_own_superuser_status():
    root = _superuser()
    with pytest.raises(SelfChangeRefused):
        actions.assign_role(root, Role.VETTED_EXPERT, by=root)
    with pytest.raises(SelfChangeRefused):
        actions.set_superuser(root, False, by=root)
    root.refresh_from_db()
    assert root.is_superuser and not root.groups.exists()
    assert _denied("accounts.role_assigned", root)
    assert _denied("accounts.superuser_changed", root)


@pytest.mark.django_db
def test_highly_confidential_takes_effect_after_the_second_of_two_approvals(client):
    secretariat = make_user("sec@example.org", Role.SECRETARIAT, state=None)
    focal = make_user("focal@example.org", Role.FOCAL_POINT, state="NL")
    expert = make_user("expert@example.org", state="NL")
    vet(expert, secretariat, tier="confidential")
    login_verified(client, secretariat)
    until = timezone.localdate() + YEAR
    response = client.post(
        f"/accounts/vetting/{expert.pk}/",
        {"clearance": "highly_confidential", "vetted_until": until.isoformat()},
        follow=True,
    )
    assert "takes effect once the focal point of Netherlands" in (
        response.content.decode()
    )
    expert.refresh_from_db()
    assert expert.clearance == "confidential"  # the earlier vetting still holds
    approval = VettingApproval.objects.get(expert=expert)
    assert approval.secretariat_approver == secretariat and not approval.is_complete

    focal_client = login_verified(Client(), focal)
    page = focal_client.get("/accounts/vetting/approvals/")
    assert expert.display_name in page.content.decode()
    assert expert.email not in page.content.decode()
    response = focal_client.post(
        "/accounts/vetting/approvals/", {"approval": approval.pk}, follow=True
    )
    assert "is now vetted for highly confidential" in response.content.decode()
    expert.refresh_from_db()
    assert expert.clearance == "highly_confidential" and expert.vetted_until == until
    approval.refresh_from_db()
    assert approval.is_complete and approval.focal_point_approver == focal
    applied = AuditEvent.objects.filter(action="accounts.vetting_changed").last()
    assert applied.details["approvers"] == [secretariat.pk, focal.pk]
    assert applied.details["after"]["clearance"] == "highly_confidential"
    approvals = AuditEvent.objects.filter(action="accounts.vetting_approved")
    assert [(e.actor_id, e.details["as"]) for e in approvals] == [
        (secretariat.pk, "secretariat"),
        (focal.pk, "focal_point"),
    ]


@pytest.mark.django_db
def test_the_second_approval_must_come_from_another_entitled_person():
    secretariat = make_user("sec@example.org", Role.SECRETARIAT, state=None)
    both = make_user("both@example.org", Role.SECRETARIAT, Role.FOCAL_POINT)
    other_state_focal = make_user("focal.be@example.org", Role.FOCAL_POINT, state="BE")
    expert = make_user("expert@example.org", state="NL")
    own_focal = make_user("self@example.org", state="NL")
    actions.assign_role(own_focal, Role.FOCAL_POINT, by=secretariat)

    vet(expert, both, tier="highly_confidential")
    approval = actions.pending_vetting(expert)
    refused = [
        (both, "already approved"),
        (secretariat, "Only the secretariat and the focal point"),
        (other_state_focal, "Only the secretariat and the focal point"),
    ]
    for person, message in refused:
        with pytest.raises(actions.VettingRefused, match=message):
            actions.approve_vetting(approval, by=person)
        assert _denied("accounts.vetting_approved", person)
    # A focal point who is the expert: their own vetting.
    vet(own_focal, secretariat, tier="highly_confidential")
    with pytest.raises(SelfChangeRefused):
        actions.approve_vetting(actions.pending_vetting(own_focal), by=own_focal)
    assert _denied("accounts.vetting_approved", own_focal)
    expert.refresh_from_db()
    own_focal.refresh_from_db()
    assert expert.clearance == own_focal.clearance == "public"


@pytest.mark.django_db
def test_an_expert_without_a_state_cannot_wait_for_a_focal_point(client):
    secretariat = make_user("sec@example.org", Role.SECRETARIAT, state=None)
    stateless = make_user("stateless@example.org", Role.VETTED_EXPERT, state=None)
    login_verified(client, secretariat)
    response = client.post(
        f"/accounts/vetting/{stateless.pk}/",
        {
            "clearance": "highly_confidential",
            "vetted_until": (timezone.localdate() + YEAR).isoformat(),
        },
    )
    assert "belongs to no State" in response.content.decode()
    assert not VettingApproval.objects.exists()
    assert _denied("accounts.vetting_changed", secretariat)


@pytest.mark.django_db
def test_vetting_below_highly_confidential_takes_effect_at_once_and_closes_a_request():
    secretariat = make_user("sec@example.org", Role.SECRETARIAT, state=None)
    expert = make_user("expert@example.org", state="NL")
    vet(expert, secretariat, tier="highly_confidential")
    assert actions.pending_vetting(expert) is not None
    vet(expert, secretariat, tier="restricted")
    expert.refresh_from_db()
    assert expert.clearance == "restricted" and expert.is_vetted()
    assert actions.pending_vetting(expert) is None


# --- The backstop --------------------------------------------------------------------


@pytest.mark.django_db
def test_access_changes_outside_the_actions_are_refused():
    person = make_user("person@example.org", state="NL")
    group = PartnerGroup.objects.create(name="Forensics", slug="forensics")
    nl = State.objects.get(iso_code="NL")
    attempts = [
        lambda: person.groups.add(role_group(Role.VETTED_EXPERT)),
        lambda: role_group(Role.SECRETARIAT).user_set.add(person),
        lambda: group.members.add(person),
        lambda: person.partner_groups.add(group),
        lambda: group.states.add(nl),
        lambda: nl.partner_groups.add(group),
    ]
    for attempt in attempts:
        with pytest.raises(UnauditedChange), transaction.atomic():
            attempt()
    person.is_superuser = True
    with pytest.raises(UnauditedChange):
        person.save()
    person.refresh_from_db()
    person.vetted_until = timezone.localdate() + YEAR
    with pytest.raises(UnauditedChange):
        person.save(update_fields=["vetted_until"])
    with pytest.raises(UnauditedChange):
        User.objects.filter(pk=person.pk).update(is_superuser=True)
    person.refresh_from_db()
    assert not person.is_superuser and person.vetted_until is None
    assert not person.groups.exists() and not group.members.exists()
    assert not group.states.exists()
    # Other fields save as before; the actions still work.
    person.first_name = "Changed"
    person.save()
    assert exchange_actions.change_partner_group(group, add_members=[person], by=None)
    assert list(group.members.all()) == [person]
    assert Group.objects.filter(user=person).count() == 0


# --- A superuser sees nothing by being one ------------------------------------------


@pytest.mark.django_db
def test_a_verified_superuser_lists_and_finds_nothing(search_index):  # noqa: F811
    root = _superuser(state="NL")
    secretariat = make_user("sec@example.org", Role.SECRETARIAT, state=None)
    owner = make_user("owner@example.org", state="NL")
    vet(owner, secretariat)
    document = exchange_actions.create_document(
        by=owner,
        title="Guard force response plan",
        tier="restricted",
        upload=_text_upload(),
        users=[root],  # named, even: a superuser who is not vetted sees nothing
    )
    group = PartnerGroup.objects.create(name="Benelux", slug="benelux")
    exchange_actions.change_partner_group(group, add_members=[root, owner], by=None)
    room = group.rooms.get(is_default=True)
    coordination_actions.post_message(
        viewer_for_user(owner, verified=True), room.pk, "Guard force drill on Friday"
    )
    index_now("document", [document])

    client = login_verified(Client(), root)
    listing = client.get(reverse("exchange:list"))
    assert b"Guard force" not in listing.content
    # The API answers only verified experts: a superuser is none.
    assert_not_found(client.get(reverse("exchange:api_documents")))
    assert_not_found(client.get(document.get_absolute_url()))
    found = client.get("/search/api/", {"q": "guard force"}).json()
    assert found["results"] == [] and b"Guard force" not in str(found).encode()
    assert_not_found(client.get(f"/coordination/rooms/{room.pk}/messages"))
    assert_not_found(client.get(f"/coordination/rooms/{room.pk}/"))
    assert b"Benelux" not in client.get("/coordination/").content


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_verified_superuser_in_a_group_is_refused_the_room_socket():
    from tests.coordination.helpers import assert_refused, session_cookie

    root = _superuser(state="NL")
    group = PartnerGroup.objects.create(name="Benelux", slug="benelux")
    exchange_actions.change_partner_group(group, add_members=[root], by=None)
    room = group.rooms.get(is_default=True)
    cookie = session_cookie(login_verified(Client(), root))
    async_to_sync(assert_refused)(f"/ws/coordination/rooms/{room.pk}/", cookie, 4404)


def _text_upload():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("plan.txt", b"guard force plan\n", "text/plain")


def test_fixtures_may_mark_their_setup_explicitly():
    """`authorised()` is the mark the actions use; it nests and resets."""
    from portal.accounts.guard import is_authorised

    assert not is_authorised()
    with authorised():
        with authorised():
            assert is_authorised()
        assert is_authorised()
    assert not is_authorised()


@pytest.mark.django_db
def test_the_user_editor_cannot_set_another_persons_password(client):
    root = _superuser()
    expert = make_user("expert.pw@example.org", Role.VETTED_EXPERT)
    login_verified(client, root)
    edit = reverse("wagtailusers_users:edit", args=[expert.pk])
    form = client.get(edit).content.decode()
    assert 'name="password1"' not in form and 'name="password2"' not in form
    client.post(
        edit,
        {
            "email": expert.email,
            "first_name": "Changed",
            "last_name": "Name",
            "password1": "taken-over-by-the-operator",
            "password2": "taken-over-by-the-operator",
        },
    )
    expert.refresh_from_db()
    assert not expert.check_password("taken-over-by-the-operator")
    # Nor does the admin offer its own password change or reset forms.
    for url in ("/admin/password_reset/", "/admin/account/change_password/"):
        assert client.get(url).status_code == 404, url
