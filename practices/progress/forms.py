"""Editor forms for progress records: the record's fields, its tier and its sharing."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model

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
    shared_with_users = forms.ModelMultipleChoiceField(
        queryset=get_user_model().objects.none(),
        required=False,
        help_text="Highly confidential records only: the named individuals.",
    )

    def __init__(self, *args, user, viewer: Viewer, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.state_id = user.state_id
        self.fields["tier"].choices = [
            (value, label)
            for value, label in Tier.choices
            if viewer.may_see_tier(value)
        ]
        self.fields["shared_with_states"].queryset = State.objects.filter(
            is_subscriber=True
        ).exclude(pk=user.state_id)
        self.fields["shared_with_users"].queryset = get_user_model().objects.filter(
            is_active=True, clearance=Tier.HIGHLY_CONFIDENTIAL
        )
        if "mission" in self.fields:
            self.fields["mission"].queryset = editable_records(
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
    return forms.modelform_factory(
        model,
        form=RecordForm,
        fields=[*model.editable_fields, "tier"],
        widgets={
            name: forms.DateInput(attrs={"type": "date"})
            for name in ("conducted_on", "made_on", "implemented_on")
            if name in model.editable_fields
        },
    )
