"""Forms of the exchange: uploading, versions, sharing; they validate, actions write."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from exchange.models import PartnerGroup
from portal.states.models import State
from portal.tiers import Tier


class EmailListField(forms.CharField):
    """Named recipients as email addresses, one per line or comma-separated."""

    widget = forms.Textarea(attrs={"rows": 3})

    def clean(self, value):
        value = super().clean(value) or ""
        emails = sorted({e.strip().lower() for e in value.replace(",", "\n").split()})
        users = list(get_user_model().objects.filter(email__in=emails, is_active=True))
        missing = sorted(set(emails) - {u.email for u in users})
        if missing:
            # Only exact addresses match, so this reveals no more than an address book.
            raise forms.ValidationError(
                "No active account has the address: " + ", ".join(missing)
            )
        return users


def _tier_choices(user) -> list[tuple[str, str]]:
    allowed = Tier.at_or_below(user.clearance)
    return [(t.value, t.label) for t in Tier if t.value in allowed]


class SharingFields(forms.Form):
    states = forms.ModelMultipleChoiceField(
        queryset=State.objects.filter(is_subscriber=True),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Share with States",
        help_text="Everyone cleared in these States. The originating State always "
        "sees its documents, except highly confidential ones.",
    )
    groups = forms.ModelMultipleChoiceField(
        queryset=PartnerGroup.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Share with partner groups",
    )
    users = EmailListField(
        required=False,
        label="Share with named experts",
        help_text="Email addresses, one per line. The only sharing a highly "
        "confidential document may have.",
    )


class DocumentForm(SharingFields):
    title = forms.CharField(max_length=200)
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    # No tier is preselected: a document shared at the wrong tier is a leak, so
    # the expert chooses one each time.
    tier = forms.ChoiceField(
        error_messages={"required": "Choose the tier of this document."},
        help_text="Who may see it depends on its tier: choose one.",
    )
    handling_note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    expires_at = forms.DateTimeField(
        required=False,
        label="Expires at (UTC)",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    file = forms.FileField(label="File")

    field_order = ["title", "description", "tier", "file", "handling_note"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tier"].choices = [("", "Choose a tier"), *_tier_choices(user)]


class VersionForm(forms.Form):
    file = forms.FileField(label="New version")


class LoweringNeedsJustification(forms.Form):
    """A tier and why it is lowered: lowering asks for a justification (kept in the
    audit record), raising does not. `current_tier` is the tier before the change;
    `lowering_error` says what is lowered."""

    justification = forms.CharField(
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        label=_("Why the tier is lowered"),
        help_text=_("Needed only when you lower the tier; kept in the audit trail."),
    )
    current_tier: str | None = None
    lowering_error = _(
        "Say why the tier is lowered: lowering a tier needs a justification, which "
        "is kept in the audit trail."
    )

    def clean(self):
        data = super().clean()
        tier = data.get("tier")
        lowered = (
            self.current_tier is not None
            and tier in Tier.values
            and Tier(tier).rank < Tier(self.current_tier).rank
        )
        if lowered and not (data.get("justification") or "").strip():
            self.add_error("justification", self.lowering_error)
        return data


class SharingForm(SharingFields, LoweringNeedsJustification):
    tier = forms.ChoiceField()
    expires_at = forms.DateTimeField(
        required=False,
        label="Expires at (UTC)",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    lowering_error = _(
        "Say why the tier is lowered: lowering a document's tier needs a "
        "justification, which is kept in the audit trail."
    )
    field_order = ["states", "groups", "users", "tier", "justification"]

    def __init__(self, *args, user, current_tier: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tier"].choices = _tier_choices(user)
        self.current_tier = current_tier


class ListFilterForm(forms.Form):
    SORTS = [
        ("-last_shared_at", "Most recently shared"),
        ("last_shared_at", "Least recently shared"),
        ("title", "Title A-Z"),
        ("-updated_at", "Recently updated"),
    ]
    q = forms.CharField(required=False, label="Title contains")
    tier = forms.ChoiceField(required=False)
    state = forms.ModelChoiceField(
        queryset=State.objects.all(),
        required=False,
        to_field_name="iso_code",
        label="Originating State",
    )
    group = forms.ModelChoiceField(
        queryset=PartnerGroup.objects.none(),
        required=False,
        to_field_name="slug",
        label="Shared with group",
    )
    shared_after = forms.DateField(
        required=False,
        label="Shared on or after",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    shared_before = forms.DateField(
        required=False,
        label="Shared on or before",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    sort = forms.ChoiceField(choices=SORTS, required=False)

    def __init__(self, *args, tiers, group_ids, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tier"].choices = [("", "Any tier")] + [
            (t.value, t.label) for t in Tier if t.value in tiers
        ]
        self.fields["group"].queryset = PartnerGroup.objects.filter(pk__in=group_ids)
