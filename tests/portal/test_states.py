"""The States register holds the 35 subscribing States of the seed, with ISO codes."""

import re
from pathlib import Path

import pytest

from portal.states.models import State
from portal.states.register import display_name

SEED = Path(__file__).resolve().parents[2] / "docs" / "seed"


def seed_state_names() -> list[str]:
    """The subscribing States as the seed lists them under 'subscribed by'."""
    text = (SEED / "strengthening-nuclear-security-implementation.txt").read_text()
    listing = text.split("subscribed by", 1)[1].strip().split("\n", 1)[0]
    names = re.split(r",\s*|\s+and\s+(?=the United States|Vietnam)", listing)
    return [name.strip() for name in names if name.strip()]


@pytest.mark.django_db
def test_register_holds_the_35_subscribing_states():
    assert State.objects.filter(is_subscriber=True).count() == 35


@pytest.mark.django_db
def test_every_seed_state_is_registered_with_its_iso_codes():
    names = seed_state_names()
    assert len(names) == 35
    for name in names:
        state = State.objects.get(name=display_name(name))
        assert re.fullmatch(r"[A-Z]{2}", state.iso_code), state
        assert re.fullmatch(r"[A-Z]{3}", state.iso_alpha3), state
        assert state.is_subscriber


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "alpha2", "alpha3"),
    [
        ("Netherlands", "NL", "NLD"),
        ("Republic of Korea", "KR", "KOR"),
        ("United Kingdom", "GB", "GBR"),
        ("United States of America", "US", "USA"),
        ("Vietnam", "VN", "VNM"),
        ("Czech Republic", "CZ", "CZE"),
    ],
)
def test_iso_codes_follow_iso_3166(name, alpha2, alpha3):
    state = State.objects.get(name=name)
    assert (state.iso_code, state.iso_alpha3) == (alpha2, alpha3)


@pytest.mark.django_db
def test_iso_codes_are_unique():
    codes = list(State.objects.values_list("iso_code", flat=True))
    assert len(codes) == len(set(codes))
