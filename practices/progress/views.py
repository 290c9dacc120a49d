"""Thin views: the dashboard, a State's progress, chart CSVs and the editors' forms.

Every view starts from `viewer_for(request)` and reads through `visible_records`
or the aggregates built on it; what a viewer may not see answers 404.
"""

from __future__ import annotations

from collections import defaultdict

from django.core.exceptions import ValidationError
from django.db.models import Prefetch, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import (
    require_GET,
    require_http_methods,
    require_POST,
)

from exchange.policy import viewer_for
from portal.accounts.decorators import role_required
from portal.accounts.roles import Role, has_role
from portal.audit.actions import record as audit
from portal.core.page_cache import mark_public_page
from portal.states.models import State
from portal.tiers import Tier, highest
from practices.progress import actions
from practices.progress.aggregates import (
    CHARTS,
    all_charts,
    key_figures,
    state_recommendation_figures,
)
from practices.progress.commitments import COMMITMENT_SHORT, Commitment
from practices.progress.forms import record_form_class
from practices.progress.models import (
    ActionContribution,
    CertificationScheme,
    CommitmentStatus,
    PeerReviewMission,
    ProgressPublication,
    Recommendation,
    RecordChange,
    SelfAssessment,
    TrainingActivity,
)
from practices.progress.visibility import (
    get_visible_record_or_404,
    visible_records,
)

RECORD_TYPES = {
    "commitments": CommitmentStatus,
    "actions": ActionContribution,
    "self-assessments": SelfAssessment,
    "missions": PeerReviewMission,
    "recommendations": Recommendation,
    "training": TrainingActivity,
    "certification": CertificationScheme,
}


@require_GET
def dashboard(request):
    mark_public_page(request)
    viewer = viewer_for(request)
    charts = all_charts(viewer)
    return render(
        request,
        "progress/dashboard.html",
        {
            "charts": charts,
            "key_figures": key_figures(charts),
            "states": State.objects.filter(is_subscriber=True),
            "viewer": viewer,
            "demo_content": CommitmentStatus.objects.filter(
                is_demonstration=True
            ).exists(),
        },
    )


