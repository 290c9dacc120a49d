"""Forms of the account pages: sign-in, codes, invitations and vetting."""

from __future__ import annotations

import zoneinfo
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import (
    AuthenticationForm,
    PasswordChangeForm,
    SetPasswordForm,
)
from django.db.models import QuerySet
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from portal.accounts.models import User
from portal.tiers import Tier

if TYPE_CHECKING:
    from django_otp.models import Device

    # Generic to the type checker only: Django's classes take no arguments at run
    # time (django-stubs' `monkeypatch` would add them; nothing else needs it).
    _SetPasswordForm = SetPasswordForm[User]
    _UserChoiceField = forms.ModelChoiceField[User]
else:
    _SetPasswordForm = SetPasswordForm
    _UserChoiceField = forms.ModelChoiceField


class LoginForm(AuthenticationForm):
    """Django's form; the field stays `username` (django-axes reads it)."""

    username = forms.EmailField(
        label=_("Email address"),
        widget=forms.EmailInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "The email address or password is not right.",
    }


class PasswordResetRequestForm(forms.Form):
    email = forms.EmailField(
        label=_("Email address"),
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )


class NewPasswordForm(_SetPasswordForm):
    """Django's form (the validators of the settings), refusing the current
    password as the new one."""

    new_password1, new_password2 = SetPasswordForm.create_password_fields(
        label1=_("New password"), label2=_("New password again")
    )

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        new = cleaned.get("new_password1")
        if (
            new
            and not self.has_error("new_password1")
            and self.user.check_password(new)
        ):
            self.add_error(
                "new_password1",
                _("This is your current password: choose a different one."),
            )
        return cleaned


class ChangePasswordForm(NewPasswordForm, PasswordChangeForm):
    """The account page's form: the current password first, then the new one."""

    old_password = forms.CharField(
        label=_("Current password"),
        strip=False,
        widget=forms.PasswordInput(
            attrs={"autocomplete": "current-password", "autofocus": True}
        ),
    )
    field_order = ["old_password", "new_password1", "new_password2"]
    error_messages = {
        **PasswordChangeForm.error_messages,
        "password_incorrect": "That is not your current password.",
    }


class CodeForm(forms.Form):
    device = forms.ChoiceField(label=_("Second factor"), widget=forms.RadioSelect)
    code = forms.CharField(
        label=_("Code"),
        max_length=20,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "text",
                "autofocus": True,
                "spellcheck": "false",
            }
        ),
        help_text=_("The 6-digit code of your authenticator app, or one backup code."),
    )

    def __init__(self, *args: Any, devices: Sequence[Device], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.devices = {device.persistent_id: device for device in devices}
        choice = cast(forms.ChoiceField, self.fields["device"])
        choice.choices = [
            (device.persistent_id, device_label(device)) for device in devices
        ]
        if devices:
            self.fields["device"].initial = devices[0].persistent_id

    def chosen_device(self) -> Device:
        return self.devices[self.cleaned_data["device"]]


def device_label(device: Device) -> str:
    if device._meta.app_label == "django_otp_webauthn":
        name = device.name or gettext("Passkey")
        return gettext("%(name)s (passkey)") % {"name": name}
    if device._meta.model_name == "staticdevice":
        count = device.token_set.count()
        return ngettext(
            "Backup code (%(count)s left)", "Backup code (%(count)s left)", count
        ) % {"count": count}
    return gettext("%(name)s (6-digit code)") % {"name": device.name}


class EnrolForm(forms.Form):
    code = forms.CharField(
        label=_("Code from your app"),
        max_length=10,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}
        ),
    )


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("Expert's email address"))


class AcceptInvitationForm(forms.Form):
    # Others see the expert by these names, never by the email address.
    first_name = forms.CharField(
        label=_("Given name"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
        error_messages={"required": _("Give your given name: others see you by it.")},
    )
    last_name = forms.CharField(
        label=_("Family name"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
        error_messages={"required": _("Give your family name: others see you by it.")},
    )
    password1 = forms.CharField(
        label=_("Password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args: Any, email: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.email = email

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("The two passwords differ."))
        elif first:
            candidate = User(
                email=self.email,
                first_name=cleaned.get("first_name", ""),
                last_name=cleaned.get("last_name", ""),
            )
            try:
                password_validation.validate_password(first, candidate)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class VettingForm(forms.Form):
    clearance = forms.ChoiceField(choices=Tier.choices)
    vetted_until = forms.DateField(
        label=_("Vetted until"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Exchange access ends after this day."),
    )


class PersonChoiceField(_UserChoiceField):
    """People by the name others know them by, never by their address."""

    def label_from_instance(self, obj: User) -> str:
        return obj.display_name


class FactorResetRequestForm(forms.Form):
    """The focal point picks an account of their State, by name."""

    account = PersonChoiceField(
        queryset=None,
        label=_("Account that lost its second factor"),
        empty_label=_("Choose a person"),
        help_text=_(
            "Only if they have no backup code left. The secretariat confirms; then "
            "all their devices are removed and they set up a new one at their next "
            "sign-in."
        ),
        error_messages={
            "required": _("Choose the person whose second factors to reset."),
            "invalid_choice": _(
                "Choose a person of your State (not yourself) from the list."
            ),
        },
    )

    def __init__(self, *args: Any, candidates: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(PersonChoiceField, self.fields["account"]).queryset = candidates


def time_zone_choices() -> list[tuple[str, str]]:
    """Every IANA zone, UTC first, then by region and city ("Europe/Vienna")."""
    zones = sorted(zoneinfo.available_timezones() - {"UTC"})
    return [("UTC", "UTC")] + [(zone, zone.replace("_", " ")) for zone in zones]


class TimeZoneForm(forms.Form):
    time_zone = forms.ChoiceField(
        label=_("Time zone"),
        choices=time_zone_choices,
        help_text=_(
            "Times on the portal's pages are shown in this zone, with its name."
        ),
    )
