"""Forms of the exchange: uploading, versions, sharing; they validate, actions write."""

from __future__ import annotations

from typing import cast

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from exchange import policy, releases
from exchange.models import HIGHLY_CONFIDENTIAL_SHARING_ERROR, PartnerGroup
from portal.states.models import State
from portal.tiers import Tier


class PickerSelect(forms.SelectMultiple):
    """A multi-select that `exchange/static/exchange/picker.js` turns into a
    type-ahead combobox; without the script it stays a plain multi-select."""

    def __init__(self, *, kind: str, **attrs):
        super().__init__(attrs={"data-picker": kind, "size": 6, **attrs})


class PeopleField(forms.ModelMultipleChoiceField):
    """Named recipients, chosen by name among the vetted experts of the directory."""

    def clean(self, value):
        # An empty entry (a form that posts "users=" for nobody) chooses nobody.
        if isinstance(value, (list, tuple)):
            value = [v for v in value if v not in ("", None)]
        return super().clean(value)

    def label_from_instance(self, obj) -> str:
        state = obj.state.name if obj.state_id else gettext("no State")
        return f"{obj.display_name} ({state})"


def _tier_choices(user) -> list[tuple[str, str]]:
    allowed = Tier.at_or_below(user.clearance)
    return [(t.value, str(t.label)) for t in Tier if t.value in allowed]


class SharingFields(forms.Form):
    """States, partner groups and named people, each picked by name.

    `viewer`: the person sharing; the people offered are those the directory shows
    them (`exchange.policy.visible_people`), plus whoever the document already
    names, so that saving never drops a recipient silently.
    """

    states = forms.ModelMultipleChoiceField(
        queryset=State.objects.filter(is_subscriber=True).order_by("name"),
        required=False,
        widget=PickerSelect(kind="states"),
        label=_("Share with States"),
        help_text=_(
            "Everyone cleared in these States. The originating State always "
            "sees its documents, except highly confidential ones."
        ),
    )
    groups = forms.ModelMultipleChoiceField(
        queryset=PartnerGroup.objects.all(),
        required=False,
        widget=PickerSelect(kind="groups"),
        label=_("Share with partner groups"),
    )
    users = PeopleField(
        queryset=get_user_model().objects.none(),
        required=False,
        widget=PickerSelect(kind="people"),
        label=_("Share with named experts"),
        help_text=_(
            "Type part of a name. The only sharing a highly confidential document "
            "may have; each person must be cleared for the document's tier."
        ),
    )

    def __init__(self, *args, viewer: policy.Viewer, document=None, **kwargs):
        super().__init__(*args, **kwargs)
        reachable = Q(pk__in=policy.visible_people(viewer).values("pk"))
        if document is not None:
            reachable |= Q(pk__in=document.shared_users.values("pk"))
        users = cast(forms.ModelMultipleChoiceField, self.fields["users"])
        users.queryset = (
            get_user_model()
            .objects.filter(reachable)
            .select_related("state")
            .order_by("last_name", "first_name", "pk")
        )
        self.fields["users"].widget.attrs["data-source"] = reverse("people:search")

    def clean(self):
        cleaned = super().clean()
        tier = cleaned.get("tier")
        if not tier:
            return cleaned
        if tier == Tier.HIGHLY_CONFIDENTIAL and (
            cleaned.get("states") or cleaned.get("groups")
        ):
            self.add_error(None, HIGHLY_CONFIDENTIAL_SHARING_ERROR)
        label = Tier(tier).label.lower()
        for person in cleaned.get("users") or ():
            if not policy.may_be_named_at(person, tier):
                self.add_error(
                    "users",
                    gettext(
                        "%(name)s cannot see %(tier)s documents: remove them, or "
                        "choose a tier they are cleared for."
                    )
                    % {"name": person.display_name, "tier": label},
                )
        return cleaned


class DocumentForm(SharingFields):
    title = forms.CharField(max_length=200)
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    # No tier is preselected: a document shared at the wrong tier is a leak, so
    # the expert chooses one each time.
    tier = forms.ChoiceField(
        error_messages={"required": _("Choose the tier of this document.")},
        help_text=_("Who may see it depends on its tier: choose one."),
    )
    handling_note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    expires_at = forms.DateTimeField(
        required=False,
        label=_("Expires at (UTC)"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    file = forms.FileField(label=_("File"))

    field_order = ["title", "description", "tier", "file", "handling_note"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tier"].choices = [("", "Choose a tier"), *_tier_choices(user)]
        self.fields["tier"].widget.attrs["data-picker-tier"] = ""


class VersionForm(forms.Form):
    file = forms.FileField(label=_("New version"))


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
        label=_("Expires at (UTC)"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    lowering_error = _(
        "Say why the tier is lowered: lowering a document's tier needs a "
        "justification, which is kept in the audit trail."
    )
    field_order = ["states", "groups", "users", "tier", "justification"]

    def __init__(self, *args, user, current_tier: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        tier = cast(forms.ChoiceField, self.fields["tier"])
        tier.choices = _tier_choices(user)
        tier.widget.attrs["data-picker-tier"] = ""
        self.current_tier = current_tier


class ListFilterForm(forms.Form):
    SORTS = [
        ("-last_shared_at", "Most recently shared"),
        ("last_shared_at", "Least recently shared"),
        ("title", "Title A-Z"),
        ("-updated_at", "Recently updated"),
    ]
    q = forms.CharField(required=False, label=_("Title contains"))
    tier = forms.ChoiceField(required=False)
    state = forms.ModelChoiceField(
        queryset=State.objects.all(),
        required=False,
        to_field_name="iso_code",
        label=_("Originating State"),
    )
    group = forms.ModelChoiceField(
        queryset=PartnerGroup.objects.none(),
        required=False,
        to_field_name="slug",
        label=_("Shared with group"),
    )
    shared_after = forms.DateField(
        required=False,
        label=_("Shared on or after"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    shared_before = forms.DateField(
        required=False,
        label=_("Shared on or before"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    sort = forms.ChoiceField(choices=SORTS, required=False)

    def __init__(self, *args, tiers, group_ids, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tier"].choices = [("", "Any tier")] + [
            (t.value, t.label) for t in Tier if t.value in tiers
        ]
        self.fields["group"].queryset = PartnerGroup.objects.filter(pk__in=group_ids)


class ReleaseDraftForm(forms.Form):
    """The public draft, written beside its restricted source.

    Nothing is copied from the source: what the editor types here is what the
    focal point approves. Limits and messages come from the action.
    """

    title = forms.CharField(
        max_length=255,
        label=_("Title of the good practice"),
        error_messages={"required": releases.TITLE_REQUIRED},
    )
    summary = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Two or three sentences shown in listings and feeds; at most 600 "
            "characters."
        ),
        error_messages={"required": releases.SUMMARY_REQUIRED},
    )
    text = forms.CharField(
        required=False,
        label=_("Text"),
        widget=forms.Textarea(attrs={"rows": 14}),
        help_text=_(
            "What can be released, in plain paragraphs separated by a blank "
            "line. Headings, images and figures are added in the page editor."
        ),
    )

    def __init__(self, *args, body_editable: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not body_editable:
            del self.fields["text"]

    def clean(self):
        cleaned = super().clean()
        errors = releases.draft_errors(
            cleaned.get("title", ""), cleaned.get("summary", "")
        )
        for field, message in errors.items():
            if field in cleaned:
                self.add_error(field, message)
        return cleaned
