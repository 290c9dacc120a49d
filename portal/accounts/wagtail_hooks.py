"""The Wagtail user editor, saving groups and superuser status through the actions;
the editor's and the secretariat's work on the admin's dashboard.

Wagtail's own forms write `groups` and `is_superuser` straight to the database; here
the same screens call `set_groups` and `set_superuser` with the editor as actor, so
every change is audited with who made it and nobody changes their own groups.
Clearance and vetting are not on these screens at all: they have their own pages
(`/accounts/vetting/`), which call `vet_expert` and `approve_vetting`.
"""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.shortcuts import redirect
from django.urls import reverse

from wagtail import hooks
from wagtail.admin.ui.components import Component
from wagtail.users import forms as wagtail_forms
from wagtail.users.views import users as wagtail_users
from wagtail.users.views.bulk_actions.assign_role import AssignRoleBulkAction

from portal.accounts import actions, home
from portal.accounts.guard import SelfChangeRefused, refuse_self_change
from portal.accounts.models import User
from portal.accounts.roles import Role, roles_of


class _AccessThroughActions:
    """Mixed into Wagtail's user forms: `editor` and `request` come from the view."""

    def __init__(self, *args, editor=None, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.editor = editor
        self.request = request

    def clean(self):
        cleaned = super().clean()
        groups = cleaned.get("groups")
        editing_self = self.editor is not None and self.instance.pk == self.editor.pk
        if editing_self and groups is not None:
            held = set(self.instance.groups.values_list("pk", flat=True))
            wanted = {g.pk for g in groups}
            if held != wanted:
                try:
                    refuse_self_change(
                        self.instance,
                        by=self.editor,
                        action="accounts.groups_changed",
                        request=self.request,
                        added=sorted(wanted - held),
                        removed=sorted(held - wanted),
                    )
                except SelfChangeRefused as refusal:
                    self.add_error("groups", str(refusal))
        return cleaned

    def save(self, commit=True):
        groups = self.cleaned_data.get("groups") if "groups" in self.fields else None
        superuser = (
            self.cleaned_data.get("is_superuser")
            if "is_superuser" in self.fields
            else None
        )
        user = super().save(commit=False)
        # Whatever the form put there, the stored value stays until the action runs.
        user.is_superuser = (
            User.objects.values_list("is_superuser", flat=True).get(pk=user.pk)
            if user.pk
            else False
        )
        with transaction.atomic():
            user.save()
            if superuser is not None:
                actions.set_superuser(
                    user, superuser, by=self.editor, request=self.request
                )
            if groups is not None:
                actions.set_groups(user, groups, by=self.editor, request=self.request)
        return user


class UserCreationForm(_AccessThroughActions, wagtail_forms.UserCreationForm):
    pass


class UserEditForm(_AccessThroughActions, wagtail_forms.UserEditForm):
    pass


class _EditorKwargs:
    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs.update(editor=self.request.user, request=self.request)
        return kwargs


class CreateView(_EditorKwargs, wagtail_users.CreateView):
    pass


class EditView(_EditorKwargs, wagtail_users.EditView):
    pass


class UserViewSet(wagtail_users.UserViewSet):
    add_view_class = CreateView
    edit_view_class = EditView

    def get_form_class(self, for_update=False):
        return UserEditForm if for_update else UserCreationForm


class AuditedAssignRoleBulkAction(AssignRoleBulkAction):
    """ "Assign role" on many users at once: each through `set_groups`, never to
    oneself (the whole action is refused, and audited, when one is selected)."""

    def prepare_action(self, objects, objects_without_access):
        if any(obj.pk == self.request.user.pk for obj in objects):
            try:
                refuse_self_change(
                    self.request.user,
                    by=self.request.user,
                    action="accounts.groups_changed",
                    request=self.request,
                    added=[self.cleaned_form.cleaned_data["role"].name],
                )
            except SelfChangeRefused as refusal:
                messages.error(self.request, str(refusal))
                return redirect(self.next_url)
        return None

    def get_execution_context(self):
        return {
            **super().get_execution_context(),
            "by": self.request.user,
            "request": self.request,
        }

    @classmethod
    def execute_action(cls, objects, role=None, by=None, request=None, **kwargs):
        if role is None:
            return None
        for user in objects:
            actions.set_groups(user, [*user.groups.all(), role], by=by, request=request)
        return len(objects), 0


# Registered after Wagtail's own (order 1) so that it replaces the unaudited one.
hooks.register("register_bulk_action", AuditedAssignRoleBulkAction, order=1)


class RoleWorkPanel(Component):
    """The editor's and the secretariat's work on the admin's dashboard: the same
    lists as their home (`portal.accounts.home`), so the admin is not an empty
    screen to an editor and the review queue is where the reviewing is done."""

    name = "portal_role_work"
    template_name = "wagtailadmin/home/portal_work.html"
    order = 50

    def __init__(self, sections):
        self.sections = sections

    def get_context_data(self, parent_context=None):
        return {"sections": self.sections}


ADMIN_TITLES = {
    "review_queue": "The secretariat's review queue",
    "in_moderation": "Your pages with the secretariat",
}


def admin_work_sections(user) -> list:
    """My drafts, what awaits moderation or changes, and what awaits my review."""
    roles = set(roles_of(user))
    sections = []
    if roles & {Role.STATE_EDITOR, Role.FOCAL_POINT}:
        sections += home.editor_sections(user)
    if Role.SECRETARIAT in roles:
        sections += [s for s in home.secretariat_sections(user) if s.key != "rooms"]
    admin_home = reverse("wagtailadmin_home")
    for section in sections:
        if section.more_url == admin_home:  # already there
            section.more_url = section.more_label = ""
        # Wagtail's own panels are called "Awaiting your review" and "Your pages
        # in a workflow": the portal's say whose queue they are.
        section.title = ADMIN_TITLES.get(section.key, section.title)
    return sections


@hooks.register("construct_homepage_panels")
def add_role_work_panel(request, panels) -> None:
    sections = admin_work_sections(request.user)
    if sections:
        panels.append(RoleWorkPanel(sections))
