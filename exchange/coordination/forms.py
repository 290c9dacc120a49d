"""The secretariat's forms: opening a further room of a partner group, changing a
room's tier."""

from django import forms
from django.utils.translation import gettext_lazy as _

from exchange.forms import LoweringNeedsJustification
from exchange.models import PartnerGroup
from portal.tiers import Tier


class OpenRoomForm(forms.Form):
    group = forms.ModelChoiceField(
        queryset=PartnerGroup.objects.all(), label=_("Partner group")
    )
    name = forms.CharField(max_length=120, label=_("Room name"))
    tier = forms.ChoiceField(
        choices=[(t.value, t.label) for t in Tier if t != Tier.PUBLIC],
        initial=Tier.RESTRICTED,
        help_text=_("Members see the room only when cleared for this tier."),
    )


class RoomTierForm(LoweringNeedsJustification):
    """A room's new tier; lowering it needs a justification, kept in the audit."""

    tier = forms.ChoiceField(
        choices=[(t.value, t.label) for t in Tier if t != Tier.PUBLIC],
        label=_("New tier"),
    )
    lowering_error = _(
        "Say why the tier is lowered: lowering a room's tier needs a "
        "justification, which is kept in the audit trail."
    )
    field_order = ["tier", "justification"]

    def __init__(self, *args, room, **kwargs):
        # One form per room on the page: the prefix keeps their fields apart.
        super().__init__(*args, prefix=f"room-{room.pk}", **kwargs)
        self.room = room
        self.current_tier = room.tier
        self.fields["tier"].initial = room.tier
