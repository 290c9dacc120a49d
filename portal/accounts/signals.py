"""Signals other parts listen to, e.g. to close a user's WebSockets."""

from django.dispatch import Signal

# Sent after commit when sessions of a user were ended ("sign out everywhere").
# Arguments: user, session_keys (list of the ended session keys).
sessions_ended = Signal()
