"""Pages that show restricted material carry its tier at their top and bottom."""

from __future__ import annotations

import re

from django.test import Client
from django.urls import reverse

import pytest

from exchange.actions import change_partner_group
from exchange.coordination import actions as coordination
from exchange.models import PartnerGroup
from portal.accounts.roles import Role
from portal.tiers import highest
from tests.exchange.conftest import make_expert, share
from tests.support import login_verified

pytestmark = pytest.mark.django_db

LABELS = {
    "restricted": "RESTRICTED",
    "confidential": "CONFIDENTIAL",
    "highly_confidential": "HIGHLY CONFIDENTIAL",
}
_BANNER = re.compile(
    r'<div class="classification classification-(\w+) classification-(top|bottom)"'
    r'.*?<strong class="classification-tier">([^<]+)</strong>',
    re.DOTALL,
)


def banners(response) -> list[tuple[str, str, str]]:
    """(tier, position, words) of each banner, in page order, and where it sits."""
    html = response.content.decode()
    found = _BANNER.findall(html)
    if found:
        header = html.index('<header class="site-header">')
        footer = html.index('<footer class="site-footer">')
        top, bottom = (m.start() for m in _BANNER.finditer(html))
        assert header < top < html.index("</header>")  # first thing of the page
        assert footer < bottom < html.index("</footer>")  # last thing of the page
    return found


def assert_banners(response, tier: str) -> None:
    assert response.status_code == 200
    assert banners(response) == [
        (tier, "top", LABELS[tier]),
        (tier, "bottom", LABELS[tier]),
    ]


def _people():
    owner = make_expert("NL", clearance="highly_confidential")
    reader = make_expert("BE", clearance="highly_confidential")
    return owner, reader


def _shared(owner, reader, tier: str, title: str = "Border monitoring lessons"):
    sharing = (
        {"users": [reader]}
        if tier == "highly_confidential"
        else {"states": [reader.state]}
    )
    return share(owner, tier=tier, title=title, **sharing)


@pytest.mark.parametrize("tier", list(LABELS))
def test_a_documents_pages_carry_its_tier_at_top_and_bottom(tier):
    owner, reader = _people()
    document = _shared(owner, reader, tier)
    client = login_verified(Client(), reader)
    for url in (
        document.get_absolute_url(),
        reverse("exchange:list"),
        reverse("exchange:recent"),
    ):
        assert_banners(client.get(url), tier)
    owner_client = login_verified(Client(), owner)
    assert_banners(owner_client.get(document.get_absolute_url()), tier)  # with history
    assert_banners(
        owner_client.get(reverse("exchange:version_create", args=[document.pk])), tier
    )


def test_a_list_carries_the_highest_tier_it_shows():
    owner, reader = _people()
    _shared(owner, reader, "restricted", "Transport exercise")
    _shared(owner, reader, "confidential", "Insider threat review")
    _shared(owner, reader, "public", "Outreach leaflet")
    client = login_verified(Client(), reader)
    assert_banners(client.get(reverse("exchange:list")), "confidential")
    # Filtered down to the restricted one, the page shows no more than that.
    filtered = client.get(reverse("exchange:list"), {"tier": "restricted"})
    assert_banners(filtered, "restricted")


def test_public_pages_and_public_tier_material_carry_no_banner(home_page):
    owner, reader = _people()
    document = _shared(owner, reader, "public")
    client = login_verified(Client(), reader)
    for url in (
        "/",
        reverse("search:page"),
        document.get_absolute_url(),
        reverse("exchange:list"),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert banners(response) == [], url
        assert 'class="classification' not in response.content.decode(), url
    assert banners(Client().get("/")) == []


@pytest.mark.parametrize("tier", list(LABELS))
def test_rooms_and_their_list_carry_the_rooms_tier(tier):
    secretary = make_expert(None, clearance="highly_confidential")
    member = make_expert("NL", clearance="highly_confidential")
    group = PartnerGroup.objects.create(name="Border group", slug="border-group")
    change_partner_group(group, add_members=[member], by=None)
    room = coordination.open_room(group, by=secretary, name="Ops", tier=tier)
    client = login_verified(Client(), member)
    assert_banners(client.get(reverse("coordination:room", args=[room.pk])), tier)
    # The group's default room is restricted; the list shows the highest.
    assert_banners(client.get(reverse("coordination:rooms")), tier)


@pytest.mark.parametrize("tier", list(LABELS))
def test_notifications_of_a_document_carry_its_tier(tier):
    owner, reader = _people()
    document = _shared(owner, reader, tier)
    coordination.notify_document_shared(document)
    client = login_verified(Client(), reader)
    response = client.get(reverse("coordination:notifications"))
    assert document.title in response.content.decode()
    assert_banners(response, tier)
    # The account page mentions no document: no banner.
    assert banners(client.get(reverse("accounts:profile"))) == []


def test_the_highest_tier_ignores_public_and_unknown_values():
    assert highest([]) is None
    assert highest(["public", None, "nonsense"]) is None
    assert highest(["restricted", "highly_confidential", "confidential"]) == (
        "highly_confidential"
    )


def test_a_states_progress_page_carries_the_highest_tier_of_its_records(home_page):
    from tests.progress.conftest import make_commitment_status, make_person

    editor = make_person(
        "NL", roles=(Role.STATE_EDITOR,), clearance="confidential", name="Anna Visser"
    )
    make_commitment_status(
        editor, tier="confidential", statement="Inspection plan of the regulator"
    )
    url = reverse("progress:state", args=["NL"])
    client = login_verified(Client(), editor)
    page = client.get(url)
    assert "Inspection plan of the regulator" in page.content.decode()
    assert_banners(page, "confidential")
    assert_banners(client.get(reverse("progress:manage")), "confidential")
    # The public sees the State's page without the record, and without a banner.
    public = Client().get(url)
    assert public.status_code == 200
    assert "Inspection plan of the regulator" not in public.content.decode()
    assert banners(public) == []
