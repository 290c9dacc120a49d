"""Vetting reminders: tell an expert 30 days before expiry, and when it has ended."""

from __future__ import annotations

import datetime

from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from exchange.coordination.actions import notify_vetting_expiry
from portal.accounts.models import User, VettingReminder
from portal.audit.actions import record
from portal.mail.kinds import Kind
from portal.mail.messages import Notice
from portal.mail.queue import deliver

REMINDER_DAYS = 30
# A daily job that did not run for a few days still tells of a vetting that ended.
ENDED_LOOKBACK_DAYS = 7


def send_vetting_reminders(today: datetime.date | None = None) -> int:
    """Send one reminder per (expert, expiry date) when the expiry is near.

    Idempotent: the reminder row is written in the same transaction as the mail
    is queued, and a unique constraint refuses a second one for the same date.
    """
    today = today or timezone.localdate()
    horizon = today + datetime.timedelta(days=REMINDER_DAYS)
    due = (
        User.objects.filter(
            is_active=True, vetted_until__gte=today, vetted_until__lte=horizon
        )
        .exclude(vetting_reminders__vetted_until=F("vetted_until"))
        .distinct()
    )
    sent = 0
    for user in due:
        if user.vetted_until is None:
            continue  # The query chose only those with a date; typed as optional.
        try:
            with transaction.atomic():
                VettingReminder.objects.create(
                    user=user, vetted_until=user.vetted_until
                )
                deliver(
                    user,
                    Notice(
                        Kind.VETTING_ENDING,
                        link=reverse("accounts:profile"),
                        until=user.vetted_until,
                    ),
                )
                record(
                    "accounts.vetting_reminder_sent",
                    target=user,
                    details={"vetted_until": user.vetted_until},
                )
                notify_vetting_expiry(user, (user.vetted_until - today).days)
        except IntegrityError:
            continue  # Another run sent it in the meantime.
        sent += 1
    return sent


def send_vetting_ended(today: datetime.date | None = None) -> int:
    """Tell each expert whose vetting ended (in the last week) that it has; once
    per expiry date, whichever run gets there first."""
    today = today or timezone.localdate()
    ended = User.objects.filter(
        is_active=True,
        vetted_until__lt=today,
        vetted_until__gte=today - datetime.timedelta(days=ENDED_LOOKBACK_DAYS),
    )
    told = 0
    for user in ended:
        if user.vetted_until is None:
            continue  # The query chose only those with a date; typed as optional.
        with transaction.atomic():
            if deliver(
                user,
                Notice(
                    Kind.VETTING_ENDED,
                    link=reverse("accounts:profile"),
                    until=user.vetted_until,
                ),
                key=f"vetting-ended:{user.pk}:{user.vetted_until.isoformat()}",
            ):
                told += 1
    return told
