"""An index page that lists one page type across all States, with URL filters."""

from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page
from wagtail.search import index

from practices.blocks import RICH_TEXT_FEATURES
from practices.filters import listing_context


class ListingIndexPage(Page):
    """Base of the good practices, guidance and events indexes.

    Subclasses name the page type they list (`listed_model`), the filters they offer,
    how each filter maps to lookups, and the date used for sorting and the year.
    """

    intro = RichTextField(blank=True, features=RICH_TEXT_FEATURES)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    search_fields = [*Page.search_fields, index.SearchField("intro")]
    parent_page_types = ["practices.HomePage"]
    subpage_types: list[str] = []
    max_count = 1

    listed_model: type[Page]
    filters: list[str]
    lookups: dict[str, list[str]]
    date_field = "date"

    class Meta:
        abstract = True

    def listed_pages(self):
        return self.listed_model.objects.live().public()

    def filter_choices(self) -> dict:
        return {}

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context.update(
            listing_context(
                request,
                self.listed_pages(),
                filters=self.filters,
                lookups=self.lookups,
                date_field=self.date_field,
                choices=self.filter_choices(),
            )
        )
        return context
