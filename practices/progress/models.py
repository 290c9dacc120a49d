"""Progress records of each State: commitments, actions, assessments, missions, people.

Every record is a `SharedRecord` (see visibility.py) and a `ProgressRecord`: it keeps
who last changed it and when, and its full history lives in `RecordChange`. Records
are written only through `practices.progress.actions`, which validate with `clean()`
here, save atomically, keep the history and audit the change.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from portal.tiers import Tier
from practices.progress.commitments import AdditionalAction, Commitment, IaeaDocument
from practices.progress.visibility import SharedRecord

FIRST_YEAR = 2000  # peer reviews and training before the initiative are still progress


class ProgressRecord(SharedRecord):
    """What every progress record shares: its State, visibility and last change."""

    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    is_demonstration = models.BooleanField(
        default=False,
        editable=False,
        help_text=gettext_lazy(
            "Made by the demonstration loader, not reported by the State."
        ),
    )

    # Fields an editor fills in on the record's form, in order; see forms.py.
    editable_fields: tuple[str, ...] = ()

    class Meta:
        abstract = True

    @property
    def updated_by_label(self) -> str:
        """Who changed it last, as shown on public pages (a name, never an email)."""
        if self.updated_by is None:
            if self.is_demonstration:
                return gettext("the demonstration loader")
            return gettext("the portal")
        return self.updated_by.get_full_name() or (
            gettext("an editor of %(state)s") % {"state": self.state}
        )


class CommitmentStatus(ProgressRecord):
    """A State's status against one commitment or sub-item of the joint statement."""

    class Status(models.TextChoices):
        NOT_STARTED = "not_started", gettext_lazy("Not started")
        IN_PROGRESS = "in_progress", gettext_lazy("In progress")
        IMPLEMENTED = "implemented", gettext_lazy("Implemented")
        EXCEEDED = "exceeded", gettext_lazy("Exceeded")

    commitment = models.CharField(max_length=4, choices=Commitment.choices)
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.NOT_STARTED
    )
    statement = models.TextField(
        blank=True, help_text=gettext_lazy("A short statement.")
    )
    evidence = models.TextField(
        blank=True,
        help_text=gettext_lazy(
            "Links to good practices, documents or missions, one per line."
        ),
    )

    editable_fields = ("commitment", "status", "statement", "evidence")

    class Meta:
        ordering = ["state__name", "commitment"]
        constraints = [
            models.UniqueConstraint(
                fields=["state", "commitment"],
                name="progress_one_status_per_commitment",
            )
        ]
        verbose_name_plural = "commitment statuses"

    def __str__(self) -> str:
        return f"{self.state}: {self.commitment} {self.get_status_display()}"

    def evidence_lines(self) -> list[str]:
        return [line.strip() for line in self.evidence.splitlines() if line.strip()]


class ActionContribution(ProgressRecord):
    """One of the 14 additional actions a State contributes to."""

    action = models.CharField(max_length=2, choices=AdditionalAction.choices)
    statement = models.TextField(blank=True)

    editable_fields = ("action", "statement")

    class Meta:
        ordering = ["state__name", "action"]
        constraints = [
            models.UniqueConstraint(
                fields=["state", "action"], name="progress_one_contribution_per_action"
            )
        ]

    def __str__(self) -> str:
        return f"{self.state}: action {self.action}"


def _not_in_future(value, label: str) -> dict[str, str]:
    if value is not None and value > timezone.localdate():
        return {label: "This date is in the future."}
    return {}


class SelfAssessment(ProgressRecord):
    """A self-assessment against an IAEA document (commitment 3a)."""

    document = models.CharField(
        "scope (IAEA document)", max_length=32, choices=IaeaDocument.choices
    )
    conducted_on = models.DateField()
    method = models.CharField(
        max_length=200,
        help_text=gettext_lazy("e.g. IAEA self-assessment questionnaire."),
    )
    summary = models.TextField(blank=True)

    editable_fields = ("document", "conducted_on", "method", "summary")

    class Meta:
        ordering = ["state__name", "-conducted_on"]

    def __str__(self) -> str:
        return f"{self.state}: self-assessment {self.document} {self.conducted_on}"

    def clean(self) -> None:
        super().clean()
        errors = _not_in_future(self.conducted_on, "conducted_on")
        if errors:
            raise ValidationError(
                {
                    "conducted_on": gettext_lazy(
                        "A self-assessment cannot be dated in the future."
                    )
                }
            )


