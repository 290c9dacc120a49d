"""Each person's choice per kind: immediately, in the daily digest, or never;
security mail about one's own account always; the one-click unsubscribe link."""

from __future__ import annotations

from io import StringIO

from django.core.management import call_command
from django.test import Client

import pytest

from portal.audit.models import AuditEvent
from portal.mail import actions, queue
from portal.mail.kinds import CHOOSABLE_KINDS, SECURITY_KINDS, Delivery, Kind
from portal.mail.messages import Notice
from portal.mail.models import DigestEntry, MailPreference
from tests.portal.identity import make_user
from tests.smtp import text_of
from tests.support import login_verified

pytestmark = pytest.mark.django_db

SHARED = Notice(Kind.SHARED_WITH_STATE, link="/exchange/3/", tier="restricted")
MENTION = Notice(
    Kind.MENTION, link="/coordination/rooms/2/#message-9", tier="restricted"
)


def test_the_account_page_offers_every_choosable_kind_and_saves_the_choice():
    person = make_user("reader@example.org")
    client = login_verified(Client(), person)
    page = client.get("/account/").content.decode()
    assert 'id="mail"' in page
    for kind in CHOOSABLE_KINDS:
        assert f'name="{kind}"' in page
    for kind in SECURITY_KINDS:
        assert f'name="{kind}"' not in page
    assert "cannot be turned off" in page
    choices = dict.fromkeys(CHOOSABLE_KINDS, Delivery.IMMEDIATELY)
    choices[Kind.MENTION] = Delivery.DIGEST
    choices[Kind.SHARED_WITH_STATE] = Delivery.NEVER
    response = client.post("/account/mail/", choices)
    assert response.status_code == 302
    assert actions.preferences_of(person)[Kind.MENTION] == Delivery.DIGEST
    event = AuditEvent.objects.get(action="mail.preferences_changed")
    assert event.details == {
        "changed": {"mention": "digest", "shared_with_state": "never"}
    }


def test_a_bad_choice_is_refused_with_a_message_and_nothing_changes():
    person = make_user("reader@example.org")
    client = login_verified(Client(), person)
    choices = dict.fromkeys(CHOOSABLE_KINDS, Delivery.DIGEST)
    choices[Kind.MENTION] = "sometimes"
    response = client.post("/account/mail/", choices)
    assert response.status_code == 400
    assert "Choose one of the three." in response.content.decode()
    assert not MailPreference.objects.exists()


def test_security_mail_cannot_be_turned_off():
    person = make_user("reader@example.org")
    with pytest.raises(ValueError, match="cannot be turned off"):
        actions.set_preferences(person, {Kind.PASSWORD_CHANGED: Delivery.NEVER})
    # Even a row written past the action changes nothing for a security kind.
    MailPreference.objects.create(
        user=person, kind=Kind.FACTOR_RESET, delivery=Delivery.NEVER
    )
    assert queue.delivery_for(person, Kind.FACTOR_RESET) == Delivery.IMMEDIATELY
    assert queue.deliver(person, Notice(Kind.FACTOR_RESET, stage="done"))


def test_never_sends_nothing_and_the_digest_gathers_a_day(smtp_server):
    person = make_user("reader@example.org")
    actions.set_preferences(
        person, {Kind.SHARED_WITH_STATE: Delivery.NEVER, Kind.MENTION: "digest"}
    )
    assert queue.deliver(person, SHARED) is None
    queue.deliver(person, MENTION)
    queue.deliver(person, MENTION)
    assert queue.drain() == 0
    assert DigestEntry.objects.filter(digest__isnull=True).count() == 2

    out = StringIO()
    call_command("send_mail_digests", stdout=out)
    assert out.getvalue().strip() == "queued 1 digest(s)"
    call_command("send_mail_digests", stdout=StringIO())  # nothing new: no mail
    assert queue.drain() == 1
    (digest,) = smtp_server.messages
    assert digest["Subject"].startswith("Your daily digest: 2 event(s)")
    body = text_of(digest)
    assert body.count("You were mentioned in a restricted coordination room") == 2
    assert "http://127.0.0.1:8000/coordination/rooms/2/#message-9" in body
    assert digest["List-Unsubscribe"]


def test_the_digest_link_stops_every_kind_that_was_to_come_in_it(smtp_server):
    person = make_user("reader@example.org")
    actions.set_preferences(
        person,
        {Kind.MENTION: Delivery.DIGEST, Kind.SHARED_WITH_STATE: Delivery.DIGEST},
    )
    queue.deliver(person, MENTION)
    queue.send_digests()
    queue.drain()
    link = smtp_server.messages[0]["List-Unsubscribe"].strip("<>")
    path = link.removeprefix("http://127.0.0.1:8000")
    page = Client().get(path)
    assert page.status_code == 200
    assert b"Stop this mail" in page.content
    assert Client().post(path).status_code == 200
    chosen = actions.preferences_of(person)
    assert chosen[Kind.MENTION] == chosen[Kind.SHARED_WITH_STATE] == Delivery.NEVER
    assert chosen[Kind.PAGE_APPROVED] == Delivery.IMMEDIATELY


def test_a_tampered_or_security_unsubscribe_link_is_refused():
    person = make_user("reader@example.org")
    token = queue.unsubscribe_token(person, Kind.MENTION)
    assert Client().post(f"/mail/unsubscribe/{token}x/").status_code == 410
    security = queue.unsubscribe_token(person, Kind.PASSWORD_CHANGED)
    response = Client().post(f"/mail/unsubscribe/{security}/")
    assert response.status_code == 410
    assert b"This link cannot be used" in response.content
    assert not MailPreference.objects.exists()
