"""Django's database sessions, read with a statement compiled once.

Every signed-in request reads its session first; building and compiling
`Session.objects.get(...)` for it cost the ORM about as much as the database took to
answer. The statement is the same for every session (the key is a parameter, the
clock the database's), so it is compiled once (`portal.core.sql`). Writing,
deleting and expiring sessions are Django's own.
"""

from __future__ import annotations

import datetime

from django.contrib.sessions.backends import db
from django.contrib.sessions.models import Session
from django.db.models import QuerySet
from django.db.models.functions import Now

from portal.core import sql


def _live_sessions() -> QuerySet[Session, tuple[str, str, datetime.datetime]]:
    return Session.objects.filter(expire_date__gt=Now()).values_list(
        "session_key", "session_data", "expire_date"
    )


class SessionStore(db.SessionStore):
    def _get_session_from_db(self) -> Session | None:
        key = self.session_key
        found = (
            sql.rows(_live_sessions, (), where_in=("session_key", [key])) if key else []
        )
        if not found:
            self._session_key = None
            return None
        session_key, session_data, expire_date = found[0]
        return Session(
            session_key=session_key, session_data=session_data, expire_date=expire_date
        )
