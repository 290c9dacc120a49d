"""Exchange pages, downloads and the read-only JSON API: thin, policy first.

Every document is fetched through `exchange.policy` (`visible_documents`,
`get_visible_document_or_404`), so what a person may not see answers 404 on every
channel and never appears in a list or a count. Writes go through `exchange.actions`.
"""

from __future__ import annotations

import csv
import datetime
import json
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.http import (
    Http404,
    HttpResponse,
    JsonResponse,
    StreamingHttpResponse,
)
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from exchange import actions, policy, receipts
from exchange.downloads import serve_version
from exchange.forms import DocumentForm, ListFilterForm, SharingForm, VersionForm
from exchange.models import Document, DocumentVersion
from exchange.uploads import UploadRejected
from portal.accounts.decorators import (
    SignedInRequest,
    role_required,
    verified_session_required,
)
from portal.accounts.roles import Role
from portal.accounts.stepup import step_up_required
from portal.api.views import not_found_json
from portal.audit.actions import CheckpointRefused, record
from portal.audit.models import AuditEvent
from portal.tiers import Tier, highest

PAGE_SIZE = 20


def _with_sharing(queryset: QuerySet[Document]) -> QuerySet[Document]:
    return queryset.select_related("originating_state", "owner").prefetch_related(
        "shared_states",
        "shared_groups",
        "shared_users",
        Prefetch("versions", queryset=DocumentVersion.objects.order_by("-number")),
    )


def _not_found(
    request: SignedInRequest,
    pk,
    *,
    channel: str,
    action: str = actions.VIEWED,
    version: int | None = None,
) -> Http404:
    """The 404 for a document the person may not see, the attempt audited when the
    id names one: the same answer as for a missing id, whichever it was."""
    actions.record_refused_access(
        pk,
        action=action,
        by=request.user,
        request=request,
        channel=channel,
        version=version,
    )
    return Http404("No such document.")


def _visible_or_404(
    request: SignedInRequest, pk, *, channel: str
) -> tuple[policy.Viewer, Document]:
    """The document with its sharing and versions, through the policy, or 404."""
    viewer = policy.viewer_for(request)
    document = _with_sharing(policy.visible_documents(viewer).filter(pk=pk)).first()
    if document is None:
        raise _not_found(request, pk, channel=channel)
    return viewer, document


def _managed_or_404(request: SignedInRequest, pk, *, channel: str) -> Document:
    viewer, document = _visible_or_404(request, pk, channel=channel)
    if not policy.can_manage(viewer, document):
        raise Http404("No such document.")
    return document


def _filtered(request: SignedInRequest, viewer: policy.Viewer):
    form = ListFilterForm(
        request.GET or None,
        tiers=policy.exchange_tiers_visible_to(viewer),
        group_ids=viewer.group_ids,
    )
    documents = policy.visible_documents(viewer)
    sort = "-last_shared_at"
    if form.is_valid():
        data = form.cleaned_data
        if data["q"]:
            documents = documents.filter(title__icontains=data["q"])
        if data["tier"]:
            documents = documents.filter(tier=data["tier"])
        if data["state"]:
            documents = documents.filter(originating_state=data["state"])
        if data["group"]:
            documents = documents.filter(
                pk__in=Document.shared_groups.through.objects.filter(
                    partnergroup_id=data["group"].pk
                ).values("document_id")
            )
        if data["shared_after"]:
            documents = documents.filter(last_shared_at__date__gte=data["shared_after"])
        if data["shared_before"]:
            documents = documents.filter(
                last_shared_at__date__lte=data["shared_before"]
            )
        sort = data["sort"] or sort
    return form, documents.order_by(sort, "-pk")


@require_GET
@verified_session_required
def document_list(request: SignedInRequest) -> HttpResponse:
    viewer = policy.viewer_for(request)
    form, documents = _filtered(request, viewer)
    page = Paginator(documents.select_related("originating_state"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "exchange/document_list.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "viewer": viewer,
            "is_expert": viewer.verified_expert,
            "classification": highest(d.tier for d in page.object_list),
        },
    )


