"""Queue mail in the database with the event, send it from the worker, retry.

`deliver(user, notice)` decides by the person's choice for the kind: a row of
`QueuedMail` now (in the caller's transaction, so mail about a write that rolled
back never exists), a line for tomorrow's digest, or nothing. Security mail about
one's own account is always sent at once. `drain()` (the worker, every second)
sends what is due; a server that refuses, fails or hangs (`EMAIL_TIMEOUT`) leaves
the row with its error and the time of the next attempt, doubling up to
`MAIL_RETRY_MAX_SECONDS`: mail is delayed, never dropped.
"""

from __future__ import annotations

import datetime
import logging
import smtplib
import socket

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from portal.mail import messages
from portal.mail.kinds import Delivery, Kind, is_security
from portal.mail.models import DigestEntry, MailPreference, QueuedMail

logger = logging.getLogger("portal.mail")

UNSUBSCRIBE_SALT = "portal.mail.unsubscribe"

# Failures that say the server is unreachable or stuck: the rest of this round
# waits too. Anything else (a refused recipient or message) concerns one mail.
# Every SMTP answer is an OSError too (SMTPException derives from it), so the
# network's own errors are those that are not SMTP answers (`_server_down`).
_SERVER_DOWN = (
    smtplib.SMTPConnectError,
    smtplib.SMTPServerDisconnected,
    # The session itself fails (greeting, sign-in, TLS): so would every mail.
    smtplib.SMTPHeloError,
    smtplib.SMTPAuthenticationError,
    smtplib.SMTPNotSupportedError,
    socket.timeout,
    ConnectionError,
)


def _server_down(error: OSError) -> bool:
    return isinstance(error, _SERVER_DOWN) or not isinstance(
        error, smtplib.SMTPException
    )


def delivery_for(user, kind: str) -> str:
    if is_security(kind):
        return Delivery.IMMEDIATELY
    chosen = (
        MailPreference.objects.filter(user=user, kind=kind)
        .values_list("delivery", flat=True)
        .first()
    )
    return chosen or Delivery.IMMEDIATELY


def deliver(
    user, notice: messages.Notice, *, key: str | None = None
) -> QueuedMail | DigestEntry | None:
    """Tell `user` of `notice` as they chose for its kind; with `key`, once (None
    when told before, or when they chose never)."""
    security = is_security(notice.kind)
    if not user.email or not (user.is_active or security):
        return None
    how = delivery_for(user, notice.kind)
    if how == Delivery.NEVER:
        return None
    if how == Delivery.DIGEST:
        entry = DigestEntry(
            user=user,
            kind=notice.kind,
            line=messages.headline(notice)[:500],
            link=notice.link[:500],
            key=key,
        )
        return _save_once(entry)
    return enqueue(
        messages.compose(notice),
        kind=notice.kind,
        to=user.email,
        recipient=user,
        key=key,
    )


def _save_once(row):
    if isinstance(row, QueuedMail) and settings.MAIL_SEND_ON_COMMIT:
        transaction.on_commit(_drain_quietly)
    if row.key is None:
        row.save()
        return row
    if (
        QueuedMail.objects.filter(key=row.key).exists()
        or DigestEntry.objects.filter(key=row.key).exists()
    ):
        return None
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:
        return None
    return row


def enqueue(
    composed: messages.Composed,
    *,
    kind: str,
    to: str,
    recipient=None,
    key: str | None = None,
) -> QueuedMail | None:
    """Write the mail to the queue; with `key`, only once (returns None if queued
    before)."""
    headers = {"Auto-Submitted": "auto-generated"}
    unsubscribe = ""
    if recipient is not None and not is_security(kind):
        unsubscribe = unsubscribe_url(recipient, kind)
        headers["List-Unsubscribe"] = f"<{unsubscribe}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    text, html = messages.render(composed, unsubscribe_url=unsubscribe)
    row = QueuedMail(
        kind=kind,
        recipient=recipient,
        to_address=to,
        subject=composed.subject[:255],
        text=text,
        html=html,
        headers=headers,
        key=key,
    )
    return _save_once(row)


# --- Unsubscribing -------------------------------------------------------------------


def unsubscribe_token(user, kind: str) -> str:
    return signing.dumps({"u": user.pk, "k": kind}, salt=UNSUBSCRIBE_SALT)


