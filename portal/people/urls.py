"""URLs of the people directory and a person's own entry in it."""

from django.urls import path

from portal.people import views

app_name = "people"

urlpatterns = [
    path("people/", views.directory, name="directory"),
    path("people/search.json", views.people_search, name="search"),
    path("account/directory-entry/", views.directory_entry, name="entry"),
]
