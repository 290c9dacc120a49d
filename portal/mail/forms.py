"""The account page's mail choices: one radio group per kind."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.mail.kinds import CHOOSABLE_KINDS, Delivery, Kind


class MailPreferencesForm(forms.Form):
    def __init__(self, *args, initial_choices: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        for kind in CHOOSABLE_KINDS:
            self.fields[kind] = forms.ChoiceField(
                label=Kind(kind).label,
                choices=Delivery.choices,
                initial=initial_choices.get(kind, Delivery.IMMEDIATELY),
                widget=forms.RadioSelect,
                error_messages={"invalid_choice": _("Choose one of the three.")},
            )
