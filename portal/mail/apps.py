from django.apps import AppConfig


class MailConfig(AppConfig):
    name = "portal.mail"
    label = "portal_mail"
    verbose_name = "Mail"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from portal.mail import receivers  # noqa: F401
