"""Wagtail API v2, read-only: live public pages, and the media they use.

An image or document is listed only when a live, public page uses it (and it is in
no private collection): the media of drafts and restricted pages, and media no page
uses yet, stay unlisted, as their files are refused (see
`practices.permissions.document_visible_to`).
"""

from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField
from django.db.models.functions import Cast

from wagtail.api.v2.router import WagtailAPIRouter
from wagtail.api.v2.views import PagesAPIViewSet
from wagtail.documents.api.v2.views import DocumentsAPIViewSet
from wagtail.images.api.v2.views import ImagesAPIViewSet
from wagtail.models import CollectionViewRestriction, Page, ReferenceIndex


def _public_collections_only(queryset):
    # A collection with a view restriction (and everything below it) is private.
    restricted_paths = CollectionViewRestriction.objects.values_list(
        "collection__path", flat=True
    )
    for path in restricted_paths:
        queryset = queryset.exclude(collection__path__startswith=path)
    return queryset


def _used_by_public_pages(queryset):
    # The reference index keeps object ids as text.
    public_pages = (
        Page.objects.live()
        .public()
        .annotate(id_text=Cast("pk", CharField()))
        .values("id_text")
    )
    used = ReferenceIndex.objects.filter(
        base_content_type=ContentType.objects.get_for_model(Page),
        object_id__in=public_pages,
        # Images and documents are not multi-table models: their own type is the base.
        to_content_type=ContentType.objects.get_for_model(queryset.model),
    ).values("to_object_id")
    return queryset.annotate(id_text=Cast("pk", CharField())).filter(id_text__in=used)


class PublicImagesAPIViewSet(ImagesAPIViewSet):
    def get_queryset(self):
        return _used_by_public_pages(_public_collections_only(super().get_queryset()))


class PublicDocumentsAPIViewSet(DocumentsAPIViewSet):
    def get_queryset(self):
        return _used_by_public_pages(_public_collections_only(super().get_queryset()))


# PagesAPIViewSet already serves live pages outside private sections only.
api_router = WagtailAPIRouter("wagtailapi")
api_router.register_endpoint("pages", PagesAPIViewSet)
api_router.register_endpoint("images", PublicImagesAPIViewSet)
api_router.register_endpoint("documents", PublicDocumentsAPIViewSet)
