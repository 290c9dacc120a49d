"""What the search index holds: explicit mappings, and how each model fills them.

Two indices (each behind an alias, see `search.indexing`): `pages` for public Wagtail
pages and `documents` for exchange documents. Both share one mapping so that a single
query, its facets and its highlights run over both at once.

Access fields live under `access.*`, exactly as `exchange.policy.document_principals`
names them; public material carries `access.restricted=false, access.tier=public`.
An item without access fields matches no filter at all: it fails closed.

Pages are indexed generically: any live, public page whose class is registered here
with `register_page_type`. A page type may implement
- `get_search_text() -> str`: the body text (otherwise its Wagtail `search_fields`);
- `get_search_summary() -> str`: the summary (otherwise `search_description`/`lead`);
- `search_facets() -> dict`: any of `states`, `commitments`, `actions`,
  `iaea_documents`, `topics` (lists of strings), `language` (str), `year` (int),
  `date` (date), `type` (str, overrides the registered type).
"""

from __future__ import annotations

import datetime
import functools
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db.models import prefetch_related_objects
from django.utils.html import strip_tags

from elasticsearch_dsl import (
    Boolean,
    Date,
    Document,
    Index,
    Integer,
    Keyword,
    Object,
    Text,
    analyzer,
    normalizer,
    token_filter,
)

from search.query import PAGE_LIST_FACETS

logger = logging.getLogger(__name__)

# Core analysis only: the portal must index on a bare Elasticsearch node.
lowercase_normalizer = normalizer("portal_lowercase", filter=["lowercase"])
shingle_analyzer = analyzer(
    "portal_shingles",
    tokenizer="standard",
    filter=[
        "lowercase",
        token_filter(
            "portal_shingle", "shingle", min_shingle_size=2, max_shingle_size=3
        ),
    ],
)

TEXT_FIELDS = ("title", "summary", "body", "file_text")
# Only these fields are read back from a hit: the body may be megabytes.
RESULT_SOURCE_FIELDS = [
    "kind",
    "type",
    "pk",
    "title",
    "summary",
    "url",
    "date",
    "year",
    "states",
    "language",
    "access.tier",
]


class PortalDocument(Document):
    """The fields every indexed item shares (an abstract base: no index of its own)."""

    kind = Keyword()  # "page" or "document": which database table to re-check
    pk = Integer()
    type = Keyword()
    url = Keyword(index=False)
    title = Text(
        analyzer="standard",
        index_prefixes={"min_chars": 1, "max_chars": 10},
        fields={
            "raw": Keyword(normalizer=lowercase_normalizer, ignore_above=256),
            "shingles": Text(analyzer=shingle_analyzer),
        },
    )
    summary = Text(analyzer="standard")
    body = Text(analyzer="standard")
    file_text = Text(analyzer="standard")
    states = Keyword(multi=True)
    commitments = Keyword(multi=True)
    actions = Keyword(multi=True)
    iaea_documents = Keyword(multi=True)
    topics = Keyword(multi=True)
    language = Keyword()
    year = Integer()
    date = Date()
    extraction_status = Keyword()
    extraction_reason = Keyword(index=False)
    access = Object(
        properties={
            "restricted": Boolean(),
            "tier": Keyword(),
            "states": Keyword(multi=True),
            "groups": Keyword(multi=True),
            "users": Keyword(multi=True),
            "revoked": Boolean(),
            "expires_at": Date(),
        }
    )

    # Other index types (e.g. progress records, see `register_index_type`) override
    # these three; pages and exchange documents use the defaults and their own checks
    # in `search.service` and `search.fallback`.
    @classmethod
    def document_id(cls, obj) -> str:
        """The Elasticsearch `_id` of `obj`, which is also its outbox object id."""
        return str(obj.pk)

    @classmethod
    def load_many(cls, object_ids: list[str]) -> Iterable[Any]:
        """The objects among `object_ids` that belong in the index."""
        return cls.queryset().filter(pk__in=object_ids)

    @classmethod
    def queryset(cls):
        raise NotImplementedError


def empty_fields() -> dict[str, Any]:
    return {
        "summary": "",
        "body": "",
        "file_text": "",
        "states": [],
        "commitments": [],
        "actions": [],
        "iaea_documents": [],
        "topics": [],
        "language": None,
        "year": None,
        "date": None,
        "extraction_status": None,
        "extraction_reason": None,
    }


# --- Pages ---

# Page model label ("app.Model") -> result type shown and faceted on.
PAGE_TYPES: dict[str, str] = {"practices.homepage": "page"}


def register_page_type(model_label: str, type_name: str) -> None:
    """Index the live public pages of `model_label` as results of type `type_name`."""
    PAGE_TYPES[model_label.lower()] = type_name


