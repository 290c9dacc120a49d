"""Wagtail's user admin app, with the user editor of `portal.accounts.wagtail_hooks`.

Kept out of `apps.py`: Django picks an app's configuration there only when it holds
a single one.
"""

from wagtail.users.apps import WagtailUsersAppConfig


class PortalUsersConfig(WagtailUsersAppConfig):
    user_viewset = "portal.accounts.wagtail_hooks.UserViewSet"
