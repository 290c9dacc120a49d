"""The mail queue through a real SMTP server: after commit, both parts, headers,
retries with backoff when the server refuses, hangs or is gone; nothing lost."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.test import Client
from django.utils import timezone

import pytest

from portal.mail import queue
from portal.mail.kinds import Kind
from portal.mail.messages import Notice
from portal.mail.models import QueuedMail
from tests.portal.identity import make_totp, make_user
from tests.smtp import HangingServer, everything_in, free_port, html_of, text_of

pytestmark = pytest.mark.django_db

SHARED = Notice(Kind.SHARED_WITH_YOU, link="/exchange/7/", tier="confidential")


def test_mail_is_queued_with_the_event_and_sent_by_the_worker(smtp_server):
    person = make_user("reader@example.org")
    queue.deliver(person, SHARED)
    assert smtp_server.messages == []  # queued, not sent inside the request
    assert queue.drain() == 1
    (message,) = smtp_server.messages
    assert message["To"] == "reader@example.org"
    assert message["Subject"].startswith("A confidential document was shared with you")
    assert "http://127.0.0.1:8000/exchange/7/" in text_of(message)
    html = html_of(message)
    assert html.lstrip().startswith("<!DOCTYPE html>")
    assert 'href="http://127.0.0.1:8000/exchange/7/"' in html
    assert "#0b3d6b" in html  # the portal's colours
    row = QueuedMail.objects.get()
    assert row.sent_at is not None and row.attempts == 1
    assert row.text == row.html == ""  # a sent mail's bodies are not kept
    assert queue.drain() == 0  # sent once


def test_mail_of_a_rolled_back_write_never_exists(smtp_server):
    person = make_user("reader@example.org")

    class Undo(Exception):
        pass

    with pytest.raises(Undo), transaction.atomic():
        queue.deliver(person, SHARED)
        raise Undo
    assert queue.drain() == 0
    assert smtp_server.messages == []


def test_other_mail_has_a_one_click_unsubscribe_and_security_mail_none(smtp_server):
    person = make_user("reader@example.org")
    queue.deliver(person, SHARED)
    make_totp(person)  # "a second factor was added": security
    queue.drain()
    shared, added = smtp_server.messages
    assert shared["List-Unsubscribe"].startswith(
        "<http://127.0.0.1:8000/mail/unsubscribe/"
    )
    assert shared["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "Stop this kind of mail" in text_of(shared)
    assert added["Subject"].startswith("A second factor was added to your account")
    assert added["List-Unsubscribe"] is None
    assert "unsubscribe" not in everything_in(added).lower()

    link = shared["List-Unsubscribe"].strip("<>").removeprefix("http://127.0.0.1:8000")
    response = Client().post(link, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    queue.deliver(person, SHARED)
    assert queue.drain() == 0  # that kind is off now


def test_a_refusing_server_delays_mail_with_backoff_and_loses_none(
    smtp_server, time_machine
):
    time_machine.move_to(
        datetime.datetime(2026, 5, 4, 9, 0, tzinfo=datetime.UTC), tick=False
    )
    person = make_user("reader@example.org")
    queue.deliver(person, SHARED)
    smtp_server.refuse = "451 4.3.0 Try again later"
    assert queue.drain() == 0
    row = QueuedMail.objects.get()
    assert row.sent_at is None and row.attempts == 1
    assert "451" in row.last_error
    first_wait = row.next_attempt_at - timezone.now()
    assert first_wait == datetime.timedelta(seconds=30)

    assert queue.drain() == 0  # not due yet: not even tried
    assert QueuedMail.objects.get().attempts == 1
    time_machine.shift(first_wait)
    assert queue.drain() == 0
    row.refresh_from_db()
    assert row.attempts == 2
    assert row.next_attempt_at - timezone.now() == datetime.timedelta(seconds=60)

    smtp_server.refuse = ""
    time_machine.shift(datetime.timedelta(seconds=60))
    assert queue.drain() == 1
    assert [m["To"] for m in smtp_server.messages] == ["reader@example.org"]


def test_a_refused_recipient_delays_only_their_own_mail(smtp_server):
    gone = make_user("gone@example.org")
    reader = make_user("reader@example.org")
    queue.deliver(gone, SHARED)
    queue.deliver(reader, SHARED)
    smtp_server.refused["gone@example.org"] = "550 5.1.1 Mailbox unavailable"
    # The server answers, and refuses one mailbox: the round goes on to the next.
    assert queue.drain() == 1
    assert [m["To"] for m in smtp_server.messages] == ["reader@example.org"]
    refused = QueuedMail.objects.get(to_address="gone@example.org")
    assert refused.attempts == 1 and refused.sent_at is None
    assert "SMTPRecipientsRefused" in refused.last_error


def test_the_backoff_doubles_up_to_its_ceiling(settings):
    settings.MAIL_RETRY_SECONDS = 30
    settings.MAIL_RETRY_MAX_SECONDS = 3600
    delays = [queue.retry_delay(n).total_seconds() for n in range(1, 10)]
    assert delays == [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]


def test_a_hanging_server_times_out_and_the_mail_waits(settings):
    person = make_user("reader@example.org")
    queue.deliver(person, SHARED)
    queue.deliver(person, Notice(Kind.MENTION, link="/coordination/rooms/1/"))
    stuck = HangingServer()
    try:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", stuck.port
        settings.EMAIL_USE_TLS = False
        settings.EMAIL_TIMEOUT = 0.2
        assert queue.drain() == 0
    finally:
        stuck.close()
    rows = list(QueuedMail.objects.order_by("pk"))
    # The server is stuck: the round stops at the first mail; the second waits.
    assert [row.attempts for row in rows] == [1, 0]
    assert "timeout" in rows[0].last_error.lower() or "timed out" in rows[0].last_error
    assert all(row.sent_at is None for row in rows)


def test_a_server_that_is_gone_delays_mail(settings, smtp_server, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    person = make_user("reader@example.org")
    queue.deliver(person, SHARED)
    settings.EMAIL_PORT = free_port()  # nothing listens there
    assert queue.drain() == 0
    row = QueuedMail.objects.get()
    assert row.attempts == 1 and row.sent_at is None
    assert "Connection refused" in row.last_error or "Errno" in row.last_error
    settings.EMAIL_PORT = smtp_server.port
    time_machine.shift(datetime.timedelta(minutes=1))
    assert queue.drain() == 1
    assert len(smtp_server.messages) == 1


def test_the_worker_command_sends_the_queue(smtp_server):
    from io import StringIO

    from django.core.management import call_command

    person = make_user("reader@example.org")
    queue.deliver(person, SHARED)
    out = StringIO()
    call_command("send_queued_mail", stdout=out)
    assert out.getvalue().strip() == "sent 1 mail(s); 0 waiting"
    assert len(smtp_server.messages) == 1


def test_a_reset_for_an_unknown_address_is_dropped_unsent(smtp_server):
    Client().post("/accounts/password-reset/", {"email": "nobody@example.org"})
    row = QueuedMail.objects.get()
    assert row.to_address == ""
    assert queue.drain() == 0
    row.refresh_from_db()
    assert row.sent_at is not None and row.text == ""
    assert smtp_server.messages == []


def test_the_demo_sends_right_after_the_commit(
    settings, smtp_server, django_capture_on_commit_callbacks
):
    settings.MAIL_SEND_ON_COMMIT = True
    person = make_user("reader@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        queue.deliver(person, SHARED)
    assert [m["To"] for m in smtp_server.messages] == ["reader@example.org"]
