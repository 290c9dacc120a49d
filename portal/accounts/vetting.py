"""Vetting reminders: tell an expert (and the secretariat) 30 days before expiry."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.formats import date_format

from exchange.coordination.actions import notify_vetting_expiry
from portal.accounts.models import User, VettingReminder
from portal.audit.actions import record

REMINDER_DAYS = 30


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
        try:
            with transaction.atomic():
                VettingReminder.objects.create(
                    user=user, vetted_until=user.vetted_until
                )
                send_mail(
                    "Your vetting for the Nuclear Security Implementation Portal "
                    "expires soon",
                    (
                        f"Your vetting expires after {date_format(user.vetted_until)}. "
                        "On the next day, your access to the exchange ends. Ask the "
                        "secretariat to renew it."
                    ),
                    settings.DEFAULT_FROM_EMAIL,
                    [user.email],
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