def registered_page_models() -> list[type]:
    models = []
    for label in PAGE_TYPES:
        try:
            models.append(apps.get_model(label))
        except LookupError:
            logger.warning("search: page type %s is not installed", label)
    return models


class PageDocument(PortalDocument):
    """A live, public Wagtail page of a registered type."""

    @classmethod
    def queryset(cls):
        """Every page that belongs in the index (the rebuild reads this)."""
        from wagtail.models import Page

        models = registered_page_models()
        if not models:
            return Page.objects.none()
        return Page.objects.live().public().type(*models).specific().order_by("pk")

    @classmethod
    def load(cls, pk: str):
        """The page `pk` if it belongs in the index, else None."""
        return cls.queryset().filter(pk=pk).first()

    @classmethod
    def prepare(cls, page) -> dict[str, Any]:
        from search.access import public_access

        label = page._meta.label_lower
        facets = _call(page, "search_facets") or {}
        date = facets.get("date") or page.last_published_at or page.first_published_at
        fields = empty_fields()
        fields.update(
            kind="page",
            pk=page.pk,
            type=facets.get("type") or PAGE_TYPES.get(label, "page"),
            url=_page_url(page),
            title=page.title,
            summary=cls.prepare_summary(page),
            body=cls.prepare_body(page),
            date=as_date(date),
            year=facets.get("year") or _year_of(as_date(date)),
            language=facets.get("language") or _page_language(page),
            access=public_access(),
        )
        for name in PAGE_LIST_FACETS:
            fields[name] = sorted({str(v) for v in facets.get(name) or ()})
        return fields

    @staticmethod
    def prepare_summary(page) -> str:
        summary = _call(page, "get_search_summary")
        if summary is None:
            summary = page.search_description or getattr(page, "lead", "") or ""
        return _plain(summary)

    @staticmethod
    def prepare_body(page) -> str:
        text = _call(page, "get_search_text")
        if text is not None:
            return _plain(text)
        parts = []
        for field in getattr(page, "search_fields", ()):
            name = getattr(field, "field_name", None)
            if not name or name in {"title", "search_description", "lead"}:
                continue
            if type(field).__name__ != "SearchField":
                continue
            value = getattr(page, name, None)
            if callable(value):
                value = value()
            if value:
                parts.append(_plain(value))
        return "\n".join(parts)


def with_search_prefetch(objects: list[Any]) -> list[Any]:
    """`objects` with each class's `search_prefetch_related` lookups prefetched.

    A page type names the relations its search methods read, so a rebuild reads
    them with one query per relation and chunk instead of one per page. It is
    applied per class because a mixed page queryset cannot prefetch a relation
    that only some of its types have.
    """
    by_class: dict[type, list[Any]] = {}
    for obj in objects:
        by_class.setdefault(type(obj), []).append(obj)
    for cls, group in by_class.items():
        lookups = getattr(cls, "search_prefetch_related", ())
        if lookups:
            prefetch_related_objects(group, *lookups)
    return objects


def _call(obj, method: str):
    function = getattr(obj, method, None)
    return function() if callable(function) else None


def _plain(value: Any) -> str:
    """Rich text (HTML) as plain text for indexing."""
    return squash(strip_tags(str(value)))


def squash(value: str | None) -> str:
    return " ".join((value or "").split())


def _page_url(page) -> str:
    try:
        return page.get_url() or page.url_path
    except Exception:  # a page outside any site still gets a usable path
        return page.url_path


def _page_language(page) -> str | None:
    locale = getattr(page, "locale", None)
    return getattr(locale, "language_code", None)


def _year_of(day: datetime.date | None) -> int | None:
    return day.year if day else None


def as_date(value) -> datetime.date | None:
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    return value


# --- Exchange documents ---


