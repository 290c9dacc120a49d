"""Search parameters from a request, and the result shapes both backends return."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from typing import Any

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

MAX_QUERY_CHARS = 1000
MAX_SUGGEST_CHARS = 100
PER_PAGE = 10
# Elasticsearch answers at most 10,000 hits deep (index.max_result_window).
MAX_RESULT_WINDOW = 10_000


@dataclass(frozen=True)
class Facet:
    """One facet: counted beside the results and chosen as a filter (`?name=value`)."""

    name: str
    label: str
    field: str  # the indexed field it counts and filters on
    page_list: bool = False  # a list a page gives in `search_facets()`


# The one list of facets, in the order they are shown.
FACETS = (
    Facet("type", "Type", "type"),
    Facet("states", "State", "states", page_list=True),
    Facet("commitments", "Commitment", "commitments", page_list=True),
    Facet("actions", "Additional action", "actions", page_list=True),
    Facet("iaea_documents", "IAEA document", "iaea_documents", page_list=True),
    Facet("topics", "Topic", "topics", page_list=True),
    Facet("language", "Language", "language"),
    Facet("year", "Year", "year"),
    Facet("tier", "Tier", "access.tier"),
)
FACET_LABELS = {facet.name: facet.label for facet in FACETS}
FACET_FIELDS = {facet.name: facet.field for facet in FACETS}
PAGE_LIST_FACETS = tuple(facet.name for facet in FACETS if facet.page_list)
SORTS = ("relevance", "date")
# Sorted by relevance, a hit's score is multiplied by the weight of its type: the
# portal's considered content (good practices, guidance, State pages) comes before
# the many short progress records that mention the same words. Types not listed
# (progress records, exchange documents) keep their score.
TYPE_WEIGHTS = {"good_practice": 3.0, "guidance": 3.0, "state": 2.5, "event": 1.5}
MAX_FILTER_VALUES = 20

# Private-use characters mark highlights inside Elasticsearch's fragments, so the
# fragment can be escaped as a whole before the marks become <mark> elements.
MARK_OPEN = "\ue000"
MARK_CLOSE = "\ue001"


@dataclass
class SearchParams:
    q: str = ""
    filters: dict[str, list[str]] = field(default_factory=dict)
    sort: str = "relevance"
    page: int = 1
    per_page: int = PER_PAGE

    @property
    def has_phrase(self) -> bool:
        return '"' in self.q

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page

    def as_query(self, **changes: Any) -> list[tuple[str, str]]:
        """The parameters as (name, value) pairs, for links that change one thing."""
        values: dict[str, Any] = {
            "q": self.q,
            "sort": self.sort,
            "page": self.page,
            **{name: list(v) for name, v in self.filters.items()},
        }
        values.update(changes)
        pairs: list[tuple[str, str]] = []
        for name, value in values.items():
            if isinstance(value, list):
                pairs.extend((name, str(v)) for v in value)
            elif value not in ("", None) and not (name == "page" and value == 1):
                if name == "sort" and value == "relevance":
                    continue
                pairs.append((name, str(value)))
        return pairs


def parse_params(data) -> tuple[SearchParams, list[str]]:
    """Read `data` (a QueryDict) into parameters; bad input becomes a message."""
    messages: list[str] = []
    q = " ".join((data.get("q") or "").split())
    if len(q) > MAX_QUERY_CHARS:
        q = q[:MAX_QUERY_CHARS]
        messages.append(
            f"Your search was longer than {MAX_QUERY_CHARS:,} characters; "
            f"only the first {MAX_QUERY_CHARS:,} were used."
        )
    filters: dict[str, list[str]] = {}
    for name in FACET_LABELS:
        values = [v.strip()[:200] for v in data.getlist(name) if v.strip()]
        if name == "year":
            values = [v for v in values if re.fullmatch(r"\d{4}", v)]
        if values:
            filters[name] = sorted(set(values))[:MAX_FILTER_VALUES]
    sort = data.get("sort") or "relevance"
    if sort not in SORTS:
        messages.append("Unknown sort order; results are sorted by relevance.")
        sort = "relevance"
    page_text = (data.get("page") or "1").strip()
    try:
        page = int(page_text)
    except ValueError:
        page = 1
        messages.append("The page number was not a number; showing the first page.")
    if page < 1:
        page = 1
        messages.append("Page numbers start at 1; showing the first page.")
    return SearchParams(q=q, filters=filters, sort=sort, page=page), messages


@dataclass
class FacetValue:
    value: str
    count: int
    selected: bool
    label: str = ""  # in words, for people (search.labels); `value` is the code


@dataclass
class SearchHit:
    kind: str
    pk: int
    type: str
    title: str
    url: str
    summary: str = ""
    date: datetime.date | None = None
    year: int | None = None  # shown when a hit has a year but no day
    states: list[str] = field(default_factory=list)
    tier: str = "public"
    highlights: list[SafeString] = field(default_factory=list)
    title_html: SafeString | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "id": self.pk,
            "type": self.type,
            "title": self.title,
            "url": self.url,
            "summary": self.summary,
            "date": self.date.isoformat() if self.date else None,
            "year": self.year,
            "states": self.states,
            "tier": self.tier,
            "highlights": [str(h) for h in self.highlights],
        }


@dataclass
class SearchResults:
    params: SearchParams
    hits: list[SearchHit] = field(default_factory=list)
    total: int = 0
    facets: dict[str, list[FacetValue]] = field(default_factory=dict)
    suggestion: str | None = None
    messages: list[str] = field(default_factory=list)
    backend: str = "elasticsearch"
    degraded: bool = False
    searched: bool = False

    @property
    def pages(self) -> int:
        window = min(self.total, MAX_RESULT_WINDOW)
        return max(1, -(-window // self.params.per_page))

    def as_json(self) -> dict[str, Any]:
        return {
            "query": self.params.q,
            "page": self.params.page,
            "pages": self.pages,
            "per_page": self.params.per_page,
            "sort": self.params.sort,
            "filters": self.params.filters,
            "total": self.total,
            "results": [hit.as_json() for hit in self.hits],
            "facets": {
                name: [
                    {"value": v.value, "label": v.label or v.value, "count": v.count}
                    for v in values
                ]
                for name, values in self.facets.items()
            },
            "did_you_mean": self.suggestion,
            "messages": self.messages,
            "backend": self.backend,
            "degraded": self.degraded,
        }


def render_highlight(fragment: str) -> SafeString:
    """Escape a highlighted fragment entirely, then turn the marks into <mark>."""
    escaped = str(escape(fragment))
    return mark_safe(  # noqa: S308 (escaped above; only our own tags are added)
        escaped.replace(MARK_OPEN, "<mark>").replace(MARK_CLOSE, "</mark>")
    )


def strip_marks(text: str) -> str:
    return text.replace(MARK_OPEN, "").replace(MARK_CLOSE, "")


def highlight_words(text: str, words: list[str]) -> SafeString:
    """Mark `words` in `text` (the database fallback has no highlighter)."""
    if not words:
        return render_highlight(text)
    pattern = re.compile(
        "(" + "|".join(re.escape(w) for w in words if w) + ")", re.IGNORECASE
    )
    return render_highlight(pattern.sub(MARK_OPEN + r"\1" + MARK_CLOSE, text))


def query_words(q: str) -> list[str]:
    return [w for w in re.findall(r"\w+", q.lower()) if len(w) > 1][:20]
