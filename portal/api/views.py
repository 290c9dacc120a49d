"""The API's own view: its OpenAPI document, for signed-in people."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from portal.api.schema import openapi


@login_required
@require_GET
def schema_json(request: HttpRequest) -> JsonResponse:
    return JsonResponse(openapi())