class ExchangeDocumentDocument(PortalDocument):
    """An exchange document (`exchange.Document`), with the text of its latest file.

    A highly confidential document carries its metadata only: `file_text` stays
    empty and `extraction_status` is "withheld" (`search.files`).
    """

    @classmethod
    def model(cls):
        return apps.get_model("exchange", "Document")

    @classmethod
    def queryset(cls):
        # Revoked and expired documents stay in the index: the policy filter hides
        # them (expiry against Elasticsearch's own clock), and indexing them keeps
        # the counts equal to the table.
        return (
            cls.model()
            .objects.select_related("originating_state")
            .prefetch_related(
                "shared_states", "shared_groups", "shared_users", "versions"
            )
            .order_by("pk")
        )

    @classmethod
    def load(cls, pk: str):
        return cls.queryset().filter(pk=pk).first()

    @classmethod
    def prepare(cls, document) -> dict[str, Any]:
        from exchange.policy import document_principals
        from search.files import document_file_text

        return cls.source(
            pk=document.pk,
            title=document.title,
            description=document.description,
            handling_note=document.handling_note,
            state_name=document.originating_state.name,
            created_at=document.created_at,
            last_shared_at=document.last_shared_at,
            extraction=document_file_text(document),
            access=document_principals(document),
        )

    @staticmethod
    def source(
        *,
        pk: int,
        title: str,
        description: str,
        handling_note: str,
        state_name: str,
        created_at: datetime.datetime | None,
        last_shared_at: datetime.datetime | None,
        extraction,
        access: dict[str, Any],
    ) -> dict[str, Any]:
        """The indexed fields of one document, from its plain facts."""
        fields = empty_fields()
        fields.update(
            kind="document",
            pk=pk,
            type="exchange_document",
            url=document_url(pk),
            title=title,
            # Plain text fields: only whitespace to tidy (strip_tags is slow).
            summary=squash(description),
            body=squash(handling_note),
            file_text=extraction.text if extraction else "",
            extraction_status=extraction.status if extraction else None,
            extraction_reason=extraction.reason if extraction else None,
            states=[state_name],
            date=as_date(last_shared_at or created_at),
            year=(last_shared_at or created_at).year if created_at else None,
            access=access,
        )
        return fields

    @classmethod
    def iter_sources(cls, chunk_size: int) -> Iterator[tuple[str, dict[str, Any]]]:
        """Every document's `_id` and source, equal to what `prepare` makes of it.

        The rebuild's path: each chunk is read with five queries into plain tuples
        (the rows, the three sharing tables, the versions, and the cached file
        texts) instead of model instances and prefetch caches, which cost four
        times the indexing itself; a sixth deletes any stored text of the chunk's
        highly confidential documents, which are indexed by their metadata only.
        """
        from exchange.policy import principals_of
        from search.files import (
            WITHHELD,
            forget_texts,
            is_metadata_only,
            version_text,
        )
        from search.models import ExtractedText

        model = cls.model()
        columns = (
            "pk",
            "title",
            "description",
            "handling_note",
            "tier",
            "originating_state_id",
            "originating_state__name",
            "created_at",
            "last_shared_at",
            "revoked",
            "expires_at",
        )
        last = 0
        while True:
            rows = list(
                model.objects.filter(pk__gt=last)
                .order_by("pk")
                .values_list(*columns)[:chunk_size]
            )
            if not rows:
                return
            # The chunk holds every document in its id range: related rows are
            # read by that range (a thousand-id IN list costs more to build).
            span = (rows[0][0], rows[-1][0])
            last = span[1]
            states, groups, users = (
                _shared_ids(model, name, span)
                for name in ("shared_states", "shared_groups", "shared_users")
            )
            latest: dict[int, Any] = {}
            versions = apps.get_model("exchange", "DocumentVersion").objects
            for version in versions.filter(
                document__gte=span[0], document__lte=span[1]
            ):
                known = latest.get(version.document_id)
                if known is None or version.number > known.number:
                    latest[version.document_id] = version
            by_tier = {row[0]: row[4] for row in rows}
            withheld = {pk for pk, tier in by_tier.items() if is_metadata_only(tier)}
            if withheld:
                forget_texts(
                    versions.filter(document__in=withheld).values_list("pk", flat=True)
                )
            cached = {
                text.version_id: text
                for text in ExtractedText.objects.filter(
                    version__in=[v.pk for d, v in latest.items() if d not in withheld]
                )
            }
            for pk, title, description, note, tier, state_id, state_name, *rest in rows:
                created_at, last_shared_at, revoked, expires_at = rest
                version = latest.get(pk)
                yield (
                    str(pk),
                    cls.source(
                        pk=pk,
                        title=title,
                        description=description,
                        handling_note=note,
                        state_name=state_name,
                        created_at=created_at,
                        last_shared_at=last_shared_at,
                        extraction=(
                            None
                            if version is None
                            else WITHHELD
                            if pk in withheld
                            else version_text(version, cached.get(version.pk))
                        ),
                        access=principals_of(
                            tier=tier,
                            originating_state_id=state_id,
                            state_ids=states.get(pk, ()),
                            group_ids=groups.get(pk, ()),
                            user_ids=users.get(pk, ()),
                            revoked=revoked,
                            expires_at=expires_at,
                        ),
                    ),
                )


def _shared_ids(model, relation: str, span: tuple[int, int]) -> dict[int, list[int]]:
    """Document id (within `span`) -> the ids it is shared with through `relation`."""
    field = model._meta.get_field(relation)
    source, target = field.m2m_field_name(), field.m2m_reverse_field_name()
    found: dict[int, list[int]] = {}
    pairs = field.remote_field.through.objects.filter(
        **{f"{source}__gte": span[0], f"{source}__lte": span[1]}
    )
    for document_id, other_id in pairs.values_list(f"{source}_id", f"{target}_id"):
        found.setdefault(document_id, []).append(other_id)
    return found


