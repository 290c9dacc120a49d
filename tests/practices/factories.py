"""Builders of public content through the real page tree and revisions."""

from __future__ import annotations

import datetime
import itertools

from django.contrib.auth.models import Group

from portal.accounts.guard import authorised
from portal.accounts.models import User
from portal.accounts.roles import Role
from portal.states.models import State
from practices.models import (
    AdditionalAction,
    Commitment,
    EventPage,
    GoodPracticePage,
    GuidanceContributionPage,
    IAEADocument,
    Language,
    StatePage,
)

_counter = itertools.count(1)


def state_page(iso_code: str) -> StatePage:
    return StatePage.objects.get(state__iso_code=iso_code)


def good_practice(
    iso_code: str,
    *,
    title: str | None = None,
    publish: bool = True,
    date: datetime.date = datetime.date(2022, 6, 1),
    language: str = "en",
    commitments=(),
    actions=(),
    documents=(),
    topics=(),
    other_states=(),
) -> GoodPracticePage:
    n = next(_counter)
    page = GoodPracticePage(
        title=title or f"Good practice {n}",
        slug=f"good-practice-{n}",
        summary=f"Summary of good practice {n}.",
        date=date,
        language=Language.objects.get(code=language),
        body=[("paragraph", f"<p>Body of practice {n}.</p>")],
    )
    page.commitments.set(Commitment.objects.filter(code__in=commitments))
    page.additional_actions.set(AdditionalAction.objects.filter(number__in=actions))
    page.iaea_documents.set(IAEADocument.objects.filter(slug__in=documents))
    page.other_states.set(State.objects.filter(iso_code__in=other_states))
    if topics:
        page.tags.add(*topics)
    if not publish:
        page.live = False
    state_page(iso_code).add_child(instance=page)
    revision = page.save_revision()
    if publish:
        revision.publish()
    return page


def draft_by(editor: User, iso_code: str, title: str) -> GoodPracticePage:
    """An unpublished good practice whose latest revision is `editor`'s."""
    page = good_practice(iso_code, title=title, publish=False)
    page.save_revision(user=editor)
    return page


def submitted_by(editor: User, iso_code: str, title: str) -> GoodPracticePage:
    """A draft of `editor`'s, sent to the secretariat's moderation."""
    from wagtail.models import Workflow

    page = draft_by(editor, iso_code, title)
    Workflow.objects.get(name="Secretariat moderation").start(page, editor)
    return page


def guidance(iso_code: str, *, document="nss-13", stage="proposed", publish=True):
    n = next(_counter)
    page = GuidanceContributionPage(
        title=f"Guidance contribution {n}",
        slug=f"guidance-{n}",
        summary="A contribution.",
        iaea_document=IAEADocument.objects.get(slug=document),
        stage=stage,
        date=datetime.date(2023, 1, 1),
        language=Language.objects.get(code="en"),
        live=publish,
    )
    state_page(iso_code).add_child(instance=page)
    revision = page.save_revision()
    if publish:
        revision.publish()
    return page


def event(iso_code: str, *, event_type="workshop", start=datetime.date(2024, 5, 1)):
    n = next(_counter)
    page = EventPage(
        title=f"Event {n}",
        slug=f"event-{n}",
        summary="An event.",
        event_type=event_type,
        start_date=start,
        location="Vienna, Austria",
        organisers="The regulator",
    )
    state_page(iso_code).add_child(instance=page)
    page.save_revision().publish()
    return page


def user_with_role(email: str, role: Role | None, iso_code: str | None = None) -> User:
    user = User.objects.create_user(
        email=email,
        password="correct horse battery staple",
        state=State.objects.get(iso_code=iso_code) if iso_code else None,
    )
    if role is not None:
        group, _ = Group.objects.get_or_create(name=role)
        with authorised():  # a fixture: the role's group, without State editing
            user.groups.add(group)
    return user
