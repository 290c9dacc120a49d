"""Pages of a public release: start it, write the draft beside its source, approve
it (the focal point, with a fresh code), withdraw it. Thin: the policy decides,
`exchange.actions` writes; whoever may not see the source gets the same 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods, require_POST

from exchange import actions, policy, releases
from exchange.forms import ReleaseDraftForm
from exchange.models import Document, PublicRelease
from exchange.views import _not_found, _visible_or_404, _with_sharing
from portal.accounts.decorators import SignedInRequest, verified_session_required
from portal.accounts.stepup import step_up_required
from portal.audit.actions import record


def _edits_state_pages(request: SignedInRequest, release: PublicRelease) -> bool:
    return release.page.permissions_for_user(request.user).can_edit()


def _release_or_404(
    request: SignedInRequest, release_id, check, *, action: str, visible: bool = True
) -> tuple[PublicRelease, Document]:
    """The release and its source when `check(viewer, source, release)` holds;
    otherwise the same 404 as for a hidden document, the attempt audited. With
    `visible=False` the source need not be visible to the viewer any more (a
    withdrawal after the source was revoked): `check` alone decides."""
    release = (
        PublicRelease.objects.select_related("page", "state")
        .filter(pk=release_id)
        .first()
    )
    if release is None:
        raise Http404("No such document.")
    viewer = policy.viewer_for(request)
    documents = policy.visible_documents(viewer) if visible else Document.objects.all()
    source = _with_sharing(documents.filter(pk=release.source_id)).first()
    if source is None:
        raise _not_found(request, release.source_id, channel="release")
    if not check(viewer, source, release):
        with transaction.atomic():
            record(
                action,
                target=source,
                outcome="denied",
                request=request,
                details={"release": release.pk},
            )
        raise Http404("No such document.")
    release.source = source
    return release, source


def _may_work_on(request: SignedInRequest):
    def check(viewer, source, release) -> bool:
        return policy.can_work_on_release(
            viewer, source, edits_state_pages=_edits_state_pages(request, release)
        )

    return check


def _error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


def _carry_out(
    request: SignedInRequest, release: PublicRelease, action, success: str
) -> HttpResponse:
    """Run a release action for the person asking; say how it went on the
    release's page (a refusal found by the action is the same 404)."""
    try:
        action(release, by=request.user, request=request)
    except actions.NotAllowed as error:
        actions.keep_refusal_audited(error)
        raise Http404("No such document.") from None
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, success)
    return redirect("exchange:release", pk=release.pk)


@require_POST
@verified_session_required
def release_start(request: SignedInRequest, pk: int) -> HttpResponse:
    viewer, document = _visible_or_404(request, pk, channel="release_start")
    if not policy.can_prepare_release(viewer, document):
        raise Http404("No such document.")
    try:
        release = actions.prepare_public_practice(
            document, by=request.user, request=request
        )
    except actions.NotAllowed as error:
        actions.keep_refusal_audited(error)
        raise Http404("No such document.") from None
    except ValidationError as error:
        messages.error(request, _error_text(error))
        return redirect("exchange:detail", pk=document.pk)
    messages.success(
        request,
        gettext(
            "A draft good practice is ready. It holds nothing of the document: "
            "write what can be released."
        ),
    )
    return redirect("exchange:release", pk=release.pk)


def _status(release: PublicRelease, page, draft) -> tuple[str, str]:
    """The release's state in words, and a badge style."""
    if release.withdrawn_at is not None:
        return "Withdrawn", "danger"
    if page.live:
        if page.has_unpublished_changes:
            return "Published; later changes await approval", "new"
        return "Published", "success"
    if release.approved_at is None:
        return "Draft: awaits the focal point's approval", ""
    if not releases.may_publish(draft, release):
        return "Changed since approval: awaits approval again", "new"
    if page.workflow_in_progress:
        return "Approved; in the secretariat's moderation", ""
    return "Approved", ""


@require_http_methods(["GET", "POST"])
@verified_session_required
def release_detail(request: SignedInRequest, pk: int) -> HttpResponse:
    """The restricted source beside the public draft."""
    release, source = _release_or_404(
        request, pk, _may_work_on(request), action=actions.RELEASE_EDITED
    )
    page = release.page.specific
    draft = page.get_latest_revision_as_object()
    text = releases.body_as_text(draft)
    initial = {"title": draft.title, "summary": draft.summary, "text": text or ""}
    form = ReleaseDraftForm(
        request.POST or None, initial=initial, body_editable=text is not None
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            actions.edit_release_draft(
                release,
                by=request.user,
                title=data["title"],
                summary=data["summary"],
                text=data.get("text") if text is not None else None,
                request=request,
            )
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for field, errors in error.error_dict.items():
                    form.add_error(field, errors)
            else:
                form.add_error(None, error)
        else:
            messages.success(request, gettext("The draft is saved."))
            return redirect("exchange:release", pk=release.pk)
    if request.method == "GET":
        actions.record_view(source, by=request.user, request=request, channel="release")
    viewer = policy.viewer_for(request)
    status, status_style = _status(release, page, draft)
    return render(
        request,
        "exchange/release_detail.html",
        {
            "release": release,
            "document": source,
            "versions": source.versions.all(),
            "page": page,
            "draft": draft,
            "form": form,
            "status": status,
            "status_style": status_style,
            "provenance": releases.provenance_of(page) if page.live else "",
            "can_approve": policy.can_approve_release(viewer, source)
            and release.withdrawn_at is None,
            "can_withdraw": policy.can_withdraw_release(viewer, source)
            and release.withdrawn_at is None,
            "can_edit_page": _edits_state_pages(request, release),
        },
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
@verified_session_required
def release_approve(request: SignedInRequest, pk: int) -> HttpResponse:
    # Who may approve is settled first, so the step-up prompt reveals nothing.
    release, _source = _release_or_404(
        request,
        pk,
        lambda viewer, source, release: policy.can_approve_release(viewer, source),
        action=actions.RELEASE_APPROVED,
    )
    return _approve_after_step_up(request, release)


@step_up_required
def _approve_after_step_up(
    request: SignedInRequest, release: PublicRelease
) -> HttpResponse:
    if request.method == "POST":
        return _carry_out(
            request,
            release,
            actions.approve_release,
            "Approved: the good practice goes to the secretariat's moderation.",
        )
    draft = release.page.specific.get_latest_revision_as_object()
    return render(
        request,
        "exchange/release_approve.html",
        {"release": release, "draft": draft, "document": release.source},
    )


@require_POST
@verified_session_required
def release_withdraw(request: SignedInRequest, pk: int) -> HttpResponse:
    release, _source = _release_or_404(
        request,
        pk,
        lambda viewer, source, release: policy.can_withdraw_release(viewer, source),
        action=actions.RELEASE_WITHDRAWN,
        visible=False,
    )
    return _carry_out(
        request,
        release,
        actions.withdraw_release,
        "Withdrawn: the good practice is no longer public anywhere on the site.",
    )
