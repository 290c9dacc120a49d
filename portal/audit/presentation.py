"""The audit trail as a reader sees it: references, and content only where allowed.

Audit details hold ids, tiers, hashes and counts. Rows written before that rule
may still carry titles, file names or addresses; they are hashed into the chain and
cannot be rewritten, so every reading of the trail (the pages, the CSV and the JSON
export) goes through `AuditReader`, which names each target by reference
("document #412 (confidential)") and keeps content keys only for a reader whom the
exchange policy lets see that document, or who is that person.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.serializers.json import DjangoJSONEncoder

from exchange.policy import Viewer, can_view, viewer_for
from portal.audit.models import AuditEvent
from portal.tiers import Tier

if TYPE_CHECKING:
    from django.http import HttpRequest

    from exchange.models import Document

# Keys whose values are content: shown only to a reader who may see the target.
CONTENT_KEYS = frozenset(
    {
        "description",
        "email",
        "emails",
        "file_name",
        "filename",
        "name",
        "names",
        "recipients",
        "subject",
        "title",
        "username",
        "users",
    }
)
HIDDEN = "[hidden]"

DOCUMENT = "exchange.document"
USER = "accounts.user"
NOUNS = {
    DOCUMENT: "document",
    "exchange.documentversion": "document version",
    USER: "person",
    "accounts.invitation": "invitation",
    "coordination.room": "room",
}


@dataclass
class AuditRow:
    """One event as this reader may read it."""

    event: AuditEvent
    reference: str
    details: dict[str, Any]
    # Content left out of `details` for this reader (old rows that carried some).
    redacted: bool
    # The document's title, for a reader the policy lets see the document.
    title: str = ""
    # How the pages name the actor: their display name, never their address.
    actor_name: str = ""

    @property
    def details_json(self) -> str:
        return json.dumps(self.details, sort_keys=True, cls=DjangoJSONEncoder)

    def as_dict(self) -> dict[str, Any]:
        event = self.event
        return {
            "sequence": event.sequence,
            "occurred_at": event.occurred_at.isoformat(),
            "actor_id": event.actor_id,
            "actor_label": event.actor_label,
            "action": event.action,
            "target_type": event.target_type,
            "target_id": event.target_id,
            "reference": self.reference,
            "title": self.title,
            "outcome": event.outcome,
            "ip_address": event.ip_address,
            "user_agent": event.user_agent,
            "details": self.details,
            # A verifier recomputes row_hash only from unredacted details.
            "details_redacted": self.redacted,
            "previous_hash": event.previous_hash,
            "row_hash": event.row_hash,
        }


class AuditReader:
    """Renders events for one reader: the person behind `request`."""

    def __init__(self, request: HttpRequest) -> None:
        self.user = getattr(request, "user", None)
        self.viewer: Viewer = viewer_for(request)

    def rows(self, events: Iterable[AuditEvent]) -> list[AuditRow]:
        events = list(events)
        documents = self._documents(events)
        names = _actor_names(events)
        rows = [self._row(event, documents) for event in events]
        for row in rows:
            actor_id = row.event.actor_id
            row.actor_name = names.get(actor_id, "") if actor_id is not None else ""
        return rows

    def _documents(self, events: list[AuditEvent]) -> dict[str, Any]:
        from exchange.models import Document

        ids = {
            int(e.target_id)
            for e in events
            if e.target_type == DOCUMENT and e.target_id.isdigit()
        }
        if not ids:
            return {}
        found = Document.objects.filter(pk__in=ids).prefetch_related(
            "shared_users", "shared_states", "shared_groups"
        )
        return {str(d.pk): d for d in found}

    def _row(self, event: AuditEvent, documents: dict[str, Any]) -> AuditRow:
        document = (
            documents.get(event.target_id) if event.target_type == DOCUMENT else None
        )
        may_see = self._may_see_content(event, document)
        details = event.details if isinstance(event.details, dict) else {}
        shown = details if may_see else _redact(details)
        tier = document.tier if document is not None else _recorded_tier(details)
        return AuditRow(
            event=event,
            reference=reference(event.target_type, event.target_id, tier),
            details=shown,
            redacted=shown != details,
            title=document.title if (document is not None and may_see) else "",
        )

    def _may_see_content(self, event: AuditEvent, document: Document | None) -> bool:
        if event.target_type == DOCUMENT:
            return document is not None and can_view(self.viewer, document)
        if event.target_type == USER:
            # A person's own address, and only theirs.
            user = self.user
            return bool(
                user is not None
                and user.is_authenticated
                and event.target_id == str(user.pk)
            )
        return False


def _actor_names(events: list[AuditEvent]) -> dict[int, str]:
    from django.contrib.auth import get_user_model

    ids = {e.actor_id for e in events if e.actor_id is not None}
    if not ids:
        return {}
    return {u.pk: u.display_name for u in get_user_model().objects.filter(pk__in=ids)}


def reference(target_type: str, target_id: str, tier: str | None = None) -> str:
    """How the trail names a target: "document #412 (confidential)"."""
    if not target_type:
        return ""
    noun = NOUNS.get(target_type, target_type)
    text = f"{noun} #{target_id}" if target_id else noun
    if tier in Tier.values:
        text += f" ({Tier(tier).label.lower()})"
    return text


def _recorded_tier(details: dict[str, Any]) -> str | None:
    for source in (details, details.get("after")):
        if isinstance(source, dict):
            tier = source.get("tier")
            if isinstance(tier, str):
                return tier
    return None


def _redact(value: Any) -> Any:
    """`value` with every content key's text replaced; ids and counts are kept."""
    if isinstance(value, dict):
        return {
            key: (_hide(item) if key in CONTENT_KEYS else _redact(item))
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_redact(item) for item in value]
    return value


def _hide(value: Any) -> Any:
    if isinstance(value, list):
        return [_hide(item) for item in value]
    if isinstance(value, dict):
        return {key: _hide(item) for key, item in value.items()}
    if isinstance(value, str):
        return HIDDEN
    return value  # numbers (ids, counts), booleans and null say nothing of content