def unsubscribe_url(user, kind: str) -> str:
    path = reverse("mail:unsubscribe", args=[unsubscribe_token(user, kind)])
    return messages.absolute(path)


def read_unsubscribe_token(token: str) -> tuple[int, str] | None:
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    kind = data.get("k") if isinstance(data, dict) else None
    if kind not in Kind.values or is_security(kind):
        return None
    return int(data["u"]), kind


# --- Sending -----------------------------------------------------------------------


def retry_delay(attempts: int) -> datetime.timedelta:
    base = settings.MAIL_RETRY_SECONDS
    seconds = min(base * 2 ** max(attempts - 1, 0), settings.MAIL_RETRY_MAX_SECONDS)
    return datetime.timedelta(seconds=seconds)


def _message(row: QueuedMail, connection) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        row.subject,
        row.text,
        settings.DEFAULT_FROM_EMAIL,
        [row.to_address],
        headers=row.headers,
        connection=connection,
    )
    message.attach_alternative(row.html, "text/html")
    return message


def _due():
    return QueuedMail.objects.filter(
        sent_at__isnull=True, next_attempt_at__lte=timezone.now()
    ).order_by("next_attempt_at", "pk")


def drain(*, limit: int = 100) -> int:
    """Send the mail that is due; returns how many went out.

    Each row is locked while it is sent (`skip_locked`: several workers share the
    queue); a sent row keeps its metadata and loses its bodies (a reset link in a
    table is a reset link). One connection serves the round.
    """
    connection = get_connection(fail_silently=False)
    sent = 0
    try:
        for _ in range(limit):
            with transaction.atomic():
                row = _due().select_for_update(skip_locked=True).first()
                if row is None:
                    break
                if not row.to_address:
                    _done(row)
                    continue
                try:
                    _message(row, connection).send()
                except (smtplib.SMTPException, OSError) as error:
                    _failed(row, error)
                    if _server_down(error):
                        break
                    continue
                row.attempts += 1
                _done(row)
                sent += 1
    finally:
        try:
            connection.close()
        except (smtplib.SMTPException, OSError):
            logger.debug("closing the mail connection failed", exc_info=True)
    return sent


def _drain_quietly() -> None:
    """Best effort: whatever is not sent now, the next drain sends."""
    try:
        drain(limit=20)
    except Exception:  # never fail the request that queued the mail
        logger.exception("sending queued mail after commit failed")


def _done(row: QueuedMail) -> None:
    row.sent_at = timezone.now()
    row.text = row.html = ""
    row.last_error = ""
    row.save(update_fields=["sent_at", "attempts", "text", "html", "last_error"])


def _failed(row: QueuedMail, error: Exception) -> None:
    row.attempts += 1
    row.next_attempt_at = timezone.now() + retry_delay(row.attempts)
    row.last_error = f"{type(error).__name__}: {error}"[:500]
    row.save(update_fields=["attempts", "next_attempt_at", "last_error"])
    logger.warning(
        "mail %s not sent (attempt %s, next at %s): %s",
        row.pk,
        row.attempts,
        row.next_attempt_at.isoformat(),
        row.last_error,
    )


def pending_count() -> int:
    return QueuedMail.objects.filter(sent_at__isnull=True).count()


# --- The daily digest --------------------------------------------------------------


def send_digests() -> int:
    """Queue one digest per person with waiting lines; returns how many.

    The lines and the digest are written in one transaction per person, so a run
    that stops half-way leaves every line either in a digest or still waiting.
    """
    users = (
        DigestEntry.objects.filter(digest__isnull=True)
        .values_list("user_id", flat=True)
        .distinct()
    )
    from django.contrib.auth import get_user_model

    queued = 0
    for user in get_user_model().objects.filter(pk__in=list(users)):
        with transaction.atomic():
            entries = list(
                DigestEntry.objects.select_for_update(skip_locked=True).filter(
                    user=user, digest__isnull=True
                )
            )
            if not entries:
                continue
            if not user.is_active or not user.email:
                DigestEntry.objects.filter(pk__in=[e.pk for e in entries]).delete()
                continue
            row = enqueue(
                messages.compose_digest(entries),
                kind=Kind.DIGEST,
                to=user.email,
                recipient=user,
            )
            DigestEntry.objects.filter(pk__in=[e.pk for e in entries]).update(
                digest=row
            )
            queued += 1
    return queued
