"""Search URLs: /search/, /search/api/ and /search/suggest."""

from django.urls import path

from search import views

app_name = "search"

urlpatterns = [
    path("", views.search_page, name="page"),
    path("api/", views.search_api, name="api"),
    path("suggest", views.suggest, name="suggest"),
]