@require_GET
def chart_csv(request, chart: str):
    build = CHARTS.get(chart)
    if build is None:
        raise Http404("No such chart.")
    data = build(viewer_for(request))
    response = HttpResponse(data.as_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{data.slug}.csv"'
    return response


@require_GET
def state_progress(request, iso_code: str):
    state = get_object_or_404(State, iso_code=iso_code.upper(), is_subscriber=True)
    mark_public_page(request)
    viewer = viewer_for(request)

    def visible(model):
        return visible_records(model.objects.filter(state=state), viewer)

    recommendations = visible(Recommendation).order_by("made_on", "pk")
    missions = list(
        visible(PeerReviewMission)
        .select_related("updated_by")
        .prefetch_related(Prefetch("recommendations", queryset=recommendations))
    )
    statuses = {
        s.commitment: s for s in visible(CommitmentStatus).select_related("updated_by")
    }
    practices = _good_practices_by_commitment(state)
    commitments = [
        {
            "code": code,
            "label": label,
            "short": COMMITMENT_SHORT[code],
            "record": statuses.get(code),
            "practices": practices.get(code, []),
        }
        for code, label in Commitment.choices
    ]
    records = {
        "contributions": sorted(
            visible(ActionContribution), key=lambda c: int(c.action)
        ),
        "self_assessments": list(visible(SelfAssessment)),
        "training": list(visible(TrainingActivity)),
        "certification": list(visible(CertificationScheme)),
    }
    shown = [
        r for group in (missions, statuses.values(), *records.values()) for r in group
    ] + [r for m in missions for r in m.recommendations.all()]
    shown_restricted = [
        f"{r._meta.model_name}:{r.pk}" for r in shown if r.tier != Tier.PUBLIC
    ]
    if shown_restricted:
        audit(
            "progress.restricted_viewed",
            request=request,
            target=state,
            details={"records": shown_restricted},
        )
    publication = ProgressPublication.objects.filter(state=state).first()
    years = [m.year for m in missions]
    return render(
        request,
        "progress/state_progress.html",
        {
            "state": state,
            "commitments": commitments,
            "missions": missions,
            "timeline_span": (min(years), max(years)) if years else None,
            "figures": state_recommendation_figures(state, viewer),
            "publishes_aggregates": bool(
                publication and publication.publish_aggregates
            ),
            "may_edit": actions.is_progress_editor(request.user)
            and request.user.state_id == state.pk,
            "classification": highest(r.tier for r in shown),
            "state_page": _state_page(state),
            **records,
        },
    )


def _state_page(state: State):
    """The State's public page, which links back here; None until it is published."""
    from practices.models import StatePage

    return StatePage.objects.live().public().filter(state=state).first()


def _good_practices_by_commitment(state: State) -> dict[str, list]:
    """The State's published, public good practices, under each commitment code."""
    from practices.models import GoodPracticePage

    pages = (
        GoodPracticePage.objects.live()
        .public()
        .filter(Q(state=state) | Q(other_states=state))
        .distinct()
        .prefetch_related("commitments")
        .order_by("-date", "title")
    )
    by_code: dict[str, list] = defaultdict(list)
    for page in pages:
        for commitment in page.commitments.all():
            by_code[commitment.code].append(page)
    return by_code


# The gate of the editors' pages: a verified session and an editing role; the
# State each editor belongs to is checked by `_editor_or_404`.
editor_required = role_required(actions.EDITOR_ROLES)


def _editor_or_404(request):
    if not actions.is_progress_editor(request.user):
        raise Http404("No such page.")
    return viewer_for(request)


def _record_type_or_404(record_type: str):
    model = RECORD_TYPES.get(record_type)
    if model is None:
        raise Http404("No such record type.")
    return model


@editor_required
@require_GET
def manage_index(request):
    viewer = _editor_or_404(request)
    sections = [
        {
            "slug": slug,
            "title": model._meta.verbose_name_plural.capitalize(),
            "records": list(actions.editable_records(model, request.user, viewer)),
        }
        for slug, model in RECORD_TYPES.items()
    ]
    publication = ProgressPublication.objects.filter(
        state_id=request.user.state_id
    ).first()
    return render(
        request,
        "progress/manage_index.html",
        {
            "sections": sections,
            "state": request.user.state,
            "publishes_aggregates": bool(
                publication and publication.publish_aggregates
            ),
            "is_focal_point": has_role(request.user, Role.FOCAL_POINT),
            "classification": highest(
                r.tier for section in sections for r in section["records"]
            ),
        },
    )


@role_required(Role.FOCAL_POINT)
@require_POST
def manage_publication(request):
    _editor_or_404(request)
    actions.set_aggregate_publication(
        request.user.state,
        publish=request.POST.get("publish_aggregates") == "on",
        by=request.user,
        request=request,
    )
    return redirect("progress:manage")


@editor_required
@require_http_methods(["GET", "POST"])
def manage_add(request, record_type: str):
    viewer = _editor_or_404(request)
    model = _record_type_or_404(record_type)
    form_class = record_form_class(model)
    form = form_class(request.POST or None, user=request.user, viewer=viewer)
    if request.method == "POST" and form.is_valid():
        try:
            record = actions.create_record(
                model,
                by=request.user,
                viewer=viewer,
                values=form.values(),
                sharing=form.sharing(),
                request=request,
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            return redirect(
                "progress:manage_edit", record_type=record_type, pk=record.pk
            )
    return render(
        request,
        "progress/manage_form.html",
        {"form": form, "title": f"Add: {model._meta.verbose_name}", "history": []},
        status=400 if form.errors else 200,
    )


@editor_required
@require_http_methods(["GET", "POST"])
def manage_edit(request, record_type: str, pk: int):
    viewer = _editor_or_404(request)
    model = _record_type_or_404(record_type)
    record = get_visible_record_or_404(
        model.objects.filter(state_id=request.user.state_id), viewer, pk=pk
    )
    form_class = record_form_class(model)
    form = form_class(
        request.POST or None, instance=record, user=request.user, viewer=viewer
    )
    if request.method == "POST" and form.is_valid():
        try:
            actions.update_record(
                model.objects.get(pk=pk),
                by=request.user,
                viewer=viewer,
                values=form.values(),
                sharing=form.sharing(),
                request=request,
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            return redirect("progress:manage_edit", record_type=record_type, pk=pk)
    history = RecordChange.objects.filter(
        record_type=model._meta.label_lower, record_id=pk
    ).select_related("changed_by")
    fresh = model.objects.select_related("updated_by").get(pk=pk)
    return render(
        request,
        "progress/manage_form.html",
        {
            "form": form,
            "title": f"Edit: {fresh}",
            "record": fresh,
            "history": history,
            "classification": fresh.tier,
        },
        status=400 if form.errors else 200,
    )


def _add_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)
