"""Liveness and readiness endpoints for load balancers and operators, and the two
admin URLs the portal answers itself."""

import sys

from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.template import loader
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


# Seconds a client is asked to wait when the database is unreachable.
RETRY_AFTER_SECONDS = 5


def server_error(request: HttpRequest) -> HttpResponse:
    """The 500 page, or the 503 page when the database could not be reached.

    A request that fails because PostgreSQL is down or restarting is not the
    portal's error: it is answered 503 with `Retry-After`, and the page says to try
    again in a moment. Both templates are rendered without a context processor or a
    query, so that they render while the database is away.
    """
    error = sys.exc_info()[1]
    if isinstance(error, OperationalError | InterfaceError):
        response = HttpResponse(loader.get_template("503.html").render(), status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    return HttpResponse(loader.get_template("500.html").render(), status=500)
