"""Admin views that show other States' drafts and restricted pages to nobody.

Wagtail's own page chooser, page types report and tag autocomplete list every page
or tag; these replace them (at the same URLs, see `practices.admin_urls`) with the
same views narrowed to what `pages_visible_in_admin` lets the person see.
"""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, F, OuterRef, Q, Subquery
from django.http import Http404, JsonResponse
from django.urls import reverse

from wagtail.admin.views import chooser
from wagtail.admin.views.reports import page_types_usage
from wagtail.admin.views.tags import TAGS_AUTOCOMPLETE_LIMIT
from wagtail.models import Page

from taggit.models import Tag

from practices.permissions import (
    pages_visible_in_admin,
    pages_workable_in_admin,
    tags_visible_in_admin,
)


class LiveTitles:
    """Shows a page the person may not work on by its live title, not by the title
    of an unpublished edit (Wagtail's admin shows `draft_title`)."""

    def __init__(self, user):
        self.everything = user.is_superuser
        self.workable = set() if self.everything else set(pages_workable_in_admin(user))

    def apply(self, page):
        if page is not None and not self.everything and page.pk not in self.workable:
            page.draft_title = page.title
        return page


class LiveTitleColumn(chooser.PageTitleColumn):
    def __init__(self, *args, live_titles: LiveTitles, **kwargs):
        super().__init__(*args, **kwargs)
        self.live_titles = live_titles

    def get_value(self, instance):
        return super().get_value(self.live_titles.apply(instance))


class LiveTitlesMixin:
    """For the chooser's views: their title column shows live titles."""

    @property
    def columns(self):
        live_titles = LiveTitles(self.request.user)
        return [
            LiveTitleColumn(
                column.name,
                label=column.label,
                is_multiple_choice=column.is_multiple_choice,
                live_titles=live_titles,
            )
            if isinstance(column, chooser.PageTitleColumn)
            else column
            for column in super().columns
        ]


def tag_autocomplete(request, app_name=None, model_name=None):
    """Wagtail's tag suggestions, from the tags of content the person may see."""
    if app_name and model_name:
        try:
            content_type = ContentType.objects.get_by_natural_key(app_name, model_name)
        except ContentType.DoesNotExist as e:
            raise Http404 from e
        # The portal tags with taggit's own model only.
        if content_type.model_class() is not Tag:
            raise Http404
    term = request.GET.get("term", "")
    tags = []
    if term:
        tags = list(
            tags_visible_in_admin(request.user)
            .filter(name__istartswith=term)
            .order_by("name")
            .values_list("name", flat=True)[:TAGS_AUTOCOMPLETE_LIMIT]
        )
    return JsonResponse(tags, safe=False)


class BrowseView(LiveTitlesMixin, chooser.BrowseView):
    """The page chooser's browser, refusing to open a page the person may not see.

    Its children are narrowed by the `construct_page_chooser_queryset` hook; the
    page being browsed is shown by title too, so it is checked here. Without a
    page given, Wagtail opens the common ancestor of the wanted page type, which
    may be a draft: the nearest visible ancestor is opened instead.
    """

    def get_object_list(self):
        visible = pages_visible_in_admin(self.request.user)
        if not visible.filter(pk=self.parent_page.pk).exists():
            if self.kwargs.get("parent_page_id"):
                raise Http404
            self.parent_page = (
                visible.filter(pk__in=self.parent_page.get_ancestors().values("pk"))
                .order_by("-depth")
                .first()
                .specific
            )
        LiveTitles(self.request.user).apply(self.parent_page)
        return super().get_object_list()


class SearchView(LiveTitlesMixin, chooser.SearchView):
    """The chooser's search: narrowed by the hook, with live titles."""


class ChosenMultipleView(chooser.ChosenMultipleView):
    """What the chooser returns for pages picked by id: visible pages only."""

    def get(self, request):
        visible = pages_visible_in_admin(request.user).values("pk")
        live_titles = LiveTitles(request.user)
        ids = [pk for pk in request.GET.getlist("id") if pk.isdigit()]
        pages = Page.objects.filter(pk__in=ids).filter(pk__in=visible)
        result = [
            {
                "id": page.pk,
                "parentId": page.get_parent().pk,
                "adminTitle": live_titles.apply(page).get_admin_display_title(),
                "editUrl": reverse("wagtailadmin_pages:edit", args=(page.pk,)),
                "url": page.url,
            }
            for page in pages.specific()
        ]
        return self.render_chosen_response(result)


class PageTypesUsageReportView(page_types_usage.PageTypesUsageReportView):
    """Counts and the last edited page of each type, among visible pages only."""

    def decorate_paginated_queryset(self, page_types):
        page_types = super().decorate_paginated_queryset(page_types)
        live_titles = LiveTitles(self.request.user)
        for item in page_types:
            live_titles.apply(item.last_edited_page)
        return page_types

    def get_queryset(self):
        queryset = ContentType.objects.filter(model__in=self.page_models)
        page_content_type = ContentType.objects.get_for_model(Page)
        if not Page.objects.filter(
            depth__gt=1, content_type=page_content_type
        ).exists():
            queryset = queryset.exclude(id=page_content_type.id)
        self.queryset = queryset
        queryset = self.filter_queryset(queryset)

        visible = pages_visible_in_admin(self.request.user).values("pk")
        latest = {"pk__in": visible}
        counted = Q(pages__pk__in=visible)
        language_code = self.filters.form.cleaned_data.get("page_locale", None)
        site_root_path = self.filters.form.cleaned_data.get("site", None)
        if language_code:
            latest["locale__language_code"] = language_code
            counted &= Q(pages__locale__language_code=language_code)
        if site_root_path:
            latest["path__startswith"] = site_root_path
            counted &= Q(pages__path__startswith=site_root_path)
        last_edited = Page.objects.filter(
            content_type=OuterRef("pk"), **latest
        ).order_by(
            F("latest_revision_created_at").desc(nulls_last=True), "title", "-pk"
        )
        return queryset.annotate(
            count=Count("pages", filter=counted),
            last_edited_page_id=Subquery(last_edited.values("pk")[:1]),
        ).order_by("-count", "app_label", "model")


class VisibleItemsBulkActionMixin:
    """Wagtail's bulk actions list the items picked by id that the person may not
    act on, by title; only pages they may see are listed now, and no such image
    or document (they are another State's). Nothing left to list is a 404."""

    def get_actionable_objects(self):
        objects, extra = super().get_actionable_objects()
        refused = extra["items_with_no_access"]
        if issubclass(self.model, Page):
            visible = set(
                pages_visible_in_admin(self.request.user)
                .filter(pk__in=[item.pk for item in refused])
                .values_list("pk", flat=True)
            )
            live_titles = LiveTitles(self.request.user)
            refused = [
                live_titles.apply(item) for item in refused if item.pk in visible
            ]
        else:
            refused = []
        if not objects and not refused:
            raise Http404
        extra["items_with_no_access"] = refused
        return objects, extra


def visible_items_bulk_actions():
    """Each of Wagtail's page, image and document bulk actions, narrowed."""
    from wagtail.admin.views.pages import bulk_actions as page_actions
    from wagtail.documents.views import bulk_actions as document_actions
    from wagtail.images.views import bulk_actions as image_actions

    for module in (page_actions, image_actions, document_actions):
        for name in module.__all__:
            action = getattr(module, name)
            yield type(name, (VisibleItemsBulkActionMixin, action), {})
