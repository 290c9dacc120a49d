"""Access receipts: a document's access history, as its originating State reads it.

Every read of a document is in the audit chain (`exchange.actions.record_view`,
the download records, and refused attempts). The document's owner and the
originating State's focal point read those rows back here, naming the people who
read it: that is the point of a receipt, and nobody else sees it
(`exchange.policy.can_read_access_history`).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from exchange.actions import DOWNLOADED, VIEWED
from exchange.models import Document
from portal.audit import bundles
from portal.audit.models import AuditEvent, Outcome
from portal.states.models import State

if TYPE_CHECKING:
    from portal.accounts.models import User

DOCUMENT = "exchange.document"

VIEWED_KIND = "viewed"
DOWNLOADED_KIND = "downloaded"
REFUSED_KIND = "refused"
KIND_LABELS = {
    VIEWED_KIND: _("Viewed"),
    DOWNLOADED_KIND: _("Downloaded"),
    REFUSED_KIND: _("Refused"),
}
# Rows shown on the page; the CSV holds them all.
PAGE_ROWS = 100


def access_events(document: Document) -> QuerySet[AuditEvent]:
    """Every recorded access to `document`, newest first."""
    return AuditEvent.objects.filter(
        target_type=DOCUMENT,
        target_id=str(document.pk),
        action__in=(VIEWED, DOWNLOADED),
    ).order_by("-sequence")


class AccessFilterForm(forms.Form):
    """The history's filter: what kind of access, by people of which State, and
    one download by the id marked on its file."""

    kind = forms.ChoiceField(
        required=False,
        label=_("Access"),
        choices=[("", _("Any")), *KIND_LABELS.items()],
    )
    state = forms.ModelChoiceField(
        required=False,
        label=_("State"),
        queryset=State.objects.order_by("name"),
        to_field_name="iso_code",
        empty_label=_("Any"),
    )
    download = forms.RegexField(
        required=False,
        label=_("Download id"),
        regex=r"^[0-9a-fA-F]{32}$",
        max_length=32,
        strip=True,
        error_messages={
            "invalid": _("A download id is the 32 letters and digits on the file.")
        },
    )

    def filter(self, events: QuerySet[AuditEvent]) -> QuerySet[AuditEvent]:
        if not self.is_valid():
            return events
        kind = self.cleaned_data["kind"]
        if kind == REFUSED_KIND:
            events = events.filter(outcome=Outcome.DENIED)
        elif kind:
            action = VIEWED if kind == VIEWED_KIND else DOWNLOADED
            events = events.filter(action=action, outcome=Outcome.SUCCESS)
        download = self.cleaned_data["download"]
        if download:
            events = events.filter(details__download_id=download.lower())
        state = self.cleaned_data["state"]
        if state is not None:
            # By the reader's State today: the trail records the person, not it.
            people = get_user_model().objects.filter(state=state).values("pk")
            events = events.filter(Q(actor_id__in=people))
        return events


@dataclass(frozen=True)
class Access:
    """One line of the history."""

    sequence: int
    occurred_at: datetime.datetime
    kind: str
    name: str
    state: str
    version: int | None
    sha256: str
    download_id: str
    channel: str

    @property
    def kind_label(self) -> str:
        return str(KIND_LABELS[self.kind])


def _kind(event: AuditEvent) -> str:
    if event.outcome != Outcome.SUCCESS:
        return REFUSED_KIND
    return VIEWED_KIND if event.action == VIEWED else DOWNLOADED_KIND


def accesses(events: Iterable[AuditEvent]) -> Iterator[Access]:
    """The history's lines for `events`, naming each reader and their State."""
    events = list(events)
    ids = {e.actor_id for e in events if e.actor_id is not None}
    people: dict[int | None, User] = {
        u.pk: u
        for u in get_user_model().objects.filter(pk__in=ids).select_related("state")
    }
    for event in events:
        person = people.get(event.actor_id)
        details = event.details if isinstance(event.details, dict) else {}
        version = details.get("version")
        yield Access(
            sequence=event.sequence,
            occurred_at=event.occurred_at,
            kind=_kind(event),
            name=person.display_name if person is not None else _former(event),
            state=person.state.name if person is not None and person.state else "",
            version=version if isinstance(version, int) else None,
            sha256=str(details.get("sha256") or ""),
            download_id=str(details.get("download_id") or ""),
            channel=str(details.get("channel") or ""),
        )


