"""Signal receivers that queue re-indexing when pages or exchange documents change."""

from __future__ import annotations

import logging

from django.db.models.signals import post_delete, post_save, pre_delete

from wagtail.models import Page, PageViewRestriction
from wagtail.signals import page_published, page_unpublished, post_page_move

from search.indexing import enqueue

logger = logging.getLogger(__name__)


def _page_and_descendants(page) -> list[int]:
    return [page.pk, *Page.objects.descendant_of(page).values_list("pk", flat=True)]


def on_page_changed(sender, instance, **kwargs) -> None:
    enqueue("page", [instance.pk])


def on_page_deleted(sender, instance, **kwargs) -> None:
    if isinstance(instance, Page):
        enqueue("page", _page_and_descendants(instance))


def on_page_moved(sender, instance, **kwargs) -> None:
    enqueue("page", _page_and_descendants(instance))


def on_view_restriction_changed(sender, instance, **kwargs) -> None:
    # A restriction hides the page and everything below it; lifting it shows them.
    page = Page.objects.filter(pk=instance.page_id).first()
    if page is not None:
        enqueue("page", _page_and_descendants(page))


def on_document_changed(sender, document, **kwargs) -> None:
    enqueue("document", [document.pk])


def on_document_deleted(sender, instance, **kwargs) -> None:
    enqueue("document", [instance.pk])


def connect() -> None:
    page_published.connect(on_page_changed, dispatch_uid="search-page-published")
    page_unpublished.connect(on_page_changed, dispatch_uid="search-page-unpublished")
    post_page_move.connect(on_page_moved, dispatch_uid="search-page-moved")
    pre_delete.connect(on_page_deleted, dispatch_uid="search-page-deleted")
    post_save.connect(
        on_view_restriction_changed,
        sender=PageViewRestriction,
        dispatch_uid="search-restriction-saved",
    )
    post_delete.connect(
        on_view_restriction_changed,
        sender=PageViewRestriction,
        dispatch_uid="search-restriction-deleted",
    )
    try:
        from exchange.signals import document_changed
    except ImportError:
        logger.info("search: exchange signals not available yet")
    else:
        document_changed.connect(on_document_changed, dispatch_uid="search-document")
        from django.apps import apps

        post_delete.connect(
            on_document_deleted,
            sender=apps.get_model("exchange", "Document"),
            dispatch_uid="search-document-deleted",
        )
