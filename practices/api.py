"""Wagtail API v2, read-only: live public pages, media outside private collections."""

from wagtail.api.v2.router import WagtailAPIRouter
from wagtail.api.v2.views import PagesAPIViewSet
from wagtail.documents.api.v2.views import DocumentsAPIViewSet
from wagtail.images.api.v2.views import ImagesAPIViewSet
from wagtail.models import CollectionViewRestriction


def _public_collections_only(queryset):
    # A collection with a view restriction (and everything below it) is private.
    restricted_paths = CollectionViewRestriction.objects.values_list(
        "collection__path", flat=True
    )
    for path in restricted_paths:
        queryset = queryset.exclude(collection__path__startswith=path)
    return queryset


class PublicImagesAPIViewSet(ImagesAPIViewSet):
    def get_queryset(self):
        return _public_collections_only(super().get_queryset())


class PublicDocumentsAPIViewSet(DocumentsAPIViewSet):
    def get_queryset(self):
        return _public_collections_only(super().get_queryset())


# PagesAPIViewSet already serves live pages outside private sections only.
api_router = WagtailAPIRouter("wagtailapi")
api_router.register_endpoint("pages", PagesAPIViewSet)
api_router.register_endpoint("images", PublicImagesAPIViewSet)
api_router.register_endpoint("documents", PublicDocumentsAPIViewSet)
