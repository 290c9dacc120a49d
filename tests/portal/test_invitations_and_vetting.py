"""Invitations by focal points, vetting by the secretariat, roles and reminders."""

from __future__ import annotations

import datetime
import re

from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

import pytest

from exchange.coordination.models import Notification
from portal.accounts import actions
from portal.accounts.models import Invitation, User, VettingReminder
from portal.accounts.roles import Role, has_role
from portal.audit.models import AuditEvent
from tests.portal.identity import PASSWORD, make_user, vet
from tests.support import assert_not_found, login_verified, sent_mail

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-long-and-unusual-passphrase"


def _invite(client, focal, email="newexpert@example.org") -> str:
    login_verified(client, focal)
    response = client.post("/accounts/invitations/", {"email": email})
    assert response.status_code == 302
    link = re.search(r"https?://\S+/accounts/invitations/(\S+)/", sent_mail()[-1].body)
    assert link, sent_mail()[-1].body
    return link.group(1)


def _accept(client, token, password=NEW_PASSWORD):
    return client.post(
        f"/accounts/invitations/{token}/",
        {
            "first_name": "Ada",
            "last_name": "Expert",
            "password1": password,
            "password2": password,
        },
    )


def test_invitation_acceptance_vetting_and_login(client):
    focal = make_user("focal@example.org", Role.FOCAL_POINT)
    token = _invite(client, focal)
    invitation = Invitation.objects.get()
    assert invitation.token_hash != token and token not in invitation.token_hash
    assert invitation.expires_at - invitation.created_at == datetime.timedelta(hours=72)
    assert sent_mail()[-1].to == ["newexpert@example.org"]

    visitor = client.__class__()
    page = visitor.get(f"/accounts/invitations/{token}/")
    assert page.status_code == 200
    assert "Netherlands" in page.content.decode()
    weak = _accept(visitor, token, password="short")
    assert weak.status_code == 200
    assert not User.objects.filter(email="newexpert@example.org").exists()

    response = _accept(visitor, token)
    assert response.status_code == 302
    expert = User.objects.get(email="newexpert@example.org")
    assert expert.state == focal.state
    assert not expert.is_vetted()

    again = _accept(client.__class__(), token)
    assert again.status_code == 410
    assert "already been used" in again.content.decode()
    assert User.objects.filter(email="newexpert@example.org").count() == 1
    assert AuditEvent.objects.filter(action="accounts.invitation_rejected").exists()

    secretariat = make_user("sec@example.org", Role.SECRETARIAT, state=None)
    staff = client.__class__()
    login_verified(staff, secretariat)
    listing = staff.get("/accounts/vetting/")
    assert "newexpert@example.org" in listing.content.decode()
    until = timezone.localdate() + datetime.timedelta(days=200)
    bad = staff.post(
        f"/accounts/vetting/{expert.pk}/",
        {"clearance": "top_secret", "vetted_until": until.isoformat()},
    )
    assert bad.status_code == 200
    expert.refresh_from_db()
    assert expert.clearance == "public"
    done = staff.post(
        f"/accounts/vetting/{expert.pk}/",
        {"clearance": "confidential", "vetted_until": until.isoformat()},
    )
    assert done.status_code == 302
    expert.refresh_from_db()
    assert expert.is_vetted()
    assert expert.clearance == "confidential"
    assert expert.vetted_by == secretariat
    assert has_role(expert, Role.VETTED_EXPERT)
    event = AuditEvent.objects.get(action="accounts.vetting_changed")
    assert event.details["after"]["clearance"] == "confidential"

    login = visitor.post(
        "/accounts/login/", {"username": expert.email, "password": NEW_PASSWORD}
    )
    assert login["Location"].startswith("/account/two-factor/enrol/")


def test_expired_and_unknown_links_get_a_clear_message_and_an_audit_record(client):
    focal = make_user("focal@example.org", Role.FOCAL_POINT)
    sent = actions.invite_expert(
        "late@example.org", by=focal, accept_url_for=lambda token: token
    )
    Invitation.objects.filter(pk=sent.invitation.pk).update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    expired = _accept(client, sent.token)
    assert expired.status_code == 410
    assert "expired" in expired.content.decode()
    unknown = client.get("/accounts/invitations/not-a-real-token/")
    assert unknown.status_code == 410
    assert "not valid" in unknown.content.decode()
    assert not User.objects.filter(email="late@example.org").exists()
    assert AuditEvent.objects.filter(action="accounts.invitation_rejected").count() >= 2


def test_only_focal_points_invite_and_only_for_their_state(client):
    editor = make_user("editor@example.org", Role.STATE_EDITOR)
    login_verified(client, editor)
    assert_not_found(client.get("/accounts/invitations/"))
    assert_not_found(client.post("/accounts/invitations/", {"email": "x@example.org"}))
    assert not Invitation.objects.exists()
    with pytest.raises(PermissionError):
        actions.invite_expert("x@example.org", by=editor, accept_url_for=str)


