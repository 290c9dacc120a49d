"""Good practices: what a State did to meet a commitment, and how others can learn."""

from django import forms
from django.db import models
from django.utils.translation import gettext_lazy

from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.api import APIField
from wagtail.models import Page
from wagtail.search import index

from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from rest_framework import serializers
from taggit.models import TaggedItemBase

from practices.models.base import (
    StateContentPage,
    commitment_codes,
    demonstration_panel,
)
from practices.models.listing import ListingIndexPage


def _slugs(field: str, *, many: bool = True):
    # The API names terms by their stable codes, not by database ids.
    return serializers.SlugRelatedField(slug_field=field, many=many, read_only=True)


class GoodPracticePageTag(TaggedItemBase):
    content_object = ParentalKey(
        "practices.GoodPracticePage",
        related_name="tagged_items",
        on_delete=models.CASCADE,
    )


class GoodPracticePage(StateContentPage):
    """A good practice a State shares, tagged so others find it by what it serves."""

    date = models.DateField(
        help_text=gettext_lazy("When the practice was introduced or last reviewed.")
    )
    language = models.ForeignKey(
        "practices.Language", on_delete=models.PROTECT, related_name="+"
    )
    commitments = ParentalManyToManyField(
        "practices.Commitment", blank=True, related_name="good_practices"
    )
    additional_actions = ParentalManyToManyField(
        "practices.AdditionalAction", blank=True, related_name="good_practices"
    )
    iaea_documents = ParentalManyToManyField(
        "practices.IAEADocument",
        blank=True,
        related_name="good_practices",
        verbose_name=gettext_lazy("IAEA documents implemented"),
    )
    other_states = ParentalManyToManyField(
        "states.State",
        blank=True,
        related_name="+",
        help_text=gettext_lazy("Other States that took part, if any."),
    )
    tags = ClusterTaggableManager(
        through=GoodPracticePageTag, blank=True, verbose_name=gettext_lazy("topics")
    )
    image = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=gettext_lazy(
            "Shown at the top of the page; its title is used as alt text."
        ),
    )
    contact_name = models.CharField(max_length=120, blank=True)
    contact_email = models.EmailField(blank=True)

    content_panels = [
        *Page.content_panels,
        FieldPanel("summary"),
        FieldPanel("date"),
        # A plain select: a chooser modal is too much for a handful of languages.
        FieldPanel("language", widget=forms.Select),
        FieldPanel("image"),
        FieldPanel("body"),
        MultiFieldPanel(
            [
                FieldPanel("commitments", widget=forms.CheckboxSelectMultiple),
                FieldPanel("additional_actions", widget=forms.CheckboxSelectMultiple),
                FieldPanel("iaea_documents", widget=forms.CheckboxSelectMultiple),
                FieldPanel("tags"),
                FieldPanel("other_states", widget=forms.CheckboxSelectMultiple),
            ],
            heading=gettext_lazy("What it serves"),
        ),
        MultiFieldPanel(
            [FieldPanel("contact_name"), FieldPanel("contact_email")],
            heading=gettext_lazy("Contact (optional)"),
        ),
        demonstration_panel,
    ]
    search_fields = [
        *StateContentPage.search_fields,
        index.FilterField("date"),
        index.RelatedFields("tags", [index.SearchField("name")]),
    ]
    api_fields = [
        *StateContentPage.api_fields,
        APIField("date"),
        APIField("language", serializer=_slugs("code", many=False)),
        APIField("commitments", serializer=_slugs("code")),
        APIField("additional_actions", serializer=_slugs("number")),
        APIField("iaea_documents", serializer=_slugs("slug")),
        APIField("tags"),
        APIField("provenance"),
    ]
    parent_page_types = ["practices.StatePage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = "good practice"

    search_prefetch_related = (
        "state",
        "language",
        "other_states",
        "commitments__parent",
        "additional_actions",
        "iaea_documents",
        "tags",
    )

    def clean(self) -> None:
        super().clean()
        from exchange.releases import check_publication

        # A practice prepared from restricted material goes live only as its
        # State's focal point approved it (see docs/exchange-policy.md).
        check_publication(self)

    @property
    def provenance(self) -> str:
        """ "Released by ... on ..." for a practice prepared from exchanged material;
        empty for every other practice. Never names or links the source."""
        from exchange.releases import provenance_of

        return provenance_of(self)

    def search_facets(self) -> dict:
        # The listing's State filter finds a practice under the States that took
        # part as well, so the facet does too.
        states = super().search_facets()["states"]
        states += [state.name for state in self.other_states.all()]
        return {
            "states": states,
            "commitments": commitment_codes(self.commitments.all()),
            "actions": [str(a.number) for a in self.additional_actions.all()],
            "iaea_documents": [d.short_name for d in self.iaea_documents.all()],
            "topics": [tag.name for tag in self.tags.all()],
            "language": self.language.code,
            "date": self.date,
            "year": self.date.year,
        }


class GoodPracticeIndexPage(ListingIndexPage):
    """Finds good practices across all States by what they serve."""

    listed_model = GoodPracticePage
    filters = [
        "state",
        "commitment",
        "action",
        "document",
        "topic",
        "language",
        "year",
    ]
    lookups = {
        "state": ["state", "other_states"],
        "commitment": ["commitments", "commitments__parent"],
        "action": ["additional_actions"],
        "document": ["iaea_documents"],
        "topic": ["tags"],
        "language": ["language"],
    }

    parent_page_types = ["practices.HomePage"]
    subpage_types: list[str] = []
    search_fields = ListingIndexPage.search_fields
    content_panels = ListingIndexPage.content_panels

    class Meta:
        verbose_name = "good practices index"

    def listed_pages(self):
        return (
            super()
            .listed_pages()
            .select_related("state", "language")
            .prefetch_related("commitments")
        )
