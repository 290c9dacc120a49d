"""Guidance contributions: what a State gave to IAEA guidance, and its stage."""

from django import forms
from django.db import models
from django.utils.translation import gettext_lazy

from wagtail.admin.panels import FieldPanel
from wagtail.api import APIField
from wagtail.models import Page
from wagtail.search import index

from practices.models.base import StateContentPage, demonstration_panel
from practices.models.listing import ListingIndexPage


class GuidanceStage(models.TextChoices):
    PROPOSED = "proposed", gettext_lazy("Proposed")
    UNDER_REVIEW = "under_review", gettext_lazy("Under review")
    INCORPORATED = "incorporated", gettext_lazy("Incorporated")


class GuidanceContributionPage(StateContentPage):
    """A State's contribution to IAEA guidance (additional action 1), with its stage."""

    iaea_document = models.ForeignKey(
        "practices.IAEADocument",
        on_delete=models.PROTECT,
        related_name="guidance_contributions",
        verbose_name=gettext_lazy("IAEA document contributed to"),
    )
    stage = models.CharField(
        max_length=20, choices=GuidanceStage.choices, default=GuidanceStage.PROPOSED
    )
    date = models.DateField(
        help_text=gettext_lazy("When the contribution was submitted.")
    )
    language = models.ForeignKey(
        "practices.Language", on_delete=models.PROTECT, related_name="+"
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("summary"),
        FieldPanel("iaea_document", widget=forms.Select),
        FieldPanel("stage"),
        FieldPanel("date"),
        # A plain select: a chooser modal is too much for a handful of languages.
        FieldPanel("language", widget=forms.Select),
        FieldPanel("body"),
        demonstration_panel,
    ]
    search_fields = [*StateContentPage.search_fields, index.FilterField("stage")]
    api_fields = [
        *StateContentPage.api_fields,
        APIField("iaea_document"),
        APIField("stage"),
        APIField("date"),
    ]
    parent_page_types = ["practices.StatePage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = "guidance contribution"

    search_prefetch_related = ("state", "language", "iaea_document")

    def search_facets(self) -> dict:
        return {
            **super().search_facets(),
            "iaea_documents": [self.iaea_document.short_name],
            "language": self.language.code,
            "date": self.date,
            "year": self.date.year,
        }


class GuidanceIndexPage(ListingIndexPage):
    """Lists guidance contributions across all States, by document and stage."""

    listed_model = GuidanceContributionPage
    filters = ["state", "document", "stage", "language", "year"]
    lookups = {
        "state": ["state"],
        "document": ["iaea_document"],
        "stage": ["stage"],
        "language": ["language"],
    }
    parent_page_types = ["practices.HomePage"]
    subpage_types: list[str] = []
    search_fields = ListingIndexPage.search_fields
    content_panels = ListingIndexPage.content_panels

    class Meta:
        verbose_name = "guidance contributions index"

    def filter_choices(self):
        return {"stage": (gettext_lazy("All stages"), GuidanceStage.choices)}

    def listed_pages(self):
        return super().listed_pages().select_related("state", "iaea_document")
