"""Liveness and readiness endpoints for load balancers and operators, and the two
admin URLs the portal answers itself."""

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from portal.core.probes import probe_all


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """The process is alive and answering; touches no backing service."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    """Each backing service, up or down with its latency.

    Only the database is essential: without Redis the live features degrade, without
    Elasticsearch search falls back to the database, without ClamAV exchange uploads
    are refused (and nothing else), so only a database outage is 503.
    """
    probes = probe_all()
    ready = probes["database"].status == "up"
    body = {
        "status": "ready" if ready else "unavailable",
        "services": {name: probe.public() for name, probe in probes.items()},
    }
    return JsonResponse(body, status=200 if ready else 503)


def admin_error_test(request: HttpRequest) -> HttpResponse:
    """Wagtail's admin has a URL that raises on purpose to test error reporting; in
    the portal it does not exist."""
    raise Http404


def admin_set_page_position(request: HttpRequest, page_to_move_id: int) -> HttpResponse:
    """Wagtail's reordering view, without its crash on the root page (which has no
    parent to be reordered in)."""
    from wagtail.admin.views.pages.ordering import set_page_position
    from wagtail.models import Page

    page = get_object_or_404(Page, id=page_to_move_id)
    if page.is_root():
        raise Http404
    return set_page_position(request, page_to_move_id)
