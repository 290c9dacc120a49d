"""The security officer's view of the audit trail: browse, filter, export, verify.

Every row is read through `AuditReader`: references, and content only where the
exchange policy lets this reader see it.
"""

from __future__ import annotations

import csv
import datetime
import json
from collections.abc import Iterator
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from portal.accounts.decorators import role_required
from portal.accounts.roles import Role
from portal.audit import signing
from portal.audit.actions import (
    CheckpointRefused,
    address_hash,
    record,
    sign_checkpoint,
)
from portal.audit.forms import AuditFilterForm
from portal.audit.models import AuditEvent, Checkpoint
from portal.audit.presentation import AuditReader
from portal.audit.verify import verify_chain

EXPORT_FIELDS = [
    "sequence",
    "occurred_at",
    "actor_id",
    "actor_label",
    "action",
    "target_type",
    "target_id",
    "reference",
    "title",
    "outcome",
    "ip_address",
    "user_agent",
    "details",
    "details_redacted",
    "previous_hash",
    "row_hash",
]
EXPORT_CHUNK = 1000


# Verified session and the security officer role; anyone else gets 404.
security_officer_required = role_required(Role.SECURITY_OFFICER)

# Rows per page of the trail: long details fold, so a page stays a few screens tall.
PAGE_SIZE = 25


def filtered_events(form: AuditFilterForm) -> QuerySet[AuditEvent]:
    events = AuditEvent.objects.order_by("-sequence")
    if not form.is_valid():
        return events.none()
    data = form.cleaned_data
    if data["action"]:
        events = events.filter(action__startswith=data["action"].strip())
    if data["actor"]:
        events = events.filter(_actor_matches(data["actor"]))
    if data["outcome"]:
        events = events.filter(outcome=data["outcome"])
    if data["target_type"]:
        events = events.filter(target_type=data["target_type"].strip())
    if data["target_id"]:
        events = events.filter(target_id=data["target_id"].strip())
    tz = timezone.get_current_timezone()
    if data["since"]:
        start = datetime.datetime.combine(data["since"], datetime.time.min, tz)
        events = events.filter(occurred_at__gte=start)
    if data["until"]:
        end = datetime.datetime.combine(data["until"], datetime.time.max, tz)
        events = events.filter(occurred_at__lte=end)
    return events


def _actor_matches(text: str) -> Q:
    """Events by an actor whose address (as recorded) or current name holds `text`."""
    from django.contrib.auth import get_user_model

    text = text.strip()
    named = Q()
    for word in text.split()[:5]:
        named &= Q(first_name__icontains=word) | Q(last_name__icontains=word)
    people = get_user_model().objects.filter(named).values("pk")
    return Q(actor_label__icontains=text) | Q(actor_id__in=people)


@security_officer_required
def event_list(request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET)
    page = Paginator(filtered_events(form), PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "audit/event_list.html",
        {
            "form": form,
            "page": page,
            "rows": AuditReader(request).rows(page),
            "query": query.urlencode(),
        },
    )


def _rows(
    request: HttpRequest, events: QuerySet[AuditEvent]
) -> Iterator[dict[str, Any]]:
    """The events as this reader may read them, a chunk at a time."""
    reader = AuditReader(request)
    chunk: list[AuditEvent] = []
    for event in events.iterator(chunk_size=EXPORT_CHUNK):
        chunk.append(event)
        if len(chunk) == EXPORT_CHUNK:
            yield from (row.as_dict() for row in reader.rows(chunk))
            chunk = []
    yield from (row.as_dict() for row in reader.rows(chunk))


class _Echo:
    def write(self, value: str) -> str:
        return value


@security_officer_required
def export(request: HttpRequest, fmt: str) -> StreamingHttpResponse:
    """The filtered trail, oldest first, streamed (it may be long)."""
    form = AuditFilterForm(request.GET)
    events = filtered_events(form).order_by("sequence")
    filters = request.GET.dict()
    if filters.get("actor"):
        # The filter may be someone's address: the trail keeps its hash.
        filters["actor"] = address_hash(filters["actor"])
    record(
        "audit.exported",
        request=request,
        details={"format": fmt, "filters": filters},
    )
    stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
    rows = _rows(request, events)
    if fmt == "csv":
        writer = csv.writer(_Echo())

        def lines() -> Iterator[str]:
            yield writer.writerow(EXPORT_FIELDS)
            for row in rows:
                row["details"] = json.dumps(
                    row["details"], sort_keys=True, cls=DjangoJSONEncoder
                )
                yield writer.writerow([_csv_safe(row[name]) for name in EXPORT_FIELDS])

        response = StreamingHttpResponse(lines(), content_type="text/csv")
        filename = f"audit-{stamp}.csv"
    else:

        def lines() -> Iterator[str]:
            for row in rows:
                yield json.dumps(row, sort_keys=True, cls=DjangoJSONEncoder) + "\n"

        response = StreamingHttpResponse(lines(), content_type="application/jsonl")
        filename = f"audit-{stamp}.jsonl"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _csv_safe(value: object) -> object:
    """Neutralise spreadsheet formulas (CSV injection) in free-text fields."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return "" if value is None else value


@security_officer_required
def verify(request: HttpRequest) -> HttpResponse:
    report = verify_chain()
    record(
        "audit.verified",
        request=request,
        outcome="success" if report.ok else "failure",
        details={"checked": report.checked, "broken_sequence": report.broken_sequence},
    )
    latest = Checkpoint.objects.order_by("-sequence").first()
    return render(request, "audit/verify.html", {"report": report, "latest": latest})


@require_POST
@security_officer_required
def sign_now(request: HttpRequest) -> HttpResponse:
    """Sign the chain's head now, between the daily timer's checkpoints."""
    try:
        checkpoint = sign_checkpoint(request=request)
    except CheckpointRefused as error:
        messages.error(request, _("No checkpoint was signed: %s.") % error)
    else:
        if checkpoint is None:
            messages.info(request, _("The chain's head is signed already."))
        else:
            messages.success(
                request,
                _("Checkpoint signed at row #%(sequence)s.")
                % {"sequence": checkpoint.sequence},
            )
    return redirect("audit:verify")


@require_GET
@role_required((Role.FOCAL_POINT, Role.SECURITY_OFFICER))
def checkpoints(request: HttpRequest) -> JsonResponse:
    """Every signed checkpoint with the keys that verify them, oldest first: a focal
    point keeps a copy, and a later copy proves the chain only grew."""
    response = JsonResponse(
        {
            "format": "nsip-audit-checkpoints/1",
            "keys": signing.public_keys_document()["keys"],
            "checkpoints": [
                c.as_signed() for c in Checkpoint.objects.order_by("sequence")
            ],
        }
    )
    response["Cache-Control"] = "no-store, private"
    return response


@require_GET
def public_keys(request: HttpRequest) -> JsonResponse:
    """The public keys of the audit checkpoints: the key file of the offline
    checker (`portal/audit/verify_receipt.py --key`)."""
    response = JsonResponse(signing.public_keys_document())
    response["Cache-Control"] = "public, max-age=3600"
    return response
