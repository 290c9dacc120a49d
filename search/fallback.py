"""Search on the database, for the demo and while Elasticsearch is down.

The same parameters, result shapes and trimming as the Elasticsearch service: pages
come from Wagtail's live public pages of the registered types, exchange documents
from the policy's `visible_documents` queryset, so nothing the viewer may not see is
ever read. Words must all match (title, summary or body, or a document's file text:
decrypted here, never for highly confidential documents); facets are counted over
the matching items in Python, which is fine at the demo's scale.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db.models import OuterRef, Q, Subquery

from exchange.models import DocumentVersion
from exchange.policy import Viewer
from portal.tiers import Tier
from search import access
from search.documents import (
    CHECKED_KINDS,
    PageDocument,
    document_url,
    with_search_prefetch,
)
from search.files import open_text
from search.models import ExtractedText
from search.query import (
    FACET_LABELS,
    MAX_RESULT_WINDOW,
    TYPE_WEIGHTS,
    FacetValue,
    SearchHit,
    SearchParams,
    SearchResults,
    highlight_words,
    query_words,
)

logger = logging.getLogger(__name__)

MAX_CANDIDATES = 1000
MAX_TEXT_SCAN = 5000


def _page_items(words: list[str]) -> list[dict[str, Any]]:
    items = []
    pages = with_search_prefetch(list(PageDocument.queryset()[:MAX_CANDIDATES]))
    for page in pages:
        item = PageDocument.prepare(page)
        haystack = f"{item['title']} {item['summary']} {item['body']}".lower()
        if all(word in haystack for word in words):
            items.append(item)
    return items


def _documents_whose_text_has(visible, words: list[str]) -> dict[str, set[int]]:
    """Each word -> the ids of the documents of `visible` whose latest file's text
    contains it; highly confidential documents are never read.

    The texts are stored encrypted, so they are opened and matched here, in Python,
    one at a time (nothing but the matching ids is kept): at most `MAX_TEXT_SCAN`
    of them, the most recently uploaded first.
    """
    latest = (
        DocumentVersion.objects.filter(document=OuterRef("version__document"))
        .order_by("-number")
        .values("pk")[:1]
    )
    rows = (
        ExtractedText.objects.filter(
            status="ok",
            version__document__in=visible.exclude(tier=Tier.HIGHLY_CONFIDENTIAL),
        )
        .filter(version=Subquery(latest))
        .select_related("version")
        .order_by("-version__uploaded_at")[:MAX_TEXT_SCAN]
    )
    found: dict[str, set[int]] = {word: set() for word in words}
    for row in rows.iterator(chunk_size=100):
        opened = open_text(row.version, row)
        if opened is None:
            continue
        text = opened.text.lower()
        for word in words:
            if word in text:
                found[word].add(row.version.document_id)
    return found


def _document_items(viewer: Viewer, words: list[str]) -> list[dict[str, Any]]:
    queryset = access.visible_documents(viewer)
    if queryset is None:
        return []
    in_files = _documents_whose_text_has(queryset, words) if words else {}
    for word in words:
        queryset = queryset.filter(
            Q(title__icontains=word)
            | Q(description__icontains=word)
            | Q(handling_note__icontains=word)
            | Q(pk__in=in_files[word])
        )
    queryset = queryset.distinct().select_related("originating_state")
    items = []
    for document in queryset.prefetch_related(
        "shared_states", "shared_groups", "shared_users"
    )[:MAX_CANDIDATES]:
        if not access.can_view_document(viewer, document):
            continue
        when = document.last_shared_at or document.created_at
        items.append(
            {
                "kind": "document",
                "pk": document.pk,
                "type": "exchange_document",
                "title": document.title,
                "summary": document.description,
                "url": document_url(document.pk),
                "date": when.date() if when else None,
                "year": when.year if when else None,
                "states": [document.originating_state.name],
                "commitments": [],
                "actions": [],
                "iaea_documents": [],
                "topics": [],
                "language": None,
                "access": {"tier": document.tier},
            }
        )
    return items


def _all_items(viewer: Viewer, words: list[str]) -> list[dict[str, Any]]:
    items = _page_items(words) + _document_items(viewer, words)
    for document_class in CHECKED_KINDS.values():
        # Each kind reads only what its own policy lets the viewer see.
        items += document_class.fallback_items(viewer, words)
    return items


def _facet_values(item: dict[str, Any], name: str) -> list[str]:
    if name == "tier":
        return [item["access"]["tier"]]
    value = item.get(name)
    if value is None:
        return []
    if isinstance(value, list):
        return [str(v) for v in value]
    return [str(value)]


def search(viewer: Viewer, params: SearchParams) -> SearchResults:
    words = query_words(params.q)
    items = _all_items(viewer, words)
    show_tier = access.may_see_tiers(viewer)
    for name, values in params.filters.items():
        if name == "tier" and not show_tier:
            continue
        chosen = set(values)
        items = [i for i in items if chosen & set(_facet_values(i, name))]
    facets: dict[str, list[FacetValue]] = {}
    for name in FACET_LABELS:
        if name == "tier" and not show_tier:
            continue
        counts: dict[str, int] = {}
        for item in items:
            for value in _facet_values(item, name):
                counts[value] = counts.get(value, 0) + 1
        if counts:
            chosen = set(params.filters.get(name, []))
            ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
            if name == "year":
                ordered = sorted(counts.items(), reverse=True)
            facets[name] = [FacetValue(v, c, v in chosen) for v, c in ordered]

    def relevance(item: dict[str, Any]) -> tuple:
        title = item["title"].lower()
        in_title = sum(word in title for word in words)
        weight = TYPE_WEIGHTS.get(item["type"], 1.0)
        return (
            -(in_title + 1) * weight,
            -(item["date"].toordinal() if item["date"] else 0),
        )

    if params.sort == "date" or not words:
        items.sort(key=lambda i: -(i["date"].toordinal() if i["date"] else 0))
    else:
        items.sort(key=relevance)
    total = min(len(items), MAX_RESULT_WINDOW)
    window = items[params.offset : params.offset + params.per_page]
    hits = [
        SearchHit(
            kind=item["kind"],
            pk=item["pk"],
            type=item["type"],
            title=item["title"],
            url=item["url"],
            summary=(item["summary"] or "")[:300],
            date=item["date"],
            year=item.get("year"),
            states=item["states"],
            tier=item["access"]["tier"],
            highlights=[highlight_words((item["summary"] or "")[:300], words)]
            if words and item["summary"]
            else [],
            title_html=highlight_words(item["title"], words) if words else None,
        )
        for item in window
    ]
    return SearchResults(
        params=params,
        hits=hits,
        total=total,
        facets=facets,
        backend="database",
        searched=True,
    )


def suggest(viewer: Viewer, prefix: str, *, size: int = 8) -> list[dict[str, str]]:
    words = query_words(prefix)
    if not words:
        return []
    items = _all_items(viewer, words)
    items.sort(
        key=lambda i: (not i["title"].lower().startswith(prefix.lower()), i["title"])
    )
    return [
        {"title": i["title"], "url": i["url"], "type": i["type"]} for i in items[:size]
    ]
