"""The one place search queries are built: every query carries the policy's filter.

The viewer's filter from `exchange.policy` goes into the query's `bool.filter`, so
hits, total counts, facet counts (aggregations run inside the query's scope), and
highlights only ever come from what the viewer may see; `post_filter` and `global`
aggregations are never used. Suggestions and "did you mean" are built from trimmed
queries too, never from index-wide statistics. Every hit is then re-checked against
the database and the policy before it is shown (defence in depth).
"""

from __future__ import annotations

import datetime
import logging
import re
from typing import Any

from wagtail.models import Page

from exchange.policy import Viewer
from search import access
from search.client import SearchUnavailable, is_configured, reading
from search.documents import CHECKED_KINDS, RESULT_SOURCE_FIELDS
from search.indexing import SEARCH_ERRORS, search_aliases
from search.labels import label_facets
from search.query import (
    FACET_FIELDS,
    FACET_LABELS,
    MARK_CLOSE,
    MARK_OPEN,
    MAX_RESULT_WINDOW,
    MAX_SUGGEST_CHARS,
    TYPE_WEIGHTS,
    FacetValue,
    SearchHit,
    SearchParams,
    SearchResults,
    render_highlight,
    strip_marks,
)

logger = logging.getLogger(__name__)

BOOSTS = {"title": 4, "summary": 2, "body": 1, "file_text": 1}
QUERY_FIELDS = [f"{name}^{boost}" for name, boost in BOOSTS.items()] + [
    f"{name}.en^{boost * 0.5}" for name, boost in BOOSTS.items()
]
FUZZY_MAX_WORDS = 10
DEGRADED_MESSAGE = (
    "Search is running in a reduced mode at the moment: results come from the "
    "database, without typo tolerance or highlights."
)


# --- Building queries ---


def exact_query(q: str) -> dict[str, Any]:
    """The words as typed (quotes make phrases); syntax errors never raise."""
    return {
        "simple_query_string": {
            "query": q,
            "fields": QUERY_FIELDS,
            "default_operator": "and",
            "flags": "AND|OR|NOT|PHRASE|PRECEDENCE|WHITESPACE|ESCAPE",
            "lenient": True,
        }
    }


def text_query(q: str) -> dict[str, Any]:
    """Relevance over the text fields; quotes make phrases, typos are tolerated."""
    exact = exact_query(q)
    if '"' in q:
        return exact
    plain = " ".join(re.findall(r"\w+", q))
    if not plain:
        return exact
    should: list[dict[str, Any]] = [
        exact,
        {"match_phrase": {"title": {"query": plain, "boost": 2}}},
    ]
    if len(plain.split()) <= FUZZY_MAX_WORDS:
        should.append(
            {
                "multi_match": {
                    "query": plain,
                    "fields": QUERY_FIELDS,
                    "fuzziness": "AUTO",
                    "prefix_length": 1,
                    "operator": "and",
                    "boost": 0.3,
                }
            }
        )
    return {"bool": {"should": should, "minimum_should_match": 1}}


