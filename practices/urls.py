"""Feeds, the sitemap and the read-only API of the public content."""

from django.urls import path

from wagtail.contrib.sitemaps.views import sitemap

from practices.api import api_router
from practices.feeds import GoodPracticesFeed

urlpatterns = [
    path("feeds/good-practices/", GoodPracticesFeed(), name="good_practices_feed"),
    path(
        "feeds/good-practices/<str:iso_code>/",
        GoodPracticesFeed(),
        name="state_good_practices_feed",
    ),
    path("sitemap.xml", sitemap, name="sitemap"),
    path("api/v2/", api_router.urls),
]
