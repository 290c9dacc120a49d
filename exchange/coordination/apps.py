"""The coordination app: connects the signals that push changes to open sockets."""

from django.apps import AppConfig


class CoordinationConfig(AppConfig):
    name = "exchange.coordination"
    label = "coordination"
    verbose_name = "Live coordination"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from exchange.coordination import signals

        signals.connect()
