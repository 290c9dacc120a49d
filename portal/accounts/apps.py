"""Accounts: email login, the State a user acts for, clearance and vetting."""

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "portal.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from portal.accounts import receivers  # noqa: F401
