from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "exchange"
    verbose_name = "Restricted exchange"

    def ready(self) -> None:
        from exchange import checks  # noqa: F401 - registers the system checks