@require_GET
@verified_session_required
def recent_documents(request: SignedInRequest) -> HttpResponse:
    viewer = policy.viewer_for(request)
    since = timezone.now() - datetime.timedelta(days=settings.EXCHANGE_RECENT_DAYS)
    documents = list(
        policy.visible_documents(viewer)
        .filter(last_shared_at__gte=since)
        .exclude(owner_id=viewer.user_id)
        .select_related("originating_state")
        .order_by("-last_shared_at", "-pk")[:50]
    )
    return render(
        request,
        "exchange/recent_documents.html",
        {
            "documents": documents,
            "days": settings.EXCHANGE_RECENT_DAYS,
            "classification": highest(d.tier for d in documents),
        },
    )


@require_GET
@verified_session_required
def document_detail(request: SignedInRequest, pk: int) -> HttpResponse:
    viewer, document = _visible_or_404(request, pk, channel="page")
    actions.record_view(document, by=request.user, request=request)
    context = {
        "document": document,
        "versions": document.versions.all(),
        "can_manage": policy.can_manage(viewer, document),
        "full_sharing": policy.may_see_distribution(viewer, document),
        "reach": policy.reach_of(viewer, document),
        "classification": document.tier,
    }
    if policy.can_prepare_release(viewer, document):
        context["can_prepare_release"] = True
        context["releases"] = document.public_releases.select_related("page")
    if policy.can_read_access_history(viewer, document):
        form = receipts.AccessFilterForm(request.GET)
        events = form.filter(receipts.access_events(document))
        context["access_form"] = form
        context["access_query"] = request.GET.urlencode()
        accesses = list(receipts.accesses(events[: receipts.PAGE_ROWS + 1]))
        context["accesses_more"] = len(accesses) > receipts.PAGE_ROWS
        context["accesses"] = accesses[: receipts.PAGE_ROWS]
    return render(request, "exchange/document_detail.html", context)


def _originators_document(request: SignedInRequest, pk, *, channel: str) -> Document:
    """The document whose access history the person may read (its owner, its State's
    focal point); anyone else gets the same 404 as for a missing id."""
    viewer, document = _visible_or_404(request, pk, channel=channel)
    if not policy.can_read_access_history(viewer, document):
        raise Http404("No such document.")
    return document


def _record_export(action: str, document: Document, request: SignedInRequest) -> None:
    record(action, target=document, request=request, details={"tier": document.tier})


class _Echo:
    def write(self, value: str) -> str:
        return value


