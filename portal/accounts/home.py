"""What each role's home (`/my/`) lists: the person's work, each item with its link.

Only what the person's roles and the exchange policy allow is read: the expert's
documents and rooms come from `exchange.policy`'s querysets, the moderation queue
from Wagtail's own "who may review this task", the audit facts only for the
security officer. Every list is bounded (`LIMIT`).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils import dateformat, timezone

from exchange import policy
from portal.accounts.roles import Role, roles_of
from portal.accounts.vetting import REMINDER_DAYS

if TYPE_CHECKING:
    from wagtail.models import WorkflowState

    from portal.accounts.decorators import SignedInRequest
    from portal.accounts.models import User

LIMIT = 10
# Without a previous sign-in, "new to you" means shared within this many days.
FIRST_VISIT_DAYS = 30


@dataclass
class Item:
    label: str
    url: str
    detail: str = ""
    when: datetime.datetime | datetime.date | None = None

    @property
    def timed(self) -> bool:
        return isinstance(self.when, datetime.datetime)


@dataclass
class Section:
    """One panel of the home: a heading, its items, and where the whole work is."""

    key: str
    title: str
    items: list[Item] = field(default_factory=list)
    empty: str = ""
    more_url: str = ""
    more_label: str = ""
    facts: list[tuple[str, str]] = field(default_factory=list)
    note: str = ""


def day(value: datetime.date) -> str:
    """A date as the portal writes it: "2 December 2026"."""
    return dateformat.format(value, "j F Y")


def moment(value: datetime.datetime) -> str:
    """A time as the portal writes it, in the current time zone, named."""
    return dateformat.format(timezone.localtime(value), "j F Y, H:i T")


def previous_sign_in(user: User) -> datetime.datetime | None:
    """When `user` signed in before the current session: the audit trail's
    second latest successful sign-in (the latest is this session's)."""
    from portal.audit.models import AuditEvent, Outcome

    times = list(
        AuditEvent.objects.filter(
            action="auth.login", actor=user, outcome=Outcome.SUCCESS
        )
        .order_by("-sequence")
        .values_list("occurred_at", flat=True)[:2]
    )
    return times[1] if len(times) == 2 else None


def _admin_edit_url(object_id: str) -> str:
    return reverse("wagtailadmin_pages:edit", args=[int(object_id)])


def editor_sections(user: User) -> list[Section]:
    from wagtail.models import Page, WorkflowState

    active = WorkflowState.objects.active().filter(requested_by=user)
    in_review = active.filter(status=WorkflowState.STATUS_IN_PROGRESS)
    needs_changes = active.filter(status=WorkflowState.STATUS_NEEDS_CHANGES)
    moderated_ids = [
        int(pk)
        for pk in WorkflowState.objects.active().values_list("object_id", flat=True)
        if pk.isdigit()
    ]
    drafts = (
        Page.objects.filter(latest_revision__user=user, has_unpublished_changes=True)
        .exclude(pk__in=moderated_ids)
        .select_related("latest_revision")
        .order_by("-latest_revision__created_at")[:LIMIT]
    )

    def workflow_items(states: QuerySet[WorkflowState]) -> list[Item]:
        return [
            Item(
                state.current_task_state.revision.object_str
                if state.current_task_state and state.current_task_state.revision
                else str(state.content_object),
                _admin_edit_url(state.object_id),
                detail=str(state.current_task_state.task)
                if state.current_task_state
                else "",
                when=state.created_at,
            )
            for state in states.select_related(
                "current_task_state__revision", "current_task_state__task"
            ).order_by("-created_at")[:LIMIT]
        ]

    return [
        Section(
            "drafts",
            "Your drafts",
            [
                Item(
                    page.title,
                    _admin_edit_url(str(page.pk)),
                    detail="Not yet published"
                    if not page.live
                    else "Unpublished changes",
                    when=page.latest_revision.created_at,
                )
                for page in drafts
            ],
            empty="You have no drafts waiting to be submitted.",
            more_url=reverse("wagtailadmin_home"),
            more_label="Edit pages in the admin",
        ),
        Section(
            "in_moderation",
            "Awaiting moderation",
            workflow_items(in_review),
            empty="Nothing of yours is waiting for the secretariat.",
        ),
        Section(
            "changes_requested",
            "Changes requested",
            workflow_items(needs_changes),
            empty="No page of yours has been sent back for changes.",
        ),
    ]


def progress_section(user: User) -> Section:
    return Section(
        "progress",
        "Progress of your State",
        empty="Record and update your State's progress on its commitments.",
        more_url=reverse("progress:manage"),
        more_label="Manage progress records",
    )


def focal_point_section(user: User) -> Section:
    pending = user.invitations_sent.filter(
        accepted_at__isnull=True, expires_at__gt=timezone.now()
    ).order_by("-created_at")[:LIMIT]
    return Section(
        "invitations",
        "Invitations you sent",
        [
            Item(
                invitation.email,
                reverse("accounts:invite"),
                detail="Not yet accepted",
                when=invitation.expires_at,
            )
            for invitation in pending
        ],
        empty="No invitation is waiting to be accepted.",
        more_url=reverse("accounts:invite"),
        more_label="Invite experts of your State",
    )


def secretariat_sections(user: User) -> list[Section]:
    from wagtail.models import TaskState

    from portal.accounts.actions import experts, pending_factor_resets

    queue = (
        TaskState.objects.reviewable_by(user)
        .select_related("workflow_state", "revision", "task")
        .order_by("started_at")[:LIMIT]
    )
    today = timezone.localdate()
    horizon = today + datetime.timedelta(days=REMINDER_DAYS)
    due = (
        experts()
        .filter(Q(vetted_until__isnull=True) | Q(vetted_until__lte=horizon))
        .order_by("vetted_until", "email")[:LIMIT]
    )

    def vetting_detail(expert: User) -> str:
        if expert.vetted_until is None:
            return "Not yet vetted"
        if expert.vetted_until < today:
            return f"Vetting expired on {day(expert.vetted_until)}"
        return f"Vetting ends on {day(expert.vetted_until)}"

    return [
        Section(
            "review_queue",
            "Awaiting your review",
            [
                Item(
                    state.revision.object_str if state.revision else str(state),
                    _admin_edit_url(state.workflow_state.object_id),
                    detail=f"Submitted by {state.workflow_state.requested_by}"
                    if state.workflow_state.requested_by
                    else "",
                    when=state.started_at,
                )
                for state in queue
            ],
            empty="No page is waiting for your review.",
            more_url=reverse("wagtailadmin_home"),
            more_label="Open the admin",
        ),
        Section(
            "vetting_due",
            "Vetting due",
            [
                Item(
                    str(expert),
                    reverse("accounts:vetting_edit", args=[expert.pk]),
                    detail=vetting_detail(expert),
                )
                for expert in due
            ],
            empty=f"No expert's vetting ends within {REMINDER_DAYS} days.",
            more_url=reverse("accounts:vetting_list"),
            more_label="All experts",
        ),
        Section(
            "factor_resets",
            "Second-factor resets to confirm",
            [
                Item(
                    reset.account.display_name,
                    reverse("accounts:factor_resets"),
                    detail=f"Asked by {reset.requested_by.display_name}",
                    when=reset.requested_at,
                )
                for reset in pending_factor_resets().exclude(requested_by=user)[:LIMIT]
            ],
            empty="No reset of a lost second factor is waiting.",
            more_url=reverse("accounts:factor_resets"),
            more_label="All resets",
        ),
        Section(
            "rooms",
            "Coordination rooms",
            empty="Open and archive the rooms of the partner groups.",
            more_url=reverse("coordination:manage"),
            more_label="Manage the rooms",
        ),
    ]


def expert_sections(request: SignedInRequest) -> list[Section]:
    from exchange.coordination.models import Message, ReadMarker

    user = request.user
    viewer = policy.viewer_for(request)
    today = timezone.localdate()
    vetted, vetted_until = user.is_vetted(), user.vetted_until
    vetting = Section(
        "vetting",
        "Your vetting",
        facts=[
            (
                "Vetted until" if vetted else "Vetting",
                (f"Expired on {day(vetted_until)}" if not vetted else day(vetted_until))
                if vetted_until
                else "Not vetted yet",
            ),
            ("Clearance", user.get_clearance_display()),
        ],
    )
    if vetted and vetted_until and (vetted_until - today).days <= REMINDER_DAYS:
        vetting.note = "Your vetting ends soon: ask the secretariat to renew it."
    if not viewer.verified_expert:
        vetting.note = (
            "The exchange opens once the secretariat has vetted you; ask them "
            "to renew an expired vetting."
        )
        return [vetting]

    since = previous_sign_in(user)
    cutoff = since or timezone.now() - datetime.timedelta(days=FIRST_VISIT_DAYS)
    new_documents = (
        policy.visible_documents(viewer)
        .filter(last_shared_at__gt=cutoff)
        .exclude(owner_id=user.pk)
        .select_related("originating_state")
        .order_by("-last_shared_at", "-pk")[:LIMIT]
    )
    rooms = list(
        policy.visible_rooms(viewer)
        .select_related("group")
        .order_by("group__name", "name")
    )
    read_up_to = dict(
        ReadMarker.objects.filter(user=user, room__in=rooms).values_list(
            "room_id", "last_read_id"
        )
    )
    # One query counts every room's unread messages, however many rooms there are.
    after_marker = Q(pk__in=[])
    for room in rooms:
        after_marker |= Q(room_id=room.pk, pk__gt=read_up_to.get(room.pk, 0))
    counts = dict(
        Message.objects.filter(after_marker, deleted_at__isnull=True)
        .order_by()
        .values("room_id")
        .annotate(unread=Count("pk"))
        .values_list("room_id", "unread")
    )
    unread_rooms = [(room, counts[room.pk]) for room in rooms if counts.get(room.pk)]
    documents = Section(
        "new_documents",
        "Shared with you since your last visit"
        if since
        else f"Shared with you in the last {FIRST_VISIT_DAYS} days",
        [
            Item(
                document.title,
                document.get_absolute_url(),
                detail=f"{document.get_tier_display()}, from "
                f"{document.originating_state.name}",
                when=document.last_shared_at,
            )
            for document in new_documents
        ],
        empty="Nothing new has been shared with you.",
        more_url=reverse("exchange:list"),
        more_label="All documents shared with you",
    )
    rooms_section = Section(
        "unread_rooms",
        "Rooms with unread messages",
        [
            Item(
                f"{room.group.name} · {room.name}",
                reverse("coordination:room", args=[room.pk]),
                detail=f"{count} unread",
            )
            for room, count in unread_rooms[:LIMIT]
        ],
        empty="You have read every message in your rooms.",
        more_url=reverse("coordination:rooms"),
        more_label="All your rooms",
    )
    return [documents, rooms_section, vetting]


def security_officer_sections(user: User) -> list[Section]:
    from portal.audit.models import AuditEvent, Outcome

    last_check = (
        AuditEvent.objects.filter(action="audit.verified").order_by("-sequence").first()
    )
    if last_check is None:
        facts = [("Last chain check", "Never")]
    else:
        facts = [
            ("Last chain check", moment(last_check.occurred_at)),
            (
                "Result",
                "Intact"
                if last_check.outcome == Outcome.SUCCESS
                else f"Broken at row #{last_check.details.get('broken_sequence')}",
            ),
            ("Rows checked", str(last_check.details.get("checked", ""))),
            ("By", last_check.actor_label or "A security officer"),
        ]
    day_ago = timezone.now() - datetime.timedelta(days=1)
    alerts = (
        AuditEvent.objects.filter(occurred_at__gte=day_ago)
        .exclude(outcome=Outcome.SUCCESS)
        .order_by("-sequence")[:LIMIT]
    )
    events = reverse("audit:events")
    return [
        Section(
            "chain",
            "The audit chain",
            facts=facts,
            more_url=reverse("audit:verify"),
            more_label="Check the chain now",
        ),
        Section(
            "alerts",
            "Refusals and failures in the last 24 hours",
            [
                Item(
                    event.action,
                    f"{events}?action={event.action}&outcome={event.outcome}",
                    detail=f"{event.get_outcome_display()}"
                    + (f", {event.actor_label}" if event.actor_label else ""),
                    when=event.occurred_at,
                )
                for event in alerts
            ],
            empty="No refusal or failure was recorded in the last 24 hours.",
            more_url=events,
            more_label="The whole audit trail",
        ),
    ]


def sections_for(request: SignedInRequest) -> list[Section]:
    """The home's panels for the person behind a verified `request`."""
    user = request.user
    roles = set(roles_of(user))
    sections: list[Section] = []
    if roles & {Role.STATE_EDITOR, Role.FOCAL_POINT}:
        sections += editor_sections(user)
        sections.append(progress_section(user))
    if Role.FOCAL_POINT in roles:
        sections.append(focal_point_section(user))
        sections.append(
            Section(
                "receipts",
                "Access receipts",
                empty="Who opened your State's documents, signed: a bundle for a "
                "period that you can check without the portal.",
                more_url=reverse("exchange:state_receipts"),
                more_label="Your State's access receipts",
            )
        )
    if Role.SECRETARIAT in roles:
        sections += secretariat_sections(user)
    if Role.VETTED_EXPERT in roles:
        sections += expert_sections(request)
    if Role.SECURITY_OFFICER in roles:
        sections += security_officer_sections(user)
    return sections