def trimmed_query(
    viewer: Viewer, params: SearchParams, *, text: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The whole query: the text, the viewer's policy filter and the chosen facets."""
    filters: list[dict[str, Any]] = [access.viewer_filter(viewer)]
    for name, values in params.filters.items():
        if name == "tier" and not access.may_see_tiers(viewer):
            continue
        if name in FACET_FIELDS and values:
            # Values of one facet widen (OR); different facets narrow (AND).
            filters.append({"terms": {FACET_FIELDS[name]: values}})
    if text is None:
        text = text_query(params.q) if params.q else {"match_all": {}}
    return {"bool": {"must": [text], "filter": filters}}


def weighted_by_type(query: dict[str, Any]) -> dict[str, Any]:
    """`query` with each hit's score multiplied by its type's weight (TYPE_WEIGHTS).

    The policy filter stays inside `query`: weighting reorders, never widens.
    """
    return {
        "function_score": {
            "query": query,
            "functions": [
                {"filter": {"term": {"type": name}}, "weight": weight}
                for name, weight in TYPE_WEIGHTS.items()
            ],
            "score_mode": "max",
            "boost_mode": "multiply",
        }
    }


def search_body(viewer: Viewer, params: SearchParams) -> dict[str, Any]:
    size = params.per_page
    offset = min(params.offset, MAX_RESULT_WINDOW - size)
    if params.sort == "date" or not params.q:
        sort: list[Any] = [{"date": {"order": "desc", "missing": "_last"}}, "_score"]
    else:
        sort = ["_score", {"date": {"order": "desc", "missing": "_last"}}]
    aggs = {
        name: {"terms": {"field": field, "size": 50}}
        for name, field in FACET_FIELDS.items()
        if name != "tier" or access.may_see_tiers(viewer)
    }
    aggs["year"]["terms"]["order"] = {"_key": "desc"}
    query = trimmed_query(viewer, params)
    if params.q and params.sort == "relevance":
        query = weighted_by_type(query)
    body: dict[str, Any] = {
        "query": query,
        "from": offset,
        "size": size,
        "sort": sort,
        "track_total_hits": True,
        "_source": {"includes": RESULT_SOURCE_FIELDS},
        "aggs": aggs,
    }
    if params.q:
        body["highlight"] = {
            # Highlighting with the fuzzy query re-expands it per field and hit: ten
            # times the cost of the search. Exact words are marked; typo-only hits
            # show their summary.
            "highlight_query": exact_query(params.q),
            "pre_tags": [MARK_OPEN],
            "post_tags": [MARK_CLOSE],
            "fields": {
                "title": {"number_of_fragments": 0},
                "summary": {"fragment_size": 200, "number_of_fragments": 1},
                "body": {"fragment_size": 160, "number_of_fragments": 2},
                "file_text": {"fragment_size": 160, "number_of_fragments": 2},
            },
        }
    return body


# --- Running searches ---


def search(viewer: Viewer, params: SearchParams) -> SearchResults:
    """Search for `viewer`; Elasticsearch when configured, the database otherwise.

    Never raises for a search engine failure: the database answers instead and the
    results say they are degraded.
    """
    from search import fallback

    if not params.q and not params.filters:
        return SearchResults(params=params, backend=_backend_name())
    if not is_configured():
        results = fallback.search(viewer, params)
    else:
        try:
            results = elasticsearch_search(viewer, params)
        except SEARCH_ERRORS as exc:
            # Once per pause of the breaker; quiet while it holds searches back.
            level = (
                logging.DEBUG if isinstance(exc, SearchUnavailable) else logging.WARNING
            )
            logger.log(
                level, "search: Elasticsearch failed, using the database: %s", exc
            )
            results = fallback.search(viewer, params)
            results.degraded = True
            results.messages.insert(0, DEGRADED_MESSAGE)
    label_facets(results.facets)
    if params.page > results.pages and results.total:
        results.messages.append(
            f"There is no page {params.page}: the results fill {results.pages} "
            f"page{'s' if results.pages != 1 else ''}."
        )
    return results


def _backend_name() -> str:
    return "elasticsearch" if is_configured() else "database"


def elasticsearch_search(viewer: Viewer, params: SearchParams) -> SearchResults:
    results = SearchResults(params=params, searched=True)
    with reading() as client:
        response = client.search(
            index=",".join(search_aliases()),
            ignore_unavailable=True,
            allow_no_indices=True,
            **search_body(viewer, params),
        )
    hits, dropped = _checked_hits(viewer, response["hits"]["hits"])
    results.hits = hits
    results.total = max(0, response["hits"]["total"]["value"] - dropped)
    results.facets = _facets(response.get("aggregations", {}), params)
    if params.q and results.total < 3 and not params.has_phrase:
        results.suggestion = did_you_mean(viewer, params)
    return results


def _facets(
    aggregations: dict[str, Any], params: SearchParams
) -> dict[str, list[FacetValue]]:
    facets: dict[str, list[FacetValue]] = {}
    for name in FACET_LABELS:
        buckets = aggregations.get(name, {}).get("buckets")
        if buckets is None:
            continue
        chosen = set(params.filters.get(name, []))
        values = [
            FacetValue(str(b["key"]), b["doc_count"], str(b["key"]) in chosen)
            for b in buckets
        ]
        if values:
            facets[name] = values
    return facets


def _checked_hits(
    viewer: Viewer, raw_hits: list[dict[str, Any]]
) -> tuple[list[SearchHit], int]:
    """Hits the viewer may see right now, per the database; and how many were not."""
    page_ids = {
        int(h["_source"]["pk"]) for h in raw_hits if h["_source"]["kind"] == "page"
    }
    document_ids = {
        int(h["_source"]["pk"]) for h in raw_hits if h["_source"]["kind"] == "document"
    }
    visible_pages = set(
        Page.objects.live()
        .public()
        .filter(pk__in=page_ids)
        .values_list("pk", flat=True)
        if page_ids
        else ()
    )
    visible_documents: set[int] = set()
    if document_ids:
        # The policy's database form of `can_view`, in one query of ids: loading
        # each document with its sharing to ask `can_view` again cost as much as the
        # search itself.
        visible_documents = access.visible_document_ids(viewer, document_ids)
    # Other kinds (progress records) are re-checked by their own app's policy.
    visible_other: set[tuple[str, int]] = set()
    for kind, document_class in CHECKED_KINDS.items():
        sources = [h["_source"] for h in raw_hits if h["_source"]["kind"] == kind]
        if sources:
            visible_other |= document_class.visible_keys(viewer, sources)
    hits: list[SearchHit] = []
    dropped = 0
    for raw in raw_hits:
        source = raw["_source"]
        pk = int(source["pk"])
        if source["kind"] == "page":
            allowed = pk in visible_pages
        elif source["kind"] == "document":
            allowed = pk in visible_documents
        else:
            allowed = (source.get("type", ""), pk) in visible_other
        if not allowed:
            # The index is behind the database (a change still queued): hide it.
            dropped += 1
            continue
        hits.append(_hit(source, raw.get("highlight", {})))
    if dropped:
        logger.info("search: %d stale hit(s) hidden after the policy re-check", dropped)
    return hits, dropped


def _hit(source: dict[str, Any], highlight: dict[str, Any]) -> SearchHit:
    date = source.get("date")
    fragments = [
        render_highlight(fragment)
        for name in ("summary", "body", "file_text")
        for fragment in highlight.get(name, [])
    ]
    title_fragments = highlight.get("title")
    return SearchHit(
        kind=source["kind"],
        pk=int(source["pk"]),
        type=source.get("type", ""),
        title=source.get("title", ""),
        url=source.get("url", ""),
        summary=strip_marks(source.get("summary") or "")[:300],
        date=datetime.date.fromisoformat(date[:10]) if date else None,
        year=source.get("year"),
        states=list(source.get("states") or []),
        tier=(source.get("access") or {}).get("tier", "public"),
        highlights=fragments[:3],
        title_html=render_highlight(title_fragments[0]) if title_fragments else None,
    )


# --- Suggestions ---


def suggest(viewer: Viewer, prefix: str, *, size: int = 8) -> list[dict[str, str]]:
    """Titles the viewer may see with words starting like `prefix`.

    A trimmed prefix query rather than a completion suggester: the completion index
    cannot be filtered by the policy, and a title must never be suggested to someone
    who may not see the document.
    """
    prefix = " ".join(prefix.split())[:MAX_SUGGEST_CHARS]
    if len(prefix) < 2:
        return []
    if not is_configured():
        from search import fallback

        return fallback.suggest(viewer, prefix, size=size)
    text = {
        "bool": {
            "should": [
                {"match_bool_prefix": {"title": {"query": prefix, "operator": "and"}}},
                {"prefix": {"title.raw": {"value": prefix.lower(), "boost": 3}}},
            ],
            "minimum_should_match": 1,
        }
    }
    query = trimmed_query(viewer, SearchParams(q=prefix), text=text)
    try:
        with reading() as client:
            response = client.search(
                index=",".join(search_aliases()),
                ignore_unavailable=True,
                allow_no_indices=True,
                query=query,
                size=size,
                source={"includes": RESULT_SOURCE_FIELDS},
            )
    except SEARCH_ERRORS:
        from search import fallback

        return fallback.suggest(viewer, prefix, size=size)
    hits, _ = _checked_hits(viewer, response["hits"]["hits"])
    seen: set[str] = set()
    suggestions = []
    for hit in hits:
        if hit.title.lower() in seen:
            continue
        seen.add(hit.title.lower())
        suggestions.append({"title": hit.title, "url": hit.url, "type": hit.type})
    return suggestions


def did_you_mean(viewer: Viewer, params: SearchParams) -> str | None:
    """A corrected query built from the words of documents the viewer may see.

    Term and phrase suggesters read the whole index's dictionary, which would reveal
    words of documents the viewer may not see; instead a trimmed fuzzy query finds
    visible items, and each unknown word of the query is replaced by the closest
    word of their titles and summaries.
    """
    words = re.findall(r"\w+", params.q.lower())
    if not words or len(words) > FUZZY_MAX_WORDS:
        return None
    fuzzy = {
        "multi_match": {
            "query": " ".join(words),
            "fields": ["title", "summary"],
            "fuzziness": "AUTO",
            "prefix_length": 0,
            "operator": "or",
        }
    }
    bare = SearchParams(q=params.q, filters=params.filters)
    with reading() as client:
        response = client.search(
            index=",".join(search_aliases()),
            ignore_unavailable=True,
            allow_no_indices=True,
            query=trimmed_query(viewer, bare, text=fuzzy),
            size=20,
            source={"includes": RESULT_SOURCE_FIELDS},
        )
    hits, _ = _checked_hits(viewer, response["hits"]["hits"])
    vocabulary: set[str] = set()
    for hit in hits:
        vocabulary.update(re.findall(r"\w+", f"{hit.title} {hit.summary}".lower()))
    if not vocabulary:
        return None
    corrected = []
    for word in words:
        if word in vocabulary or len(word) < 3:
            corrected.append(word)
            continue
        best = min(vocabulary, key=lambda v: (edit_distance(word, v), -len(v), v))
        corrected.append(best if edit_distance(word, best) <= 2 else word)
    if corrected == words:
        return None
    suggestion = " ".join(corrected)
    with reading() as client:
        count = client.count(
            index=",".join(search_aliases()),
            ignore_unavailable=True,
            allow_no_indices=True,
            query=trimmed_query(
                viewer, SearchParams(q=suggestion, filters=params.filters)
            ),
        )["count"]
    return suggestion if count else None


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance, stopping early once it exceeds 3 (we only use <= 2)."""
    if abs(len(a) - len(b)) > 3:
        return 4
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(
                min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb))
            )
        previous = current
    return previous[-1]
