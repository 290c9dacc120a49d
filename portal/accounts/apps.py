"""Accounts: email login, the State a user acts for, clearance and vetting."""

from django.apps import AppConfig

from wagtail.users.apps import WagtailUsersAppConfig


class AccountsConfig(AppConfig):
    name = "portal.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from portal.accounts import receivers  # noqa: F401


class PortalUsersConfig(WagtailUsersAppConfig):
    """Wagtail's user admin, with the user editor of `portal.accounts.wagtail_hooks`."""

    user_viewset = "portal.accounts.wagtail_hooks.UserViewSet"
