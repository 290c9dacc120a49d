"""Liveness and readiness endpoints for load balancers and operators."""

from django.http import HttpRequest, JsonResponse
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
