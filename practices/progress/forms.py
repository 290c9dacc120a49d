"""Editor forms for progress records: the record's fields, its tier and its sharing."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from exchange.models import PartnerGroup
from exchange.policy import Viewer
from portal.states.models import State
from portal.tiers import Tier
from practices.progress.actions import (
    SHARING_FIELDS,
    editable_records,
    validate_sharing,
)
from practices.progress.models import PeerReviewMission, ProgressRecord
from practices.progress.visibility import HIGHLY_CONFIDENTIAL


class NamedPersonField(forms.ModelMultipleChoiceField):
    """People by their names and State: the form is no directory of addresses."""

    def label_from_instance(self, obj) -> str:
        name = obj.get_full_name() or _("Unnamed expert #%(id)s") % {"id": obj.pk}
        state = obj.state.iso_code if obj.state_id else _("no State")
        return f"{name} ({state})"


def nameable_people(user, viewer: Viewer, *, already_named=None) -> QuerySet:
    """Whom `user` may name on a highly confidential record: nobody unless they may
    set that tier themselves; then active people vetted and cleared to it whom the
    editor already works with (their own State, or a partner group that reaches
    them both). People the record already names stay listed, so that saving it
    keeps them."""
    people = get_user_model().objects.none()
    if viewer.user_id == user.pk and viewer.may_see_tier(HIGHLY_CONFIDENTIAL):
        reach = Q(state_id=user.state_id) if user.state_id else Q(pk__in=[])
        if viewer.group_ids:
            reach |= Q(partner_groups__in=viewer.group_ids)
            reach |= Q(state__partner_groups__in=viewer.group_ids)
        people = get_user_model().objects.filter(
            reach,
            is_active=True,
            clearance=HIGHLY_CONFIDENTIAL,
            vetted_until__gte=timezone.localdate(),
        )
    if already_named is not None and already_named.pk:
        people = people | get_user_model().objects.filter(
            pk__in=already_named.shared_with_users.values("pk")
        )
    return (
        people.distinct()
        .select_related("state")
        .order_by("first_name", "last_name", "pk")
    )


class RecordForm(forms.ModelForm):
    """Validates like the actions do (model `clean()`), then hands them the values."""

    shared_with_states = forms.ModelMultipleChoiceField(
        queryset=State.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    shared_with_groups = forms.ModelMultipleChoiceField(
        queryset=PartnerGroup.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    shared_with_users = NamedPersonField(
        queryset=get_user_model().objects.none(),
        required=False,
        help_text=gettext_lazy(
            "Highly confidential records only: the named individuals."
        ),
    )

    def __init__(self, *args, user, viewer: Viewer, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.state_id = user.state_id
        fields = cast(dict[str, Any], self.fields)  # each field's own type
        fields["tier"].choices = [
            (value, label)
            for value, label in Tier.choices
            if viewer.may_see_tier(value)
        ]
        fields["shared_with_states"].queryset = State.objects.filter(
            is_subscriber=True
        ).exclude(pk=user.state_id)
        fields["shared_with_users"].queryset = nameable_people(
            user, viewer, already_named=self.instance
        )
        if "mission" in self.fields:
            fields["mission"].queryset = editable_records(
                PeerReviewMission, user, viewer
            )
        if self.instance.pk:
            for name in SHARING_FIELDS:
                self.initial[name] = list(getattr(self.instance, name).all())

    def clean(self):
        cleaned = super().clean()
        tier = cleaned.get("tier")
        if tier:
            validate_sharing(tier, self.sharing())
        return cleaned

    def values(self) -> dict:
        names = [*self._meta.model.editable_fields, "tier"]
        return {name: self.cleaned_data[name] for name in names}

    def sharing(self) -> dict[str, list[int]]:
        return {
            name: [obj.pk for obj in self.cleaned_data.get(name) or []]
            for name in SHARING_FIELDS
        }


def record_form_class(model: type[ProgressRecord]) -> type[RecordForm]:
    # The factory returns a subclass of `form`; the stubs say only ModelForm.
    return forms.modelform_factory(  # type: ignore[return-value]
        model,
        form=RecordForm,
        fields=[*model.editable_fields, "tier"],
        widgets={
            name: forms.DateInput(attrs={"type": "date"})
            for name in ("conducted_on", "made_on", "implemented_on")
            if name in model.editable_fields
        },
    )
