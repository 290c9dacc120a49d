"""Mail choices on the account, and the one-click unsubscribe link of each mail."""

from django.urls import path

from portal.mail import views

app_name = "mail"

urlpatterns = [
    path("account/mail/", views.preferences_view, name="preferences"),
    path("mail/unsubscribe/<str:token>/", views.unsubscribe_view, name="unsubscribe"),
]
