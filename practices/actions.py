"""Named writes of the public site: structure, State pages, moderation set-up.

Each action is idempotent so the demo loader and deployments can run it again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import Group, Permission
from django.db import transaction

from wagtail.models import (
    GroupApprovalTask,
    GroupPagePermission,
    Page,
    Workflow,
    WorkflowPage,
    WorkflowTask,
)

from portal.accounts.roles import Role
from portal.audit.actions import record
from portal.states.models import State
from practices.models import (
    EventIndexPage,
    GoodPracticeIndexPage,
    GuidanceIndexPage,
    HomePage,
    StatePage,
    StatesIndexPage,
)
from practices.permissions import access_admin_permission, ensure_state_editing

WORKFLOW_NAME = "Secretariat moderation"
TASK_NAME = "Secretariat approval"
SECRETARIAT_PAGE_PERMISSIONS = ("add_page", "change_page", "publish_page")
TAXONOMY_MODELS = ("commitment", "additionalaction", "iaeadocument", "language")

# (page type, title, slug, intro) of each index under the home page.
INDEX_PAGES: list[tuple[Any, str, str, str]] = [
    (
        StatesIndexPage,
        "States",
        "states",
        "<p>The 35 States that subscribed to the joint statement, with what each "
        "has published.</p>",
    ),
    (
        GoodPracticeIndexPage,
        "Good practices",
        "good-practices",
        "<p>What the States did to meet their commitments. Filter by State, "
        "commitment, additional action, IAEA document, topic, language or year.</p>",
    ),
    (
        GuidanceIndexPage,
        "Guidance contributions",
        "guidance",
        "<p>What the States contributed to IAEA nuclear security guidance, and "
        "where each contribution stands.</p>",
    ),
    (
        EventIndexPage,
        "Events",
        "events",
        "<p>Seminars, workshops, table-top and field exercises where States share "
        "practice while respecting confidentiality.</p>",
    ),
]


@dataclass
class SiteStructure:
    states_index: StatesIndexPage
    good_practices_index: GoodPracticeIndexPage
    guidance_index: GuidanceIndexPage
    events_index: EventIndexPage
    state_pages_created: int


def _publish(page: Page) -> None:
    page.save_revision().publish()


@transaction.atomic
def ensure_site_structure(home: HomePage, *, iso_codes=None) -> SiteStructure:
    """The indexes under the home page, a page per subscribing State, moderation.

    `iso_codes` limits the State pages to some States (the tests need only a few).
    """
    indexes = {}
    for model, title, slug, intro in INDEX_PAGES:
        page = model.objects.child_of(home).first()
        if page is None:
            page = home.add_child(instance=model(title=title, slug=slug, intro=intro))
            _publish(page)
        indexes[model] = page
    states_index = indexes[StatesIndexPage]
    created = 0
    states = State.objects.filter(is_subscriber=True)
    if iso_codes is not None:
        states = states.filter(iso_code__in=iso_codes)
    for state in states:
        _, was_created = create_state_page(state, states_index=states_index)
        created += was_created
    ensure_moderation_workflow(states_index)
    return SiteStructure(
        states_index=states_index,
        good_practices_index=indexes[GoodPracticeIndexPage],
        guidance_index=indexes[GuidanceIndexPage],
        events_index=indexes[EventIndexPage],
        state_pages_created=created,
    )


@transaction.atomic
def create_state_page(
    state: State, *, states_index: StatesIndexPage, by=None
) -> tuple[StatePage, bool]:
    """The State's profile page with its editors' group and collection."""
    page = StatePage.objects.filter(state=state).first()
    created = page is None
    if created:
        page = states_index.add_child(
            instance=StatePage(
                title=state.name,
                slug=state.iso_code.lower(),
                state=state,
            )
        )
        _publish(page)
        record("practices.create_state_page", actor=by, target=page)
    ensure_state_editing(page)
    return page, created


@transaction.atomic
def ensure_moderation_workflow(states_index: StatesIndexPage) -> Workflow:
    """Every State page and its content goes through the secretariat's approval."""
    secretariat, _ = Group.objects.get_or_create(name=Role.SECRETARIAT)
    secretariat.permissions.add(access_admin_permission())
    for codename in SECRETARIAT_PAGE_PERMISSIONS:
        GroupPagePermission.objects.get_or_create(
            group=secretariat,
            page=states_index.page_ptr,
            permission=Permission.objects.get(
                content_type__app_label="wagtailcore", codename=codename
            ),
        )
    # The secretariat manages the taxonomy snippets.
    secretariat.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="practices",
            content_type__model__in=TAXONOMY_MODELS,
        )
    )
    task = GroupApprovalTask.objects.filter(name=TASK_NAME).first()
    if task is None:
        task = GroupApprovalTask.objects.create(name=TASK_NAME)
    task.groups.add(secretariat)
    workflow, _ = Workflow.objects.get_or_create(name=WORKFLOW_NAME)
    WorkflowTask.objects.get_or_create(
        workflow=workflow, task=task.task_ptr, defaults={"sort_order": 0}
    )
    WorkflowPage.objects.update_or_create(
        page=states_index.page_ptr, defaults={"workflow": workflow}
    )
    return workflow
