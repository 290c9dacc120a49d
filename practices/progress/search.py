"""Progress records in the portal's search: their text, facets and access fields.

Every record is indexed, whatever its tier; `access.*` carries exactly what
`visibility.visible_records` decides on, in the terms of
`exchange.policy.search_filter`, so the query's filter trims hits, totals, facets,
highlights and suggestions. Below `highly_confidential` a record reaches its own
State, the States and partner groups it is shared with (named users do not widen it,
as in `visible_records`); at `highly_confidential` it reaches named users only. Every
hit is re-checked with `visible_records` and `can_view_record` before display.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator
from typing import Any, cast

from django.apps import apps
from django.db import models
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.urls import reverse

from exchange.policy import Viewer, public_principals
from portal.tiers import Tier
from practices.progress.visibility import (
    HIGHLY_CONFIDENTIAL,
    SharedRecord,
    can_view_record,
    visible_records,
)
from search.documents import PortalDocument, as_date, empty_fields, squash

KIND = "progress"
OBJECT_TYPE = "progress"
MAX_FALLBACK_CANDIDATES = 1000
SHARING = ("shared_with_states", "shared_with_groups", "shared_with_users")

# Record models in the index, by model name; their result type is their verbose name.
RECORD_MODELS = (
    "CommitmentStatus",
    "ActionContribution",
    "SelfAssessment",
    "PeerReviewMission",
    "Recommendation",
    "TrainingActivity",
    "CertificationScheme",
)


@functools.cache
def record_models() -> dict[str, type[SharedRecord]]:
    """Result type ("peer_review_mission") -> model."""
    found: dict[str, type[SharedRecord]] = {}
    for name in RECORD_MODELS:
        model = cast(type[SharedRecord], apps.get_model("progress", name))
        found[type_name(model)] = model
    return found


def type_name(model) -> str:
    return str(model._meta.verbose_name).replace(" ", "_")


def _queryset(model):
    queryset = model.objects.select_related("state").prefetch_related(*SHARING)
    if any(f.name == "mission" for f in model._meta.get_fields()):
        queryset = queryset.select_related("mission__state")
    return queryset.order_by("pk")


def record_principals(record) -> dict[str, Any]:
    """The access fields of `record`, matching `visibility.visible_records`."""
    if record.tier == Tier.PUBLIC:
        return public_principals()
    if record.tier == HIGHLY_CONFIDENTIAL:
        states: list[int] = []
        groups: list[int] = []
        users = sorted(u.pk for u in record.shared_with_users.all())
    else:
        states = sorted(
            {record.state_id} | {s.pk for s in record.shared_with_states.all()}
        )
        groups = sorted(g.pk for g in record.shared_with_groups.all())
        users = []  # below highly confidential, naming a person grants nothing
    return {
        "restricted": True,
        "tier": record.tier,
        "states": states,
        "groups": groups,
        "users": users,
        "revoked": False,
        "expires_at": None,
    }


# The field shown as a record's summary, the first one it has.
SUMMARY_FIELDS = ("text", "statement", "summary", "description", "scope")


def _texts(record) -> list[str]:
    """The record's own words: its editable text fields (choices as displayed),
    the summary's first."""
    names = list(type(record).editable_fields)
    main = [n for n in SUMMARY_FIELDS if n in names][:1]
    texts = []
    for name in main + [n for n in names if n not in main]:
        field = record._meta.get_field(name)
        if not isinstance(field, models.CharField | models.TextField):
            continue
        value = getattr(record, name)
        if field.choices:
            value = getattr(record, f"get_{name}_display")()
        if value:
            texts.append(squash(str(value)))
    return texts


# A record known by its year only (a training course, a mission, a scheme) is dated
# by that year, never by the day the row was last saved: a load of the demo would
# otherwise date every one of them alike.
YEAR_FIELDS = ("year", "established_year")
# Records that state a fact as of now (a commitment's status, a contribution) are
# dated by their last update, which is when that fact was stated.
CURRENT_TYPES = {"commitment_status", "action_contribution"}


def _when(record):
    for name in ("made_on", "conducted_on", "start_date", "date"):
        value = getattr(record, name, None)
        if value:
            return value
    if type_name(type(record)) in CURRENT_TYPES:
        return as_date(record.updated_at)
    return None


def _year(record, when) -> int | None:
    for name in YEAR_FIELDS:
        value = getattr(record, name, None)
        if value:
            return value
    return when.year if when else None


