"""The API's own views: its OpenAPI document, for signed-in people, and its 404."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from portal.api.schema import openapi


def not_found_json() -> JsonResponse:
    """The one 404 of every JSON endpoint: a hidden object, a missing one and a path
    that names nothing answer alike."""
    return JsonResponse({"detail": "Not found."}, status=404)


def no_such_path(request: HttpRequest) -> JsonResponse:
    """Under the API's prefix, a path no route matches (a room number that is not
    a number, a misspelt name) is the same JSON 404, not the HTML page."""
    return not_found_json()


@require_GET
@login_required
def schema_json(request: HttpRequest) -> JsonResponse:
    return JsonResponse(openapi())
