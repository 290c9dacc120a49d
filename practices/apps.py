"""The public content of the portal: States, good practices, guidance and events."""

from django.apps import AppConfig


class PracticesConfig(AppConfig):
    name = "practices"
    verbose_name = "Good practices"

    def ready(self):
        from practices import protection, signals

        protection.connect_signals()
        signals.connect_signals()
