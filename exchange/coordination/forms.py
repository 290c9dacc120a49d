"""The secretariat's forms: opening a further room of a partner group, changing a
room's tier."""

from django import forms
from django.utils.translation import gettext_lazy as _

from exchange.models import PartnerGroup
from portal.tiers import Tier


class OpenRoomForm(forms.Form):
    group = forms.ModelChoiceField(
        queryset=PartnerGroup.objects.all(), label="Partner group"
    )
    name = forms.CharField(max_length=120, label="Room name")
    tier = forms.ChoiceField(
        choices=[(t.value, t.label) for t in Tier if t != Tier.PUBLIC],
        initial=Tier.RESTRICTED,
        help_text="Members see the room only when cleared for this tier.",
    )


class RoomTierForm(forms.Form):
    """A room's new tier; lowering it needs a justification, kept in the audit."""

    tier = forms.ChoiceField(
        choices=[(t.value, t.label) for t in Tier if t != Tier.PUBLIC],
        label=_("New tier"),
    )
    justification = forms.CharField(
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        label=_("Why the tier is lowered"),
        help_text=_("Needed only when you lower the tier; kept in the audit trail."),
    )

    def __init__(self, *args, room, **kwargs):
        # One form per room on the page: the prefix keeps their fields apart.
        super().__init__(*args, prefix=f"room-{room.pk}", **kwargs)
        self.room = room
        self.fields["tier"].initial = room.tier

    def clean(self):
        data = super().clean()
        tier = data.get("tier")
        lowered = tier in Tier.values and Tier(tier).rank < Tier(self.room.tier).rank
        if lowered and not (data.get("justification") or "").strip():
            self.add_error(
                "justification",
                _(
                    "Say why the tier is lowered: lowering a room's tier needs a "
                    "justification, which is kept in the audit trail."
                ),
            )
        return data