class PeerReviewMission(ProgressRecord):
    """A peer review mission hosted by a State (commitment 3b)."""

    class Type(models.TextChoices):
        IPPAS = "ippas", gettext_lazy("IPPAS")
        INSSERV = "insserv", gettext_lazy("INSServ")
        OTHER = "other", gettext_lazy("Other")

    class Status(models.TextChoices):
        REQUESTED = "requested", gettext_lazy("Requested")
        SCHEDULED = "scheduled", gettext_lazy("Scheduled")
        CONDUCTED = "conducted", gettext_lazy("Conducted")
        FOLLOW_UP = "follow_up", gettext_lazy("Follow-up mission conducted")

    STATUS_ORDER = [s.value for s in Status]

    mission_type = models.CharField("type", max_length=8, choices=Type.choices)
    year = models.PositiveSmallIntegerField(
        help_text=gettext_lazy(
            "The year of the mission (planned, or when it took place)."
        ),
        validators=[MinValueValidator(FIRST_YEAR), MaxValueValidator(2100)],
    )
    scope = models.CharField(max_length=300)
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.REQUESTED
    )
    follow_up_year = models.PositiveSmallIntegerField(
        "follow-up year",
        null=True,
        blank=True,
        help_text=gettext_lazy("Only for a follow-up mission: the year it took place."),
        validators=[MinValueValidator(FIRST_YEAR), MaxValueValidator(2100)],
    )

    editable_fields = ("mission_type", "year", "scope", "status", "follow_up_year")

    class Meta:
        ordering = ["state__name", "year", "pk"]

    def __str__(self) -> str:
        return f"{self.state}: {self.get_mission_type_display()} {self.year}"

    def clean(self) -> None:
        super().clean()
        this_year = timezone.localdate().year
        errors: dict[str, str] = {}
        done = self.status in (self.Status.CONDUCTED, self.Status.FOLLOW_UP)
        if done and self.year and self.year > this_year:
            errors["status"] = (
                f"A mission planned for {self.year} cannot be marked "
                f"“{self.get_status_display()}” yet: mark it requested or scheduled."
            )
        if self.status == self.Status.FOLLOW_UP:
            if self.follow_up_year is None:
                errors["follow_up_year"] = "Give the year of the follow-up mission."
            elif self.year and self.follow_up_year < self.year:
                errors["follow_up_year"] = (
                    f"A follow-up mission ({self.follow_up_year}) cannot come before "
                    f"its mission ({self.year})."
                )
            elif self.follow_up_year > this_year:
                errors["follow_up_year"] = (
                    "A follow-up mission that took place cannot be in a future year."
                )
        elif self.follow_up_year is not None:
            errors["follow_up_year"] = (
                "A follow-up year needs the status “Follow-up mission conducted”."
            )
        if errors:
            raise ValidationError(errors)


class Recommendation(ProgressRecord):
    """A recommendation or suggestion of a mission, and its follow-up (commitment 3c).

    Restricted by default: `confidential`, shared with the State itself only. The
    State may publish aggregate figures (see `ProgressPublication`) without the text.
    """

    class Kind(models.TextChoices):
        RECOMMENDATION = "recommendation", gettext_lazy("Recommendation")
        SUGGESTION = "suggestion", gettext_lazy("Suggestion")

    class Status(models.TextChoices):
        OPEN = "open", gettext_lazy("Open")
        IN_PROGRESS = "in_progress", gettext_lazy("In progress")
        IMPLEMENTED = "implemented", gettext_lazy("Implemented")

    # Overrides SharedRecord.tier: restricted unless the State decides otherwise.
    tier = models.CharField(
        max_length=32,
        choices=Tier.choices,
        default=Tier.CONFIDENTIAL,
        help_text=gettext_lazy(
            "Confidential by default, shared with the State itself only."
        ),
    )
    mission = models.ForeignKey(
        PeerReviewMission, on_delete=models.PROTECT, related_name="recommendations"
    )
    kind = models.CharField(
        max_length=16, choices=Kind.choices, default=Kind.RECOMMENDATION
    )
    text = models.TextField()
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.OPEN
    )
    made_on = models.DateField(help_text=gettext_lazy("When the mission made it."))
    implemented_on = models.DateField(
        null=True,
        blank=True,
        help_text=gettext_lazy("When it was implemented (closed)."),
    )

    editable_fields = ("mission", "kind", "text", "status", "made_on", "implemented_on")

    class Meta:
        ordering = ["state__name", "made_on", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {self.mission}"

    def clean(self) -> None:
        super().clean()
        errors: dict[str, str] = {}
        today = timezone.localdate()
        mission = self.mission if self.mission_id else None
        if mission is not None:
            if self.state_id and mission.state_id != self.state_id:
                errors["mission"] = "The mission belongs to another State."
            if mission.status not in (
                PeerReviewMission.Status.CONDUCTED,
                PeerReviewMission.Status.FOLLOW_UP,
            ):
                errors["mission"] = (
                    "A mission that has not been conducted has no recommendations yet."
                )
            if self.made_on and self.made_on.year < mission.year:
                errors["made_on"] = (
                    f"A recommendation cannot be made ({self.made_on:%d %B %Y}) "
                    f"before its mission ({mission.year})."
                )
            if Tier(self.tier).rank < Tier(mission.tier).rank:
                errors["tier"] = (
                    "A recommendation cannot be less restricted than its mission "
                    f"({mission.get_tier_display()})."
                )
        if self.made_on and self.made_on > today:
            errors.setdefault(
                "made_on", "A recommendation cannot be made in the future."
            )
        if self.status == self.Status.IMPLEMENTED and self.implemented_on is None:
            errors["implemented_on"] = (
                "An implemented recommendation needs its implementation date."
            )
        if self.implemented_on is not None:
            if self.status != self.Status.IMPLEMENTED:
                errors["implemented_on"] = (
                    "An implementation date needs the status “Implemented”."
                )
            elif self.made_on and self.implemented_on < self.made_on:
                errors["implemented_on"] = (
                    "A recommendation cannot be closed "
                    f"({self.implemented_on:%d %B %Y}) before it was made "
                    f"({self.made_on:%d %B %Y})."
                )
            elif self.implemented_on > today:
                errors["implemented_on"] = "The implementation date is in the future."
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs):
        # A recommendation always belongs to its mission's State.
        if self.mission_id and not self.state_id:
            self.state_id = self.mission.state_id
        super().save(*args, **kwargs)


