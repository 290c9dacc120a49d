"""Sessions: signing a person out everywhere."""

from __future__ import annotations

from django.contrib.sessions.models import Session
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from portal.accounts.models import User
from portal.accounts.signals import sessions_ended
from portal.audit.actions import record


def sign_out_everywhere(
    user: User,
    *,
    request: HttpRequest | None = None,
    keep: str = "",
    by: User | None = None,
) -> list[str]:
    """End every session of `user` but the one keyed `keep` (none by default, so
    this one included); returns the ended keys.

    Sessions live in the database backend; the scan decodes only unexpired rows.
    `sessions_ended` fires after commit so live connections can be closed.
    """
    ended: list[str] = []
    with transaction.atomic():
        for session in Session.objects.filter(expire_date__gt=timezone.now()):
            data = session.get_decoded()
            if (
                str(data.get("_auth_user_id")) == str(user.pk)
                and session.session_key != keep
            ):
                ended.append(session.session_key)
        Session.objects.filter(session_key__in=ended).delete()
        record(
            "auth.sessions_ended",
            actor=by or user,
            target=user,
            request=request,
            details={"count": len(ended)},
        )
        transaction.on_commit(
            lambda: sessions_ended.send(
                sender=User, user=user, session_keys=list(ended)
            )
        )
    return ended
