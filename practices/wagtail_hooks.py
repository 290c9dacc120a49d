"""Admin of the public content: taxonomy snippets, State set-up, delete protection."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect

from wagtail import hooks
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from portal.core.page_cache import mark_public_page
from practices.admin_views import visible_items_bulk_actions
from practices.models import (
    AdditionalAction,
    Commitment,
    IAEADocument,
    Language,
    StatePage,
)
from practices.permissions import (
    document_visible_to,
    ensure_state_editing,
    pages_visible_in_admin,
)
from practices.protection import pages_using, refusal_message


class CommitmentViewSet(SnippetViewSet):
    model = Commitment
    icon = "list-ol"
    list_display = ["code", "title", "parent"]
    search_fields = ["code", "title"]


class AdditionalActionViewSet(SnippetViewSet):
    model = AdditionalAction
    icon = "list-ul"
    list_display = ["number", "title"]
    search_fields = ["title", "text"]


class IAEADocumentViewSet(SnippetViewSet):
    model = IAEADocument
    icon = "doc-full"
    list_display = ["short_name", "title", "slug"]
    search_fields = ["short_name", "title"]


class LanguageViewSet(SnippetViewSet):
    model = Language
    icon = "globe"
    list_display = ["name", "code"]


class TaxonomyViewSetGroup(SnippetViewSetGroup):
    items = (
        CommitmentViewSet,
        AdditionalActionViewSet,
        IAEADocumentViewSet,
        LanguageViewSet,
    )
    menu_icon = "tag"
    menu_label = "Taxonomy"
    menu_name = "taxonomy"
    menu_order = 210


register_snippet(TaxonomyViewSetGroup)


@hooks.register("before_delete_snippet")
def refuse_deleting_used_terms(request, instances):
    """Say which pages use the term instead of deleting it (or failing with 500)."""
    for instance in instances:
        pages = pages_using(instance)
        if pages:
            messages.error(request, refusal_message(instance, pages))
            return redirect(
                f"wagtailsnippets_{instance._meta.app_label}_{instance._meta.model_name}:list"
            )
    return None


@hooks.register("after_create_page")
def set_up_state_editing(request, page):
    """A State page created in the admin gets its editors' group and collection."""
    if isinstance(page.specific, StatePage):
        ensure_state_editing(page.specific)


@hooks.register("construct_page_chooser_queryset")
def choose_only_visible_pages(pages, request):
    """Other States' drafts and restricted pages are not offered in the chooser."""
    return pages.filter(pk__in=pages_visible_in_admin(request.user).values("pk"))


@hooks.register("construct_explorer_page_queryset")
def explore_only_visible_pages(parent_page, pages, request):
    """Nor listed in the page explorer."""
    return pages.filter(pk__in=pages_visible_in_admin(request.user).values("pk"))


@hooks.register("before_serve_document")
def serve_documents_of_visible_pages_only(document, request):
    """A document of a draft or restricted page is not found by those who may not
    see the page (Wagtail's own hook checks the collection's view restrictions)."""
    if not document_visible_to(request, document):
        raise Http404


# Registered after Wagtail's own (order), so each replaces the action of its name.
for _action in visible_items_bulk_actions():
    hooks.register("register_bulk_action", _action, order=1)


@hooks.register("before_serve_page")
def mark_unrestricted_page_public(page, request, serve_args, serve_kwargs):
    """A live page without view restrictions reads the same to every visitor, so
    its anonymous answer may be stored (portal.core.page_cache)."""
    if not page.get_view_restrictions().exists():
        mark_public_page(request)
