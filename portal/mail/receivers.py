"""Mail for the moderation of public pages: Wagtail's workflow signals."""

from __future__ import annotations

from django.dispatch import receiver
from django.urls import reverse

from wagtail.models import Page
from wagtail.signals import task_rejected, workflow_approved

from portal.mail.kinds import Kind
from portal.mail.messages import Notice
from portal.mail.queue import deliver


def _page(workflow_state) -> Page | None:
    content = workflow_state.content_object
    return content if isinstance(content, Page) else None


@receiver(workflow_approved, dispatch_uid="portal_mail_page_approved")
def mail_page_approved(sender, instance, user=None, **kwargs) -> None:
    page = _page(instance)
    author = instance.requested_by
    if page is None or author is None or author == user:
        return
    page = page.specific_deferred
    link = page.get_url() or reverse("wagtailadmin_pages:edit", args=[page.pk])
    deliver(author, Notice(Kind.PAGE_APPROVED, link=link, page_title=page.title))


@receiver(task_rejected, dispatch_uid="portal_mail_page_rejected")
def mail_page_rejected(sender, instance, user=None, **kwargs) -> None:
    workflow_state = instance.workflow_state
    page = _page(workflow_state)
    author = workflow_state.requested_by
    if page is None or author is None or author == user:
        return
    deliver(
        author,
        Notice(
            Kind.PAGE_REJECTED,
            link=reverse("wagtailadmin_pages:edit", args=[page.pk]),
            page_title=page.title,
            comment=instance.comment or "",
        ),
    )
