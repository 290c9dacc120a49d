"""The States index and one page per subscribing State."""

from django.db import models
from django.utils.html import strip_tags
from django.utils.translation import gettext_lazy

from wagtail.admin.panels import FieldPanel
from wagtail.api import APIField
from wagtail.fields import RichTextField
from wagtail.models import Page
from wagtail.search import index

from practices.blocks import RICH_TEXT_FEATURES


class StatesIndexPage(Page):
    """Lists the subscribing States; the moderation workflow is attached here.

    Every State's content lives below this page, so one workflow assignment covers
    all of it.
    """

    intro = RichTextField(blank=True, features=RICH_TEXT_FEATURES)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    search_fields = [*Page.search_fields, index.SearchField("intro")]
    parent_page_types = ["practices.HomePage"]
    subpage_types = ["practices.StatePage"]
    max_count = 1

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["state_pages"] = (
            StatePage.objects.child_of(self)
            .live()
            .public()
            .select_related("state")
            .order_by("state__name")
        )
        return context


class StatePage(Page):
    """A State's profile: its subscription and everything it has published.

    Pages below it belong to that State; its editors' group holds permissions on
    this subtree and on the State's own collection of images and documents.
    """

    state = models.OneToOneField(
        "states.State", on_delete=models.PROTECT, related_name="page"
    )
    profile = RichTextField(
        blank=True,
        features=RICH_TEXT_FEATURES,
        help_text=gettext_lazy(
            "The national nuclear security regime in a few paragraphs."
        ),
    )
    competent_authority = models.CharField(max_length=255, blank=True)
    contact_email = models.EmailField(blank=True)
    collection = models.ForeignKey(
        "wagtailcore.Collection",
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("state"),
        FieldPanel("competent_authority"),
        FieldPanel("contact_email"),
        FieldPanel("profile"),
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("profile"),
        index.SearchField("competent_authority"),
        index.FilterField("state"),
    ]
    api_fields = [APIField("profile"), APIField("competent_authority")]
    parent_page_types = ["practices.StatesIndexPage"]
    subpage_types = [
        "practices.GoodPracticePage",
        "practices.GuidanceContributionPage",
        "practices.EventPage",
    ]

    search_prefetch_related = ("state",)

    def get_search_summary(self) -> str:
        return self.search_description or self.competent_authority

    def get_search_text(self) -> str:
        return f"{self.competent_authority}\n{strip_tags(self.profile)}"

    def search_facets(self) -> dict:
        return {"states": [self.state.name]}

    def get_context(self, request, *args, **kwargs):
        from practices.models import (
            EventPage,
            GoodPracticePage,
            GuidanceContributionPage,
        )

        context = super().get_context(request, *args, **kwargs)
        context["good_practices"] = (
            GoodPracticePage.objects.child_of(self)
            .live()
            .public()
            .select_related("state", "language")
            .prefetch_related("commitments")
            .order_by("-date", "title")
        )
        context["guidance_contributions"] = (
            GuidanceContributionPage.objects.child_of(self)
            .live()
            .public()
            .select_related("iaea_document")
            .order_by("-date", "title")
        )
        context["events"] = (
            EventPage.objects.child_of(self)
            .live()
            .public()
            .order_by("-start_date", "title")
        )
        return context
