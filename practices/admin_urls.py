"""Admin URLs the portal answers itself, ahead of Wagtail's own (see portal/urls.py)."""

from django.urls import path

from wagtail.admin.auth import require_admin_access
from wagtail.utils.urlpatterns import decorate_urlpatterns

from practices import admin_views

urlpatterns = decorate_urlpatterns(
    [
        path(
            "choose-page/",
            admin_views.BrowseView.as_view(),
        ),
        path(
            "choose-page/<int:parent_page_id>/",
            admin_views.BrowseView.as_view(),
        ),
        path("choose-page/search/", admin_views.SearchView.as_view()),
        path(
            "choose-page/chosen-multiple/",
            admin_views.ChosenMultipleView.as_view(),
        ),
        path(
            "tag-autocomplete/",
            admin_views.tag_autocomplete,
        ),
        path(
            "tag-autocomplete/<slug:app_name>/<slug:model_name>/",
            admin_views.tag_autocomplete,
        ),
        path(
            "reports/page-types-usage/",
            admin_views.PageTypesUsageReportView.as_view(),
        ),
        path(
            "reports/page-types-usage/results/",
            admin_views.PageTypesUsageReportView.as_view(results_only=True),
        ),
    ],
    require_admin_access,
)