def _facets(record) -> dict[str, list[str]]:
    commitments: set[str] = set()
    code = getattr(record, "commitment", "") or ""
    if type_name(type(record)) == "recommendation":
        code = "3c"  # acting upon the recommendations of reviews
    if code:
        # As in the listings, the parent ("2") finds its sub-items ("2a").
        commitments |= {code, code[0]}
    action = getattr(record, "action", "") or ""
    return {"commitments": sorted(commitments), "actions": [action] if action else []}


@functools.cache
def _state_url_pattern() -> str:
    return reverse("progress:state", args=["XX"])


class ProgressRecordDocument(PortalDocument):
    """A progress record of any type, with its tier and sharing as access fields."""

    @classmethod
    def iter_all(cls, chunk_size: int = 500) -> Iterator[Any]:
        for model in record_models().values():
            yield from _queryset(model).iterator(chunk_size=chunk_size)

    @classmethod
    def count_all(cls) -> int:
        return sum(model._default_manager.count() for model in record_models().values())

    @classmethod
    def document_id(cls, obj) -> str:
        return f"{type_name(type(obj))}:{obj.pk}"

    @classmethod
    def load_many(cls, object_ids: list[str]) -> Iterable[Any]:
        wanted: dict[str, list[int]] = {}
        for object_id in object_ids:
            kind, _, pk = object_id.partition(":")
            if kind in record_models() and pk.isdigit():
                wanted.setdefault(kind, []).append(int(pk))
        for kind, pks in wanted.items():
            yield from _queryset(record_models()[kind]).filter(pk__in=pks)

    @classmethod
    def prepare(cls, record) -> dict[str, Any]:
        texts = _texts(record)
        when = _when(record)
        fields = empty_fields()
        fields.update(
            kind=KIND,
            pk=record.pk,
            type=type_name(type(record)),
            url=_state_url_pattern().replace("XX", record.state.iso_code),
            title=str(record),
            summary=texts[0] if texts else "",
            body="\n".join(texts[1:]),
            states=[record.state.name],
            date=when,
            year=_year(record, when),
            access=record_principals(record),
            **_facets(record),
        )
        return fields

    @classmethod
    def visible_keys(cls, viewer: Viewer, sources: list[dict]) -> set[tuple[str, int]]:
        """(type, pk) of the hits `viewer` may see now, per the database."""
        wanted: dict[str, set[int]] = {}
        for source in sources:
            wanted.setdefault(source.get("type", ""), set()).add(int(source["pk"]))
        visible: set[tuple[str, int]] = set()
        for kind, pks in wanted.items():
            model = record_models().get(kind)
            if model is None:
                continue
            candidates = visible_records(
                model._default_manager.filter(pk__in=pks), viewer
            )
            for record in candidates.prefetch_related(*SHARING):
                if can_view_record(viewer, record):
                    visible.add((kind, record.pk))
        return visible

    @classmethod
    def fallback_items(cls, viewer: Viewer, words: list[str]) -> list[dict[str, Any]]:
        """Records `viewer` may see whose text has every word (the database search)."""
        items = []
        for model in record_models().values():
            queryset = visible_records(_queryset(model), viewer)
            for record in queryset[:MAX_FALLBACK_CANDIDATES]:
                if not can_view_record(viewer, record):
                    continue
                item = cls.prepare(record)
                haystack = f"{item['title']} {item['summary']} {item['body']}".lower()
                if all(word in haystack for word in words):
                    items.append(item)
        return items


def _on_record_saved(sender, instance, **kwargs) -> None:
    from search.indexing import enqueue

    enqueue(OBJECT_TYPE, [ProgressRecordDocument.document_id(instance)])


def _on_sharing_changed(sender, instance, action, **kwargs) -> None:
    if action in {"post_add", "post_remove", "post_clear"} and type(instance) in set(
        record_models().values()
    ):
        _on_record_saved(sender, instance)


def register() -> None:
    """Index progress records and queue a re-index whenever one or its sharing
    changes (every writer, the actions and the admin alike, goes through these)."""
    from search.documents import IndexType, register_index_type

    register_index_type(
        IndexType("progress", ProgressRecordDocument, OBJECT_TYPE), kind=KIND
    )
    for model in record_models().values():
        uid = f"search-progress-{model._meta.model_name}"
        post_save.connect(_on_record_saved, sender=model, dispatch_uid=uid)
        post_delete.connect(_on_record_saved, sender=model, dispatch_uid=f"{uid}-del")
        for name in SHARING:
            m2m_changed.connect(
                _on_sharing_changed,
                sender=getattr(model, name).through,
                dispatch_uid=f"{uid}-{name}",
            )
