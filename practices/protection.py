"""Taxonomy terms that pages use cannot be deleted; the refusal names the pages.

Many-to-many links would otherwise vanish silently with the term, so deletion is
refused at the model level (a ProtectedError, as on_delete=PROTECT gives for
foreign keys) and, in the admin, with a message listing the pages.
"""

from __future__ import annotations

from django.db.models import ProtectedError, Q
from django.db.models.signals import pre_delete

from taggit.models import Tag

PROTECTED_TERMS = (
    "practices.Commitment",
    "practices.AdditionalAction",
    "practices.IAEADocument",
    "practices.Language",
)


def _content_page_models():
    from practices.models import EventPage, GoodPracticePage, GuidanceContributionPage

    return [GoodPracticePage, GuidanceContributionPage, EventPage]


def pages_using(term) -> list:
    """Every State content page (draft or live) that refers to `term`."""
    pages = []
    for model in _content_page_models():
        match = Q()
        for field in model._meta.get_fields():
            if (
                field.is_relation
                and not field.auto_created
                and field.related_model is type(term)
            ):
                match |= Q(**{field.name: term})
        if isinstance(term, Tag) and hasattr(model, "tags"):
            match |= Q(tags=term)
        if match:
            pages.extend(model.objects.filter(match).distinct().order_by("title"))
    return pages


def refusal_message(term, pages) -> str:
    titles = ", ".join(f'"{page.title}"' for page in pages[:10])
    more = f" and {len(pages) - 10} more" if len(pages) > 10 else ""
    return (
        f'"{term}" cannot be deleted: it is used by {len(pages)} '
        f"page{'s' if len(pages) != 1 else ''}: {titles}{more}. "
        "Remove it from these pages first."
    )


class ProtectedTermMixin:
    """Refuse before the deletion starts, so the caller's transaction stays usable.

    The pre_delete signal below is the backstop for bulk (queryset) deletes.
    """

    def delete(self, *args, **kwargs):
        pages = pages_using(self)
        if pages:
            raise ProtectedError(refusal_message(self, pages), set(pages))
        return super().delete(*args, **kwargs)


def refuse_deleting_used_term(sender, instance, **kwargs):
    pages = pages_using(instance)
    if pages:
        raise ProtectedError(refusal_message(instance, pages), set(pages))


def connect_signals() -> None:
    from django.apps import apps

    for label in PROTECTED_TERMS:
        pre_delete.connect(
            refuse_deleting_used_term,
            sender=apps.get_model(label),
            dispatch_uid=f"protect-{label}",
        )
    pre_delete.connect(
        refuse_deleting_used_term, sender=Tag, dispatch_uid="protect-tag"
    )
