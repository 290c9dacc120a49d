"""The Wagtail user editor, saving groups and superuser status through the actions;
the editor's and the secretariat's work on the admin's dashboard.

Wagtail's own forms write `groups` and `is_superuser` straight to the database; here
the same screens call `set_groups` and `set_superuser` with the editor as actor, so
every change is audited with who made it and nobody changes their own groups.
Clearance and vetting are not on these screens at all: they have their own pages
(`/accounts/vetting/`), which call `vet_expert` and `approve_vetting`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import messages
from django.contrib.auth.models import Group
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from wagtail import hooks
from wagtail.admin.ui.components import Component
from wagtail.users import forms as wagtail_forms
from wagtail.users.views import users as wagtail_users
from wagtail.users.views.bulk_actions.assign_role import AssignRoleBulkAction

from portal.accounts import actions, home
from portal.accounts.decorators import SignedInRequest
from portal.accounts.guard import SelfChangeRefused, refuse_self_change
from portal.accounts.models import User
from portal.accounts.roles import Role, roles_of

if TYPE_CHECKING:
    from django.views.generic.edit import BaseFormView

    from portal.accounts.home import Section

    # To the type checker the mixins below are what they are mixed into: a model
    # form of users and a form view (Wagtail's, which are untyped, derive from them).
    _UserForm = forms.ModelForm[User]
    _FormView = BaseFormView[forms.ModelForm[User]]
else:
    _UserForm = _FormView = object


class _AccessThroughActions(_UserForm):
    """Mixed into Wagtail's user forms: `editor` and `request` come from the view."""

    def __init__(
        self,
        *args: Any,
        editor: User | None = None,
        request: HttpRequest | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.editor = editor
        self.request = request

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
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

    def save(self, commit: bool = True) -> User:
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


class _EditorKwargs(_FormView):
    def get_form_kwargs(self) -> dict[str, Any]:
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

    def get_form_class(self, for_update: bool = False) -> type[_AccessThroughActions]:
        return UserEditForm if for_update else UserCreationForm


class AuditedAssignRoleBulkAction(AssignRoleBulkAction):
    """ "Assign role" on many users at once: each through `set_groups`, never to
    oneself (the whole action is refused, and audited, when one is selected)."""

    def prepare_action(
        self, objects: Sequence[User], objects_without_access: Any
    ) -> HttpResponse | None:
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

    def get_execution_context(self) -> dict[str, Any]:
        return {
            **super().get_execution_context(),
            "by": self.request.user,
            "request": self.request,
        }

    @classmethod
    def execute_action(
        cls,
        objects: Sequence[User],
        role: Group | None = None,
        by: User | None = None,
        request: HttpRequest | None = None,
        **kwargs: Any,
    ) -> tuple[int, int] | None:
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

    def __init__(self, sections: list[Section]) -> None:
        self.sections = sections

    def get_context_data(
        self, parent_context: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        return {"sections": self.sections}


ADMIN_TITLES = {
    "review_queue": "The secretariat's review queue",
    "in_moderation": "Your pages with the secretariat",
}


def admin_work_sections(user: User) -> list[Section]:
    """My drafts, what awaits moderation or changes, and what awaits my review."""
    roles = set(roles_of(user))
    sections: list[Section] = []
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


def add_role_work_panel(request: SignedInRequest, panels: list[Component]) -> None:
    """The admin answers only to signed-in, verified people
    (`AdminVerifiedSessionMiddleware`), so its request has a user."""
    sections = admin_work_sections(request.user)
    if sections:
        panels.append(RoleWorkPanel(sections))


# Registered by call: Wagtail's decorator is untyped and would hide the signature.
hooks.register("construct_homepage_panels", add_role_work_panel)
