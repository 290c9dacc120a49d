"""The search app: Elasticsearch indexing and querying, with a database fallback."""

from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "search"
    label = "portal_search"
    verbose_name = "Search"

    def ready(self) -> None:
        from search import signals

        signals.connect()
