"""URLs of sign-in, the account, two-factor, invitations and vetting."""

from django.conf import settings
from django.urls import path

from portal.accounts import views

app_name = "accounts"

urlpatterns = [
    path("accounts/login/", views.login_view, name="login"),
    path("accounts/logout/", views.logout_view, name="logout"),
    path("accounts/password-reset/", views.password_reset_view, name="password_reset"),
    path(
        "accounts/password-reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("account/password/", views.password_change_view, name="password_change"),
    path("my/", views.home_view, name="home"),
    path("account/", views.profile_view, name="profile"),
    path("account/time-zone/", views.time_zone_view, name="time_zone"),
    path(
        "account/sign-out-everywhere/",
        views.sign_out_everywhere_view,
        name="sign_out_everywhere",
    ),
    path("account/two-factor/verify/", views.verify_view, name="verify"),
    path(
        settings.STEP_UP_URL.strip("/") + "/",
        views.verify_view,
        {"step_up": True},
        name="step_up",
    ),
    path("account/two-factor/enrol/", views.enrol_view, name="enrol"),
    path(
        "account/two-factor/backup-codes/",
        views.backup_codes_view,
        name="backup_codes",
    ),
    path(
        "account/two-factor/backup-codes/new/",
        views.regenerate_backup_codes_view,
        name="regenerate_backup_codes",
    ),
    path("account/two-factor/remove/", views.remove_device_view, name="remove_device"),
    path("accounts/invitations/", views.invite_view, name="invite"),
    path(
        "accounts/invitations/<str:token>/",
        views.accept_invitation_view,
        name="accept_invitation",
    ),
    path("accounts/factor-resets/", views.factor_resets_view, name="factor_resets"),
    path("accounts/vetting/", views.vetting_list_view, name="vetting_list"),
    path("accounts/vetting/<int:pk>/", views.vetting_edit_view, name="vetting_edit"),
    path(
        "accounts/vetting/approvals/",
        views.vetting_approvals_view,
        name="vetting_approvals",
    ),
]
