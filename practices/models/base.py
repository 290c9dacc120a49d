"""What every State-authored page shares: its State, summary, body and demo label."""

from django.db import models
from django.utils.translation import gettext_lazy

from wagtail.admin.panels import FieldPanel
from wagtail.api import APIField
from wagtail.fields import StreamField
from wagtail.models import Page
from wagtail.search import index

from practices.blocks import BaseStreamBlock


class StateContentPage(Page):
    """A page a State publishes under its State page, so State permissions apply.

    `state` mirrors the State page the page lives under; it is kept in step on every
    save so that listings across all States filter and join on one column.
    """

    state = models.ForeignKey(
        "states.State",
        null=True,
        blank=True,
        editable=False,
        on_delete=models.PROTECT,
        related_name="+",
    )
    summary = models.TextField(
        max_length=600,
        help_text=gettext_lazy("Two or three sentences shown in listings and feeds."),
    )
    body = StreamField(BaseStreamBlock(), blank=True, use_json_field=True)
    is_demonstration = models.BooleanField(
        "demonstration content",
        default=False,
        help_text=gettext_lazy(
            "Shown with a visible label; demonstration pages are not real "
            "submissions of the State."
        ),
    )

    search_fields = [
        *Page.search_fields,
        index.SearchField("summary"),
        index.SearchField("body"),
        index.FilterField("state"),
    ]
    api_fields = [
        APIField("summary"),
        APIField("state_code"),
        APIField("body"),
        APIField("is_demonstration"),
    ]
    parent_page_types = ["practices.StatePage"]
    subpage_types: list[str] = []

    class Meta:
        abstract = True

    # Relations the search methods below read; the search rebuild prefetches them
    # per chunk of pages (see `search.documents.with_search_prefetch`).
    search_prefetch_related: tuple[str, ...] = ("state",)

    def get_search_summary(self) -> str:
        return self.summary

    def get_search_text(self) -> str:
        return stream_text(self, "body")

    def search_facets(self) -> dict:
        """Facets in the listings' vocabulary: State names, commitment codes."""
        return {"states": [self.state.name] if self.state_id else []}

    @property
    def state_code(self) -> str:
        return self.state.iso_code if self.state_id else ""

    def save(self, *args, **kwargs):
        from practices.models.states import StatePage

        if self.path and self.depth and self.depth > 1:
            parent_path = self.path[: -self.steplen]
            self.state_id = (
                StatePage.objects.filter(path=parent_path)
                .values_list("state_id", flat=True)
                .first()
            )
        return super().save(*args, **kwargs)


demonstration_panel = FieldPanel("is_demonstration")


def stream_text(page, field_name: str) -> str:
    """The text of a StreamField as its blocks expose it for search, one string."""
    field = page._meta.get_field(field_name)
    return "\n".join(field.get_searchable_content(getattr(page, field_name)))


def commitment_codes(commitments) -> list[str]:
    """Codes of `commitments` and of their parents.

    The listings' commitment filter matches a sub-commitment's parent too ("2"
    finds pages tagged "2a"), so the search facet carries both codes.
    """
    codes = set()
    for commitment in commitments:
        codes.add(commitment.code)
        if commitment.parent_id:
            codes.add(commitment.parent.code)
    return sorted(codes)
