"""Admin for the secretariat: partner groups only; documents never appear in the admin.

Restricted documents are reached through the exchange's own pages, which ask the
policy; an admin listing would show titles to operators by role alone. Membership
(States and people) is saved through `exchange.actions.set_partner_group_membership`
with the editor as actor: audited, and never one's own or one's own State's.
"""

from django.contrib import messages
from django.db import transaction
from django.utils.translation import gettext as _

from wagtail import hooks
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, ObjectList
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from exchange import actions
from exchange.models import PartnerGroup
from exchange.releases import may_publish, release_of
from portal.accounts.guard import SelfChangeRefused, refuse_self_change

MEMBERSHIP_FIELDS = ("states", "members")


class PartnerGroupForm(WagtailAdminModelForm):
    def clean(self):
        cleaned = super().clean()
        editor = self.for_user
        if editor is None:
            return cleaned
        held_members = set()
        held_states = set()
        if self.instance.pk:
            held_members = set(self.instance.members.values_list("pk", flat=True))
            held_states = set(self.instance.states.values_list("pk", flat=True))
        members = cleaned.get("members")
        states = cleaned.get("states")
        changed_members = (
            held_members ^ {u.pk for u in members} if members is not None else set()
        )
        changed_states = (
            held_states ^ {s.pk for s in states} if states is not None else set()
        )
        own = [
            field
            for field, mine in (
                ("members", editor.pk in changed_members),
                (
                    "states",
                    editor.state_id is not None and editor.state_id in changed_states,
                ),
            )
            if mine
        ]
        if own:
            try:
                refuse_self_change(
                    editor,
                    by=editor,
                    action="exchange.partner_group.membership_changed",
                    group=self.instance.slug or cleaned.get("slug", ""),
                    fields=own,
                )
            except SelfChangeRefused as refusal:
                for field in own:
                    self.add_error(field, str(refusal))
        return cleaned

    def save(self, commit=True):
        group = super().save(commit=False)
        with transaction.atomic():
            group.save()
            actions.set_partner_group_membership(
                group,
                members=self.cleaned_data.get("members"),
                states=self.cleaned_data.get("states"),
                by=self.for_user,
            )
        return group


class PartnerGroupViewSet(SnippetViewSet):
    model = PartnerGroup
    icon = "group"
    menu_label = "Partner groups"
    add_to_admin_menu = True
    list_display = ["name", "slug"]
    search_fields = ["name"]
    edit_handler = ObjectList(
        [
            FieldPanel("name"),
            FieldPanel("slug"),
            FieldPanel("description"),
            FieldPanel("states"),
            FieldPanel("members"),
        ],
        base_form_class=PartnerGroupForm,
    )


register_snippet(PartnerGroupViewSet)


# Publication of a practice prepared from exchanged material goes through the
# focal point's approval in the portal, which sends it to moderation itself.
RELEASE_GATED_ACTIONS = ("action-submit", "action-restart-workflow", "action-publish")


@hooks.register("before_edit_page")
def save_released_drafts_without_submitting(request, page):
    """A submit or publish of a released practice in the page editor is kept as a
    draft (nothing typed is lost), with a message saying what releases it."""
    if request.method != "POST" or release_of(page) is None:
        return None
    if not any(request.POST.get(name) for name in RELEASE_GATED_ACTIONS):
        return None
    data = request.POST.copy()
    for name in RELEASE_GATED_ACTIONS:
        data.pop(name, None)
    request.POST = data
    messages.warning(
        request,
        _(
            "Saved as a draft. This good practice was prepared from material "
            "exchanged between experts: its State's focal point approves it in the "
            "portal, which sends it to the secretariat's moderation."
        ),
    )
    return None


@hooks.register("after_edit_page")
def take_changed_releases_out_of_moderation(request, page):
    """An edit in the page editor after the focal point's approval takes the page
    out of moderation, as an edit on the release page does: the secretariat never
    moderates text that was not approved."""
    release = release_of(page)
    if release is None or release.withdrawn_at is not None:
        return None
    page = page.specific
    if page.workflow_in_progress and not may_publish(
        page.get_latest_revision_as_object(), release
    ):
        page.current_workflow_state.cancel(user=request.user)
        messages.warning(
            request,
            _(
                "Changed after its State's focal point approved it: taken out of "
                "moderation until they approve the new text in the portal."
            ),
        )
    return None
