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
    subpage_types = [
        "practices.StatesIndexPage",
        "practices.GoodPracticeIndexPage",
        "practices.GuidanceIndexPage",
        "practices.EventIndexPage",
        "practices.InformationPage",
    ]
    max_count = 1

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        from practices.models import GoodPracticePage, StatePage

        context["subscribing_states"] = State.objects.filter(is_subscriber=True)
        state_urls = {
            state_page.state_id: state_page.get_url(request)
            for state_page in StatePage.objects.live()
            .public()
            .only("state", "url_path")
        }
        context["state_links"] = [
            (state, state_urls.get(state.pk)) for state in context["subscribing_states"]
        ]
        context["latest_good_practices"] = (
            GoodPracticePage.objects.live()
            .public()
            .select_related("state", "language")
            .prefetch_related("commitments")
            .order_by("-first_published_at", "-date")[:6]
        )
        return context