def test_inviting_an_existing_account_is_refused_with_a_message(client):
    focal = make_user("focal@example.org", Role.FOCAL_POINT)
    make_user("taken@example.org")
    login_verified(client, focal)
    response = client.post("/accounts/invitations/", {"email": "Taken@example.org"})
    assert response.status_code == 200
    assert "already exists" in response.content.decode()
    assert not Invitation.objects.exists()


def test_vetting_pages_are_not_found_for_others(client):
    expert = make_user("expert@example.org", Role.VETTED_EXPERT)
    focal = make_user("focal@example.org", Role.FOCAL_POINT)
    login_verified(client, focal)
    assert_not_found(client.get("/accounts/vetting/"))
    assert_not_found(client.get(f"/accounts/vetting/{expert.pk}/"))
    with pytest.raises(actions.VettingRefused, match="Only the secretariat"):
        vet(expert, focal)


def test_unverified_secretariat_is_sent_to_verification_not_served(client):
    secretariat = make_user("sec@example.org", Role.SECRETARIAT)
    client.force_login(secretariat)
    response = client.get("/accounts/vetting/")
    assert response.status_code == 302
    assert response["Location"].startswith("/account/two-factor/enrol/")
    anonymous = client.__class__().get("/accounts/vetting/")
    assert anonymous["Location"].startswith("/accounts/login/")


def test_an_expired_vetting_removes_access_at_once_and_deletes_nothing():
    secretariat = make_user("sec@example.org", Role.SECRETARIAT)
    expert = make_user("expert@example.org")
    vet(expert, secretariat, days=0)
    assert expert.is_vetted()
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    assert not expert.is_vetted(today=tomorrow)
    assert User.objects.filter(pk=expert.pk, clearance="confidential").exists()


def test_role_changes_go_through_audited_actions():
    secretariat = make_user("sec@example.org", Role.SECRETARIAT)
    person = make_user("person@example.org")
    assert actions.assign_role(person, Role.STATE_EDITOR, by=secretariat) is True
    assert actions.assign_role(person, Role.STATE_EDITOR, by=secretariat) is False
    assert has_role(person, Role.STATE_EDITOR)
    assert actions.remove_role(person, Role.STATE_EDITOR, by=secretariat) is True
    assert not has_role(person, Role.STATE_EDITOR)
    actions_seen = list(
        AuditEvent.objects.filter(target_id=str(person.pk)).values_list(
            "action", "actor_id"
        )
    )
    assert ("accounts.role_assigned", secretariat.pk) in actions_seen
    assert ("accounts.role_removed", secretariat.pk) in actions_seen


def test_role_groups_exist_from_the_migration():
    from django.contrib.auth.models import Group

    names = set(Group.objects.values_list("name", flat=True))
    assert {role.value for role in Role} <= names


def test_vetting_reminders_are_sent_once_per_expiry_date():
    secretariat = make_user("sec@example.org", Role.SECRETARIAT)
    soon = vet(make_user("soon@example.org"), secretariat, days=20)
    vet(make_user("later@example.org"), secretariat, days=90)
    sent_mail().clear()
    call_command("send_vetting_reminders", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert [message.to for message in sent_mail()] == [["soon@example.org"]]
    call_command("send_vetting_reminders", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert len(sent_mail()) == 1
    assert VettingReminder.objects.get().vetted_until == soon.vetted_until
    notice = Notification.objects.get(user=soon, kind=Notification.Kind.VETTING_EXPIRY)
    assert notice.title == "Your vetting ends in 20 days"
    # A renewed vetting that again nears its end gets its own reminder.
    vet(soon, secretariat, days=25)
    call_command("send_vetting_reminders", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert len(sent_mail()) == 2


def test_password_validators_require_twelve_characters():
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        validate_password("elevenchars")
    validate_password(PASSWORD)


def test_group_changes_outside_the_actions_are_refused_and_recorded():
    from django.contrib.auth.models import Group

    from portal.accounts.guard import UnauditedChange

    person = make_user("direct@example.org")
    group = Group.objects.get(name=Role.SECURITY_OFFICER)
    with pytest.raises(UnauditedChange), transaction.atomic():
        person.groups.add(group)
    with pytest.raises(UnauditedChange), transaction.atomic():
        group.user_set.add(person)
    assert not has_role(person, Role.SECURITY_OFFICER)
    # A plain save runs its check before any transaction: the refusal is recorded.
    person.clearance = "highly_confidential"
    with pytest.raises(UnauditedChange):
        person.save()
    with pytest.raises(UnauditedChange):
        User.objects.filter(pk=person.pk).update(clearance="confidential")
    assert User.objects.get(pk=person.pk).clearance == "public"
    events = AuditEvent.objects.filter(action="accounts.unaudited_change_refused")
    assert [e.outcome for e in events] == ["denied", "denied"]
