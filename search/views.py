"""Search views: the page, the JSON API and autocomplete. Thin: the service decides."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from portal.tiers import highest
from search import access, service
from search.query import FACET_LABELS, parse_params


def _run(request: HttpRequest):
    params, messages = parse_params(request.GET)
    results = service.search(access.viewer_for(request), params)
    results.messages = messages + results.messages
    return results


@never_cache
@require_GET
def search_page(request: HttpRequest) -> HttpResponse:
    results = _run(request)
    facets = [
        (name, FACET_LABELS[name], values) for name, values in results.facets.items()
    ]
    pages = results.pages
    page = results.params.page
    context = {
        "results": results,
        "params": results.params,
        "facets": facets,
        "previous_query": results.params.as_query(page=page - 1) if page > 1 else None,
        "next_query": results.params.as_query(page=page + 1) if page < pages else None,
        "suggestion_query": (
            results.params.as_query(q=results.suggestion, page=1)
            if results.suggestion
            else None
        ),
        "date_sort_query": results.params.as_query(sort="date", page=1),
        "relevance_sort_query": results.params.as_query(sort="relevance", page=1),
        # The banner follows the most restricted hit shown on this page.
        "classification": highest(hit.tier for hit in results.hits),
    }
    return render(request, "search/search_page.html", context)


@never_cache
@require_GET
def search_api(request: HttpRequest) -> JsonResponse:
    return JsonResponse(_run(request).as_json())


@never_cache
@require_GET
def suggest(request: HttpRequest) -> JsonResponse:
    prefix = request.GET.get("q", "")
    suggestions = service.suggest(access.viewer_for(request), prefix)
    return JsonResponse({"query": prefix[:100], "suggestions": suggestions})
