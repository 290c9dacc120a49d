"""Admin for the secretariat: partner groups only; documents never appear in the admin.

Restricted documents are reached through the exchange's own pages, which ask the
policy; an admin listing would show titles to operators by role alone.
"""

from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from exchange.models import PartnerGroup


class PartnerGroupViewSet(SnippetViewSet):
    model = PartnerGroup
    icon = "group"
    menu_label = "Partner groups"
    add_to_admin_menu = True
    list_display = ["name", "slug"]
    search_fields = ["name"]


register_snippet(PartnerGroupViewSet)
