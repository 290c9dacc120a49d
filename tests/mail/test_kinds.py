"""Every kind of mail, from the real action causing it, read from the SMTP server."""

from __future__ import annotations

import datetime
import re

from django.test import Client
from django.utils import timezone

import pytest

from exchange.coordination.actions import ensure_group_room, post_message
from exchange.models import PartnerGroup
from exchange.policy import viewer_for_user
from portal.accounts import actions
from portal.accounts.roles import Role
from portal.accounts.vetting import send_vetting_ended, send_vetting_reminders
from portal.mail.queue import drain
from tests.coordination.helpers import make_group
from tests.exchange.conftest import make_expert, share
from tests.portal.identity import make_user, vet
from tests.smtp import everything_in, text_of
from tests.support import login_verified

pytestmark = pytest.mark.django_db


def _subjects(server, to: str) -> list[str]:
    return [m["Subject"] for m in server.messages if m["To"] == to]


def test_a_share_tells_each_person_how_it_reaches_them(
    smtp_server, django_capture_on_commit_callbacks
):
    author = make_expert("NL", clearance="confidential")
    named = make_expert("DE", clearance="confidential")
    colleague = make_expert("BE", clearance="confidential")
    member = make_expert("FR", clearance="confidential")
    uncleared = make_expert("BE", clearance="restricted")
    group = make_group(member)
    with django_capture_on_commit_callbacks(execute=True):
        share(
            author,
            tier="confidential",
            title="Sabotage scenario for the border post",
            users=[named],
            states=[colleague.state],
            groups=[group],
        )
    drain()
    assert _subjects(smtp_server, named.email) == [
        "A confidential document was shared with you · "
        "Nuclear Security Implementation Portal"
    ]
    assert _subjects(smtp_server, colleague.email)[0].startswith(
        "A confidential document was shared with your State"
    )
    assert _subjects(smtp_server, member.email)[0].startswith(
        "A confidential document was shared with your partner group"
    )
    # Not cleared for it: not told of it at all.
    assert _subjects(smtp_server, uncleared.email) == []
    for message in smtp_server.messages:
        assert "Sabotage" not in everything_in(message)
        assert "notes.txt" not in everything_in(message)
        assert re.search(r"/exchange/\d+/", text_of(message))


def test_a_mention_mails_the_tier_and_a_link_but_not_the_message(smtp_server):
    author = make_expert("NL", clearance="confidential")
    mentioned = make_expert("NL", clearance="confidential")
    group = PartnerGroup.objects.create(name="Benelux", slug="benelux")
    from exchange.actions import change_partner_group

    change_partner_group(group, add_members=[author, mentioned], by=None)
    room = ensure_group_room(group)
    handle = mentioned.email.split("@")[0]
    post_message(
        viewer_for_user(author, verified=True),
        room.pk,
        f"@{handle} the convoy leaves at dawn through gate 4",
    )
    drain()
    (mail,) = smtp_server.messages
    assert mail["To"] == mentioned.email
    assert mail["Subject"].startswith(
        "You were mentioned in a restricted coordination room"
    )
    assert f"/coordination/rooms/{room.pk}/#message-" in text_of(mail)
    assert "convoy" not in everything_in(mail)
    assert "Benelux" not in everything_in(mail)


def test_vetting_ending_and_ended_are_mailed_once(smtp_server):
    secretariat = make_user("sec@example.org", Role.SECRETARIAT, state=None)
    soon = vet(make_user("soon@example.org"), secretariat, days=20)
    send_vetting_reminders()
    send_vetting_reminders()
    drain()
    (ending,) = smtp_server.messages
    assert ending["To"] == soon.email
    assert ending["Subject"].startswith("Your vetting ends after")

    later = timezone.localdate() + datetime.timedelta(days=21)
    assert send_vetting_ended(today=later) == 1
    assert send_vetting_ended(today=later) == 0
    assert send_vetting_ended(today=later + datetime.timedelta(days=1)) == 0
    drain()
    ended = smtp_server.messages[-1]
    assert ended["Subject"].startswith("Your vetting has ended")
    assert len(smtp_server.messages) == 2


def test_password_change_and_invitation_mails(smtp_server):
    focal = make_user("focal@example.org", Role.FOCAL_POINT)
    client = login_verified(Client(), focal)
    client.post("/accounts/invitations/", {"email": "new@example.org"})
    drain()
    (invitation,) = smtp_server.messages
    assert invitation["To"] == "new@example.org"
    assert invitation["Subject"] == (
        "Your invitation to the Nuclear Security Implementation Portal"
    )
    assert re.search(r"/accounts/invitations/\S+/", text_of(invitation))
    assert invitation["List-Unsubscribe"] is None

    actions.change_password(focal, "a-lighthouse-over-gravel-roads")
    drain()
    changed = smtp_server.messages[-1]
    assert changed["To"] == focal.email
    assert changed["Subject"].startswith("Your password was changed")
    assert changed["List-Unsubscribe"] is None
