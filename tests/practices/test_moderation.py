"""State editors submit; the secretariat approves or rejects with a comment."""

from __future__ import annotations

import datetime

from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from wagtail.models import Workflow
from wagtail.test.utils.form_data import inline_formset, nested_form_data, streamfield

import pytest

from portal.accounts.roles import Role
from portal.mail.queue import drain
from practices.models import GoodPracticePage, Language
from practices.permissions import grant_state_editing
from tests.practices import factories
from tests.smtp import text_of
from tests.support import login_verified

pytestmark = pytest.mark.django_db


def add_url(iso_code: str) -> str:
    parent = factories.state_page(iso_code)
    return reverse(
        "wagtailadmin_pages:add", args=("practices", "goodpracticepage", parent.pk)
    )


def practice_form(slug: str, action: str = "action-submit", **extra) -> dict:
    data = nested_form_data(
        {
            "title": f"Practice {slug}",
            "slug": slug,
            "summary": "What was done, in short.",
            "date": "2024-02-01",
            "language": Language.objects.get(code="en").pk,
            "body": streamfield([]),
            "tags": "",
            "comments": inline_formset([]),
            **extra,
        }
    )
    data[action] = "1"
    return data


@pytest.fixture
def editor(site):
    user = factories.user_with_role("editor@nl.example", Role.STATE_EDITOR, "NL")
    grant_state_editing(user)
    return user


@pytest.fixture
def secretariat(site):
    return factories.user_with_role("moderator@secretariat.example", Role.SECRETARIAT)


def submit_practice(client, editor, slug: str) -> GoodPracticePage:
    login_verified(client, editor)
    response = client.post(add_url("NL"), practice_form(slug))
    assert response.status_code == 302, response.content.decode()[:2000]
    page = GoodPracticePage.objects.get(slug=slug)
    return page


def act(client, page, action: str, comment: str):
    task_state = page.current_workflow_task_state
    url = reverse(
        "wagtailadmin_pages:workflow_action", args=(page.pk, action, task_state.pk)
    )
    response = client.post(url, {"comment": comment})
    assert response.status_code == 302
    task_state.refresh_from_db()
    return task_state


def test_the_states_index_carries_the_secretariat_workflow(site):
    workflow = site.states_index.get_workflow()
    assert workflow == Workflow.objects.get(name="Secretariat moderation")
    task = workflow.tasks.get().specific
    assert list(task.groups.values_list("name", flat=True)) == [Role.SECRETARIAT]
    # Content under any State page is covered by the same workflow.
    assert factories.state_page("FI").get_workflow() == workflow


def test_submitted_practice_is_not_public_until_approved(client, editor, secretariat):
    page = submit_practice(client, editor, "dutch-practice")
    assert not page.live
    assert page.workflow_in_progress
    assert client.get("/good-practices/").content.decode().count("card-title") == 0
    client.logout()
    assert client.get(page.url).status_code == 404

    login_verified(client, secretariat)
    task_state = act(client, page, "approve", "Clear and useful, thank you.")
    assert task_state.status == "approved"
    assert task_state.comment == "Clear and useful, thank you."
    page.refresh_from_db()
    assert page.live
    client.logout()
    assert client.get(page.url).status_code == 200
    assert "Practice dutch-practice" in client.get("/good-practices/").content.decode()


def test_rejected_practice_stays_unpublished_with_the_comment(
    client, editor, secretariat
):
    page = submit_practice(client, editor, "needs-work")
    login_verified(client, secretariat)
    task_state = act(client, page, "reject", "Please remove the site layout.")
    assert task_state.status == "rejected"
    assert task_state.comment == "Please remove the site layout."
    page.refresh_from_db()
    assert not page.live
    client.logout()
    assert client.get(page.url).status_code == 404


def test_editor_cannot_publish_directly(client, editor):
    login_verified(client, editor)
    client.post(add_url("NL"), practice_form("try-publish", action="action-publish"))
    page = GoodPracticePage.objects.filter(slug="try-publish").first()
    assert page is None or not page.live
    assert not GoodPracticePage.objects.live().exists()


def test_scheduled_publication_waits_for_its_time(
    client, editor, secretariat, time_machine
):
    time_machine.move_to(timezone.now(), tick=True)
    page = submit_practice(client, editor, "scheduled")
    # The schedule is set on the revision the secretariat approves.
    page.go_live_at = timezone.now() + datetime.timedelta(days=1)
    revision = page.save_revision(user=editor)
    page.current_workflow_state.cancel(user=editor)
    Workflow.objects.get(name="Secretariat moderation").start(page, editor)
    page.refresh_from_db()
    login_verified(client, secretariat)
    act(client, page, "approve", "Publish on the agreed date.")
    page.refresh_from_db()
    assert not page.live
    revision.refresh_from_db()
    assert page.scheduled_revision is not None

    call_command("publish_scheduled", verbosity=0)
    page.refresh_from_db()
    assert not page.live  # not yet time

    time_machine.shift(datetime.timedelta(days=1, minutes=1))
    call_command("publish_scheduled", verbosity=0)
    page.refresh_from_db()
    assert page.live


# --- Mail to the author (public pages: the mail may name them) ---------------------


def test_the_author_hears_that_the_page_was_approved(
    client, editor, secretariat, smtp_server
):
    page = submit_practice(client, editor, "approved-practice")
    login_verified(client, secretariat)
    act(client, page, "approve", "Clear and useful.")
    drain()
    mails = [m for m in smtp_server.messages if m["To"] == editor.email]
    assert len(mails) == 1, [(m["Subject"], m["From"]) for m in mails]
    (mail,) = mails
    assert mail["Subject"].startswith("Your page “Practice approved-practice” was")
    page.refresh_from_db()
    assert f"http://127.0.0.1:8000{page.url}" in text_of(mail)
    assert mail["List-Unsubscribe"]


def test_the_author_hears_that_the_page_needs_changes_with_the_comment(
    client, editor, secretariat, smtp_server
):
    page = submit_practice(client, editor, "rejected-practice")
    login_verified(client, secretariat)
    act(client, page, "reject", "Please remove the site layout.")
    drain()
    (mail,) = [m for m in smtp_server.messages if m["To"] == editor.email]
    assert "needs changes" in mail["Subject"]
    body = text_of(mail)
    assert "The reviewer's comment:\r\nPlease remove the site layout." in body
    assert f"/admin/pages/{page.pk}/edit/" in body
    # Only the author hears of the decision.
    assert [m["To"] for m in smtp_server.messages if "changes" in m["Subject"]] == [
        editor.email
    ]
