"""The home page: the front door of the public portal."""

from django.db import models

from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page
from wagtail.search import index

from portal.states.models import State


class HomePage(Page):
    """The portal's front door: what the initiative is, and where to go next."""

    lead = models.CharField(max_length=300, blank=True)
    intro = RichTextField(blank=True, features=["bold", "italic", "link", "ol", "ul"])

    content_panels = [*Page.content_panels, FieldPanel("lead"), FieldPanel("intro")]
    search_fields = [
        *Page.search_fields,
        index.SearchField("lead"),
        index.SearchField("intro"),
    ]

    parent_page_types = ["wagtailcore.Page"]
    subpage_types: list[str] = []
    max_count = 1

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["subscribing_states"] = State.objects.filter(is_subscriber=True)
        return context
