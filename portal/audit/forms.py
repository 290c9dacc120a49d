"""The security officer's filter of the audit trail."""

from django import forms
from django.utils.translation import gettext_lazy as _


class AuditFilterForm(forms.Form):
    action = forms.CharField(required=False)
    actor = forms.CharField(required=False, label=_("Actor (name or email)"))
    outcome = forms.ChoiceField(
        required=False,
        choices=[
            ("", _("Any")),
            ("success", _("Success")),
            ("failure", _("Failure")),
            ("denied", _("Denied")),
        ],
    )
    target_type = forms.CharField(required=False)
    target_id = forms.CharField(required=False)
    since = forms.DateField(
        required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