def document_url(pk: int) -> str:
    """The exchange's page of a document (a 404 for whoever may not see it)."""
    return _document_url_pattern().replace(_URL_PLACEHOLDER, str(pk))


_URL_PLACEHOLDER = "987654321"


@functools.cache
def _document_url_pattern() -> str:
    # Reversed once: a reverse() per document is a third of a rebuild's Python time.
    from django.urls import NoReverseMatch, reverse

    try:
        return reverse("exchange:detail", args=[int(_URL_PLACEHOLDER)])
    except NoReverseMatch:
        return f"/exchange/{_URL_PLACEHOLDER}/"


# --- The registry of index types ---


@dataclass(frozen=True)
class IndexType:
    """One index: its alias suffix, document class and the outbox's object type."""

    name: str
    document: type[PortalDocument]
    object_type: str

    def available(self) -> bool:
        if self.document is ExchangeDocumentDocument:
            try:
                apps.get_model("exchange", "Document")
            except LookupError:
                return False
        return True

    def iter_objects(self, chunk_size: int = 500) -> Iterator[Any]:
        iter_all = getattr(self.document, "iter_all", None)
        if iter_all is not None:
            yield from iter_all(chunk_size)
            return
        queryset = self.document.queryset()
        if queryset.query.low_mark or queryset.query.high_mark:
            yield from with_search_prefetch(list(queryset))
            return
        chunk: list[Any] = []
        for obj in queryset.iterator(chunk_size=chunk_size):
            chunk.append(obj)
            if len(chunk) >= chunk_size:
                yield from with_search_prefetch(chunk)
                chunk = []
        yield from with_search_prefetch(chunk)

    def iter_sources(self, chunk_size: int = 500) -> Iterator[tuple[str, dict]]:
        """Every object's `_id` and indexed source (the rebuild's input).

        A document class may read them in bulk itself (`iter_sources`); otherwise
        each object from `iter_objects` is prepared one by one.
        """
        iter_sources = getattr(self.document, "iter_sources", None)
        if iter_sources is not None:
            yield from iter_sources(chunk_size)
            return
        for obj in self.iter_objects(chunk_size):
            yield self.document.document_id(obj), self.document.prepare(obj)

    def count(self) -> int:
        count_all = getattr(self.document, "count_all", None)
        if count_all is not None:
            return count_all()
        return self.document.queryset().count()


INDEX_TYPES: dict[str, IndexType] = {
    "pages": IndexType("pages", PageDocument, "page"),
    "documents": IndexType("documents", ExchangeDocumentDocument, "document"),
}
BY_OBJECT_TYPE = {t.object_type: t for t in INDEX_TYPES.values()}
# Document classes of registered index types by their `kind`: they re-check hits
# (`visible_keys`) and answer the database fallback (`fallback_items`) themselves.
CHECKED_KINDS: dict[str, type[PortalDocument]] = {}


def register_index_type(index_type: IndexType, kind: str) -> None:
    """Index another kind of object, defined and access-checked by its own app.

    The document class provides `iter_all(chunk_size)` and `count_all()` (the
    rebuild's objects), `load_many(ids)`, `document_id(obj)`, `prepare(obj)` (with
    `kind`, `type` and `access` fields), `visible_keys(viewer, sources)` (the
    (type, pk) of the hits the viewer may see now, by the app's own policy) and
    `fallback_items(viewer, words)` (the database search, trimmed the same way).
    """
    INDEX_TYPES[index_type.name] = index_type
    BY_OBJECT_TYPE[index_type.object_type] = index_type
    CHECKED_KINDS[kind] = index_type.document


def active_index_types() -> Iterable[IndexType]:
    return [t for t in INDEX_TYPES.values() if t.available()]


def index_body(index_type: IndexType, *, language_analysis: bool) -> dict[str, Any]:
    """Settings and mappings of a new index of `index_type`."""
    index = Index("unused")
    # One replica as soon as the cluster has a second data node, none on one node:
    # Elasticsearch expands and shrinks the replicas with the cluster's size.
    index.settings(number_of_shards=1, auto_expand_replicas="0-1")
    index.document(index_type.document)
    body = index.to_dict()
    if language_analysis:
        # English stemming as an extra sub-field where the cluster has the analyser.
        properties = body["mappings"]["properties"]
        for name in TEXT_FIELDS:
            properties[name].setdefault("fields", {})["en"] = {
                "type": "text",
                "analyzer": "english",
            }
    return body
