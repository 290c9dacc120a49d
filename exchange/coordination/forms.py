"""The secretariat's form for opening a further room of a partner group."""

from django import forms

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
