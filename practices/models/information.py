"""The portal's own notices: accessibility, privacy, contact and terms of use."""

from django.db import models

from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page
from wagtail.search import index

from practices.blocks import RICH_TEXT_FEATURES


class InformationPage(Page):
    """A page about the portal itself rather than a State's content, such as the
    accessibility statement or the privacy notice. The secretariat edits them in
    the CMS; those with "Show in menus" set are linked from every page's footer
    (`portal.core.templatetags.portal_menu.footer_pages`), in the tree's order."""

    lead = models.CharField(max_length=300, blank=True)
    body = RichTextField(blank=True, features=RICH_TEXT_FEATURES)

    content_panels = [*Page.content_panels, FieldPanel("lead"), FieldPanel("body")]
    search_fields = [
        *Page.search_fields,
        index.SearchField("lead"),
        index.SearchField("body"),
    ]
    parent_page_types = ["practices.HomePage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = "information page"
