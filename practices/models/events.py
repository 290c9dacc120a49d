"""Events where States share practice: seminars, workshops and exercises."""

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy

from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.api import APIField
from wagtail.models import Page
from wagtail.search import index

from modelcluster.fields import ParentalManyToManyField

from practices.models.base import (
    StateContentPage,
    commitment_codes,
    demonstration_panel,
    stream_text,
)
from practices.models.listing import ListingIndexPage


class EventType(models.TextChoices):
    SEMINAR = "seminar", gettext_lazy("Seminar")
    WORKSHOP = "workshop", gettext_lazy("Workshop")
    TABLE_TOP = "table_top", gettext_lazy("Table-top exercise")
    FIELD_EXERCISE = "field_exercise", gettext_lazy("Field exercise")
    TRAINING = "training", gettext_lazy("Training course")


class EventPage(StateContentPage):
    """An event a State organises or hosts (additional action 4)."""

    event_type = models.CharField(max_length=20, choices=EventType.choices)
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    location = models.CharField(
        max_length=200,
        blank=True,
        help_text=gettext_lazy("City and country, empty if online only."),
    )
    is_online = models.BooleanField("online", default=False)
    organisers = models.CharField(max_length=255)
    commitments = ParentalManyToManyField(
        "practices.Commitment", blank=True, related_name="events"
    )
    additional_actions = ParentalManyToManyField(
        "practices.AdditionalAction", blank=True, related_name="events"
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("summary"),
        FieldPanel("event_type"),
        FieldRowPanel([FieldPanel("start_date"), FieldPanel("end_date")]),
        FieldRowPanel([FieldPanel("location"), FieldPanel("is_online")]),
        FieldPanel("organisers"),
        FieldPanel("body"),
        MultiFieldPanel(
            [
                FieldPanel("commitments", widget=forms.CheckboxSelectMultiple),
                FieldPanel("additional_actions", widget=forms.CheckboxSelectMultiple),
            ],
            heading=gettext_lazy("What it serves"),
        ),
        demonstration_panel,
    ]
    search_fields = [
        *StateContentPage.search_fields,
        index.FilterField("start_date"),
        index.SearchField("organisers"),
        index.SearchField("location"),
    ]
    api_fields = [
        *StateContentPage.api_fields,
        APIField("event_type"),
        APIField("start_date"),
        APIField("end_date"),
        APIField("location"),
        APIField("is_online"),
        APIField("organisers"),
    ]
    parent_page_types = ["practices.StatePage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = "event"

    search_prefetch_related = ("state", "commitments__parent", "additional_actions")

    def get_search_text(self) -> str:
        return "\n".join([self.organisers, self.location, stream_text(self, "body")])

    def search_facets(self) -> dict:
        # The listing's year and date are the start date's.
        return {
            **super().search_facets(),
            "commitments": commitment_codes(self.commitments.all()),
            "actions": [str(a.number) for a in self.additional_actions.all()],
            "date": self.start_date,
            "year": self.start_date.year,
        }

    def clean(self):
        super().clean()
        if self.end_date and self.start_date and self.end_date < self.start_date:
            raise ValidationError(
                {"end_date": gettext_lazy("The event cannot end before it starts.")}
            )
        if not self.location and not self.is_online:
            raise ValidationError(
                {"location": gettext_lazy("Give a place, or mark the event as online.")}
            )


class EventIndexPage(ListingIndexPage):
    """Lists events across all States by type, State and year."""

    listed_model = EventPage
    filters = ["state", "event_type", "commitment", "action", "year"]
    lookups = {
        "state": ["state"],
        "event_type": ["event_type"],
        "commitment": ["commitments", "commitments__parent"],
        "action": ["additional_actions"],
    }
    date_field = "start_date"
    parent_page_types = ["practices.HomePage"]
    subpage_types: list[str] = []
    search_fields = ListingIndexPage.search_fields
    content_panels = ListingIndexPage.content_panels

    class Meta:
        verbose_name = "events index"

    def filter_choices(self):
        return {"event_type": (gettext_lazy("All types"), EventType.choices)}

    def listed_pages(self):
        return super().listed_pages().select_related("state")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        # The page of results, split: an event is upcoming until its last day is
        # over. Upcoming ones read soonest first whatever the sort, past ones as
        # sorted (newest first by default).
        today = timezone.localdate()
        results = list(context["results"])
        upcoming = [e for e in results if (e.end_date or e.start_date) >= today]
        if request.GET.get("sort") in (None, "", "-date"):
            upcoming.reverse()
        context["upcoming_events"] = upcoming
        context["past_events"] = [e for e in results if e not in upcoming]
        return context