@require_GET
@verified_session_required
def access_history_csv(request: SignedInRequest, pk: int) -> HttpResponseBase:
    """The document's access history as CSV, filtered as on its page, oldest first."""
    document = _originators_document(request, pk, channel="access_history")
    form = receipts.AccessFilterForm(request.GET)
    if not form.is_valid():
        return HttpResponse(
            "The filter is not valid: "
            + "; ".join(
                f"{k}: {' '.join(str(e) for e in v)}" for k, v in form.errors.items()
            ),
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    with transaction.atomic():
        _record_export("exchange.document.access_history_exported", document, request)
    events = form.filter(receipts.access_events(document)).order_by("sequence")
    writer = csv.writer(_Echo())

    def lines():
        yield writer.writerow(receipts.CSV_FIELDS)
        for start in range(0, events.count(), 500):
            chunk = receipts.accesses(events[start : start + 500])
            yield from (writer.writerow(receipts.csv_row(a)) for a in chunk)

    response = StreamingHttpResponse(lines(), content_type="text/csv")
    response["Content-Disposition"] = (
        f'attachment; filename="document-{document.pk}-access-history.csv"'
    )
    response["Cache-Control"] = "no-store, private"
    return response


@require_GET
@verified_session_required
def access_receipt(request: SignedInRequest, pk: int) -> HttpResponse:
    """The receipt bundle of one document: its audit rows as hashed, in JSON."""
    document = _originators_document(request, pk, channel="access_receipt")
    now = timezone.now()
    try:
        with transaction.atomic():
            _record_export("exchange.document.receipt_exported", document, request)
            bundle = receipts.receipt_bundle(
                document, generated_at=now, actor=request.user
            )
    except CheckpointRefused:
        return _unsigned()
    return _bundle_response(bundle, f"document-{document.pk}-receipt", now)


def _unsigned() -> HttpResponse:
    """The chain since the last checkpoint does not add up: nothing is signed."""
    return HttpResponse(
        _(
            "No receipt can be signed: the audit chain does not verify since its "
            "last checkpoint. Please tell the security officer."
        ),
        status=503,
        content_type="text/plain; charset=utf-8",
    )


def _bundle_response(bundle: dict, name: str, now) -> HttpResponse:
    response = HttpResponse(
        json.dumps(bundle, indent=2, sort_keys=True, cls=DjangoJSONEncoder),
        content_type="application/json",
    )
    stamp = now.strftime("%Y%m%dT%H%M%SZ")
    response["Content-Disposition"] = f'attachment; filename="{name}-{stamp}.json"'
    response["Cache-Control"] = "no-store, private"
    return response


@require_GET
@role_required(Role.FOCAL_POINT)
def state_receipts(request: SignedInRequest) -> HttpResponse:
    """The focal point's receipts page: the bundle of every document of their State
    that they manage, over a period; the form until the period is valid."""
    viewer = policy.viewer_for(request)
    state = request.user.state
    form = receipts.StatePeriodForm(request.GET or None)
    if state is None or viewer.focal_point_state_id is None:
        raise Http404("No such page.")
    documents = policy.visible_documents(viewer).filter(
        originating_state_id=viewer.focal_point_state_id
    )
    if not form.is_valid():
        return render(
            request,
            "exchange/state_receipts.html",
            {"form": form, "state": state, "count": documents.count()},
            status=400 if form.is_bound else 200,
        )
    since, until = form.cleaned_data["since"], form.cleaned_data["until"]
    now = timezone.now()
    try:
        with transaction.atomic():
            record(
                "exchange.state.receipt_exported",
                target=state,
                request=request,
                details={"since": since.isoformat(), "until": until.isoformat()},
            )
            bundle = receipts.state_receipt_bundle(
                documents, state, since, until, generated_at=now, actor=request.user
            )
    except CheckpointRefused:
        return _unsigned()
    return _bundle_response(
        bundle, f"{state.iso_code.lower()}-receipts-{since}-{until}", now
    )


@require_GET
@verified_session_required
def download(
    request: SignedInRequest, pk: int, number: int | None = None
) -> HttpResponse:
    try:
        document = policy.get_visible_document_or_404(policy.viewer_for(request), pk)
    except Http404:
        raise _not_found(
            request,
            pk,
            channel="download",
            action=actions.DOWNLOADED,
            version=number,
        ) from None
    if number is None:
        version = document.versions.order_by("-number").first()
        if version is None:
            raise Http404("This document has no file.")
    else:
        version = get_object_or_404(DocumentVersion, document=document, number=number)
    return serve_version(request, document, version)


@require_GET
@verified_session_required
def download_record(request: SignedInRequest, download_id: str) -> HttpResponse:
    """Where the download id printed on a marked file leads: that download in its
    document's access history, for those who may read the history; 404 otherwise."""
    event = (
        AuditEvent.objects.filter(
            action=actions.DOWNLOADED,
            target_type=receipts.DOCUMENT,
            details__download_id=download_id,
        )
        .only("target_id")
        .first()
    )
    if event is None:
        raise Http404("No such download.")
    document = _originators_document(
        request, event.target_id, channel="download_record"
    )
    query = urlencode({"download": download_id})
    return redirect(f"{document.get_absolute_url()}?{query}#access-history-title")


@require_http_methods(["GET", "POST"])
@verified_session_required
def document_create(request: SignedInRequest) -> HttpResponse:
    viewer = policy.viewer_for(request)
    if not viewer.verified_expert or request.user.state_id is None:
        raise Http404("Only vetted experts of a State may share documents.")
    form = DocumentForm(
        request.POST or None, request.FILES or None, user=request.user, viewer=viewer
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            document = actions.create_document(
                by=request.user,
                title=data["title"],
                description=data["description"],
                tier=data["tier"],
                upload=data["file"],
                handling_note=data["handling_note"],
                states=data["states"],
                groups=data["groups"],
                users=data["users"],
                expires_at=data["expires_at"],
                request=request,
            )
        except actions.NotAllowed:
            raise Http404("No such page.") from None
        except ValidationError as error:
            form.add_error("file" if isinstance(error, UploadRejected) else None, error)
        else:
            messages.success(
                request, _("“%(title)s” is shared.") % {"title": document.title}
            )
            return redirect("exchange:detail", pk=document.pk)
    return render(
        request,
        "exchange/document_form.html",
        {"form": form, "max_bytes": settings.EXCHANGE_MAX_UPLOAD_BYTES},
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
@verified_session_required
def version_create(request: SignedInRequest, pk: int) -> HttpResponse:
    document = _managed_or_404(request, pk, channel="version_create")
    form = VersionForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            version = actions.add_version(
                document, form.cleaned_data["file"], by=request.user, request=request
            )
        except actions.NoLongerAllowed as error:
            return _no_longer_allowed(request, error)
        except actions.NotAllowed:
            raise Http404("No such document.") from None
        except ValidationError as error:
            form.add_error("file", error)
        else:
            messages.success(
                request,
                _("Version %(number)s is uploaded.") % {"number": version.number},
            )
            return redirect("exchange:detail", pk=document.pk)
    return render(
        request,
        "exchange/version_form.html",
        {
            "form": form,
            "document": document,
            "max_bytes": settings.EXCHANGE_MAX_UPLOAD_BYTES,
            "classification": document.tier,
        },
        status=400 if form.errors else 200,
    )


def _no_longer_allowed(
    request: SignedInRequest, error: actions.NoLongerAllowed
) -> HttpResponse:
    """A change that lost a race to a revocation (or expiry, or a change of hands):
    nothing was changed, the refusal is audited, and the person is told so on the
    list, since the document's own pages are no longer theirs to see."""
    actions.keep_refusal_audited(error)
    messages.error(request, actions.NoLongerAllowed.message)
    return redirect("exchange:list")


@require_http_methods(["GET", "POST"])
@verified_session_required
def document_sharing(request: SignedInRequest, pk: int) -> HttpResponse:
    # Who may manage is settled first, so the step-up prompt reveals nothing.
    document = _managed_or_404(request, pk, channel="sharing")
    return _sharing_after_step_up(request, document)


@step_up_required
def _sharing_after_step_up(
    request: SignedInRequest, document: Document
) -> HttpResponse:
    initial = {
        "states": list(document.shared_states.all()),
        "groups": list(document.shared_groups.all()),
        "users": list(document.shared_users.all()),
        "tier": document.tier,
        "expires_at": document.expires_at,
    }
    if request.method == "POST" and request.POST.get("action") == "revoke":
        try:
            actions.revoke_document(document, by=request.user, request=request)
        except actions.NoLongerAllowed as error:
            return _no_longer_allowed(request, error)
        except actions.NotAllowed:
            raise Http404("No such document.") from None
        messages.success(
            request,
            _("“%(title)s” is revoked for everyone.") % {"title": document.title},
        )
        return redirect("exchange:list")
    form = SharingForm(
        request.POST or None,
        initial=initial,
        user=request.user,
        viewer=policy.viewer_for(request),
        document=document,
        current_tier=document.tier,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                _apply_sharing(request, document, data)
        except actions.NoLongerAllowed as error:
            return _no_longer_allowed(request, error)
        except actions.NotAllowed as error:
            actions.keep_refusal_audited(error)
            raise Http404("No such document.") from None
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The sharing is updated."))
            if policy.can_view(policy.viewer_for(request), document):
                return redirect("exchange:detail", pk=document.pk)
            return redirect("exchange:list")
    return render(
        request,
        "exchange/document_sharing.html",
        {"form": form, "document": document, "classification": document.tier},
        status=400 if form.errors else 200,
    )


def _apply_sharing(request: SignedInRequest, document: Document, data) -> None:
    """Apply the form in the order that keeps the highly confidential rule valid."""
    by = request.user
    was_highly_confidential = document.tier == Tier.HIGHLY_CONFIDENTIAL
    lowering_from_hc = was_highly_confidential and data["tier"] != document.tier

    def change_tier() -> None:
        actions.change_tier(
            document,
            data["tier"],
            by=by,
            justification=data["justification"],
            request=request,
        )

    if lowering_from_hc:
        change_tier()
    actions.share_document(
        document,
        by=by,
        states=data["states"],
        groups=data["groups"],
        users=data["users"],
        request=request,
    )
    if data["tier"] != document.tier and not lowering_from_hc:
        change_tier()
    document.refresh_from_db()
    if data["expires_at"] != document.expires_at:
        actions.set_expiry(document, data["expires_at"], by=by, request=request)


# --- The read-only JSON API: the same policy, the same 404.


def _api_session_required(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not policy.viewer_for(request).verified_expert:
            return not_found_json()
        return view(request, *args, **kwargs)

    return wrapper


def _api_sharing(document: Document, viewer: policy.Viewer) -> dict:
    """The document's sharing as `viewer` may know it: all of it for those who may
    manage it; for a recipient, only how it reaches them and by whom."""
    if policy.may_see_distribution(viewer, document):
        return {
            "full": True,
            "states": sorted(s.iso_code for s in document.shared_states.all()),
            "groups": sorted(g.slug for g in document.shared_groups.all()),
            "users": sorted(u.pk for u in document.shared_users.all()),
        }
    reach = policy.reach_of(viewer, document)
    return {
        "full": False,
        "shared_by": document.owner.display_name,
        "with_you_by_name": reach["by_name"],
        "with_your_state": reach["state"].iso_code if reach["state"] else None,
        "with_your_groups": sorted(g.slug for g in reach["groups"]),
    }


def _api_document(document: Document, request: SignedInRequest) -> dict:
    return {
        "id": document.pk,
        "title": document.title,
        "description": document.description,
        "tier": document.tier,
        "originating_state": document.originating_state.iso_code,
        "handling_note": document.handling_note,
        "expires_at": document.expires_at,
        "last_shared_at": document.last_shared_at,
        "url": request.build_absolute_uri(document.get_absolute_url()),
        "sharing": _api_sharing(document, policy.viewer_for(request)),
        "versions": [
            {
                "number": v.number,
                "file_name": v.file_name,
                "size": v.size,
                "media_type": v.media_type,
                "sha256": v.sha256,
                "uploaded_at": v.uploaded_at,
            }
            for v in document.versions.all()
        ],
    }


@require_GET
@_api_session_required
def api_documents(request: SignedInRequest) -> JsonResponse:
    viewer = policy.viewer_for(request)
    _, documents = _filtered(request, viewer)
    page = Paginator(_with_sharing(documents), 50).get_page(request.GET.get("page"))
    return JsonResponse(
        {
            "count": page.paginator.count,
            "page": page.number,
            "pages": page.paginator.num_pages,
            "results": [_api_document(d, request) for d in page],
        }
    )


@require_GET
@_api_session_required
def api_document(request: SignedInRequest, pk: int) -> JsonResponse:
    viewer = policy.viewer_for(request)
    document = _with_sharing(policy.visible_documents(viewer).filter(pk=pk)).first()
    if document is None:
        _not_found(request, pk, channel="api")
        return not_found_json()
    actions.record_view(document, by=request.user, request=request, channel="api")
    return JsonResponse(_api_document(document, request))