class TrainingActivity(ProgressRecord):
    """A training or qualification activity (commitment 4 and action 3)."""

    course = models.CharField(max_length=200)
    audience = models.CharField(max_length=200)
    participants = models.PositiveIntegerField(
        "number of people", validators=[MinValueValidator(1)]
    )
    year = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(FIRST_YEAR), MaxValueValidator(2100)]
    )

    editable_fields = ("course", "audience", "participants", "year")

    class Meta:
        ordering = ["state__name", "-year", "course"]
        verbose_name_plural = "training activities"

    def __str__(self) -> str:
        return f"{self.state}: {self.course} ({self.year})"

    def clean(self) -> None:
        super().clean()
        if self.year and self.year > timezone.localdate().year:
            raise ValidationError(
                {
                    "year": gettext_lazy(
                        "Record training once it has taken place (not a future year)."
                    )
                }
            )


class CertificationScheme(ProgressRecord):
    """A certification or qualification scheme for nuclear security personnel."""

    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    established_year = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1950), MaxValueValidator(2100)],
    )

    editable_fields = ("name", "description", "established_year")

    class Meta:
        ordering = ["state__name", "name"]

    def __str__(self) -> str:
        return f"{self.state}: {self.name}"

    def clean(self) -> None:
        super().clean()
        if self.established_year and self.established_year > timezone.localdate().year:
            raise ValidationError(
                {
                    "established_year": gettext_lazy(
                        "A scheme cannot be established in the future."
                    )
                }
            )


class ProgressPublication(models.Model):
    """A State's choice to publish aggregate figures of its restricted records.

    When `publish_aggregates` is on, the public dashboard counts this State's
    missions and recommendations (how many, how many closed) whatever their tier;
    their text, scope and dates below the year never leave their sharing.
    """

    state = models.OneToOneField(
        "states.State", on_delete=models.CASCADE, related_name="progress_publication"
    )
    publish_aggregates = models.BooleanField(
        "publish aggregate figures",
        default=False,
        help_text=gettext_lazy(
            "Counts of missions and recommendations and the closure rate."
        ),
    )
    updated_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )

    def __str__(self) -> str:
        shown = "published" if self.publish_aggregates else "not published"
        return f"{self.state}: aggregates {shown}"


class RecordChange(models.Model):
    """One change of a progress record: who, when, and the values before and after."""

    class Kind(models.TextChoices):
        CREATED = "created", gettext_lazy("Created")
        UPDATED = "updated", gettext_lazy("Updated")

    record_type = models.CharField(
        max_length=64
    )  # the model's label, e.g. progress.recommendation
    record_id = models.PositiveBigIntegerField()
    state = models.ForeignKey(
        "states.State", on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=8, choices=Kind.choices)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    changed_at = models.DateTimeField(default=timezone.now)
    changed_fields = models.JSONField(default=list)
    before = models.JSONField(default=dict)
    after = models.JSONField(default=dict)

    class Meta:
        ordering = ["-changed_at", "-pk"]
        indexes = [models.Index(fields=["record_type", "record_id"])]

    def __str__(self) -> str:
        return f"{self.record_type} {self.record_id} {self.kind} {self.changed_at}"
