"""Forms of the people directory: a person's own entry, and the directory's filter."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.people.models import DirectoryEntry
from portal.states.models import State


class DirectoryEntryForm(forms.ModelForm):
    class Meta:
        model = DirectoryEntry
        fields = ["listed", "areas"]
        widgets = {"areas": forms.TextInput(attrs={"autocomplete": "off"})}


class DirectoryFilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=100, label=_("Name or area"))
    state = forms.ModelChoiceField(
        queryset=State.objects.filter(is_subscriber=True).order_by("name"),
        required=False,
        to_field_name="iso_code",
        label=_("State"),
        empty_label=_("Any"),
    )
