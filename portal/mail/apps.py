from django.apps import AppConfig


class MailConfig(AppConfig):
    name = "portal.mail"
    label = "portal_mail"
    verbose_name = "Mail"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from wagtail.models import WorkflowState
        from wagtail.signals import workflow_approved, workflow_rejected

        from portal.mail import receivers  # noqa: F401

        # The author hears of an approval or a rejection from the portal's queued
        # mail (receivers.py), which the person's choices govern and a mail server
        # outage does not lose; Wagtail's direct mail for the same would be a
        # second, unqueued copy.
        workflow_approved.disconnect(
            sender=WorkflowState,
            dispatch_uid="workflow_state_approved_email_notification",
        )
        workflow_rejected.disconnect(
            sender=WorkflowState,
            dispatch_uid="workflow_state_rejected_email_notification",
        )
