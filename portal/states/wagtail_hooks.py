"""The secretariat manages the States register in the Wagtail admin."""

from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from portal.states.models import State


class StateViewSet(SnippetViewSet):
    model = State
    icon = "site"
    menu_label = "States"
    menu_order = 200
    add_to_admin_menu = True
    list_display = ["name", "iso_code", "iso_alpha3", "is_subscriber", "subscribed_on"]
    list_filter = ["is_subscriber"]
    search_fields = ["name", "iso_code"]


register_snippet(StateViewSet)