def _former(event: AuditEvent) -> str:
    """A reader whose account is gone: by reference, never by recorded address."""
    if event.actor_id is None:
        return str(_("Nobody signed in"))
    return str(_("Person #%(id)s")) % {"id": event.actor_id}


CSV_FIELDS = (
    "sequence",
    "occurred_at",
    "kind",
    "name",
    "state",
    "version",
    "sha256",
    "download_id",
    "channel",
)


def csv_row(access: Access) -> list:
    values = {
        "sequence": access.sequence,
        "occurred_at": access.occurred_at.isoformat(),
        "kind": access.kind,
        "name": access.name,
        "state": access.state,
        "version": access.version,
        "sha256": access.sha256,
        "download_id": access.download_id,
        "channel": access.channel,
    }
    return [_csv_safe(values[name]) for name in CSV_FIELDS]


def _csv_safe(value):
    """Neutralise spreadsheet formulas (CSV injection) in free-text fields."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return "" if value is None else value


# --- The receipt bundle: the rows themselves, checkable without the portal.


def document_events(document: Document) -> QuerySet[AuditEvent]:
    """Every audit row about `document`, in chain order."""
    return AuditEvent.objects.filter(
        target_type=DOCUMENT, target_id=str(document.pk)
    ).order_by("sequence")


def receipt_bundle(document: Document, *, generated_at, actor=None) -> dict:
    """The audit rows about `document` exactly as they were hashed, with the
    hashes that link each into the chain under a signed checkpoint
    (`portal.audit.bundles`; checked offline by `portal/audit/verify_receipt.py`).

    A row's hash covers all of its fields, so the rows carry them all: readers'
    addresses and user agents included. Only the originating side receives it.
    """
    scope = {"document": {"id": document.pk, "tier": document.tier}}
    return bundles.signed_bundle(
        scope, document_events(document), generated_at=generated_at, actor=actor
    )


class StatePeriodForm(forms.Form):
    """The period of a State's receipt bundle: whole days, both included."""

    since = forms.DateField(label=_("From"), help_text=_("For example 2026-11-01."))
    until = forms.DateField(label=_("To"), help_text=_("For example 2026-11-30."))

    # A bundle of more than this is asked for in parts.
    MAX_DAYS = 366

    def clean(self):
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until:
            if since > until:
                raise forms.ValidationError(
                    _(
                        "The period ends before it starts: %(since)s is after "
                        "%(until)s."
                    ),
                    params={"since": since.isoformat(), "until": until.isoformat()},
                )
            if until > timezone.localdate():
                self.add_error("until", _("The period cannot end in the future."))
            if (until - since).days >= self.MAX_DAYS:
                self.add_error(
                    "until",
                    _("A bundle covers at most %(days)s days: ask for it in parts.")
                    % {"days": self.MAX_DAYS},
                )
        return data


def state_receipt_bundle(
    documents: QuerySet[Document], state: State, since, until, *, generated_at, actor
) -> dict:
    """The audit rows about every document in `documents` (those of `state` that
    its focal point manages) recorded from `since` to `until`, signed as above."""
    tz = timezone.get_current_timezone()
    start = datetime.datetime.combine(since, datetime.time.min, tz)
    end = datetime.datetime.combine(until, datetime.time.max, tz)
    listed = list(documents.order_by("pk").values("pk", "tier"))
    events = AuditEvent.objects.filter(
        target_type=DOCUMENT,
        target_id__in=[str(d["pk"]) for d in listed],
        occurred_at__gte=start,
        occurred_at__lte=end,
    )
    scope = {
        "state": state.iso_code,
        "since": since.isoformat(),
        "until": until.isoformat(),
        "documents": [{"id": d["pk"], "tier": d["tier"]} for d in listed],
    }
    return bundles.signed_bundle(scope, events, generated_at=generated_at, actor=actor)
