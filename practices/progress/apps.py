"""The progress app: each State's implementation of the joint statement."""

from django.apps import AppConfig


class ProgressConfig(AppConfig):
    name = "practices.progress"
    label = "progress"
    verbose_name = "Progress"

    def ready(self):
        # Progress records join the portal's search under their own access rules.
        from practices.progress import search

        search.register()
