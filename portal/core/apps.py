from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "portal.core"
    label = "core"

    def ready(self) -> None:
        from portal.core import admin_csp, page_cache

        admin_csp.install()
        page_cache.connect_invalidation()
