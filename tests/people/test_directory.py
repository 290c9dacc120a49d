"""The people directory and its type-ahead: vetted experts only, by name, never
by address; the unlisted stay out; everyone else gets the 404 of a missing page."""

from __future__ import annotations

import datetime

from django.test import Client
from django.urls import reverse
from django.utils import timezone

import pytest

from exchange.actions import change_partner_group
from exchange.models import PartnerGroup
from portal.accounts.guard import authorised
from portal.accounts.roles import Role
from portal.audit.models import AuditEvent
from portal.people.actions import update_directory_entry
from portal.people.models import DirectoryEntry
from portal.states.models import State
from tests.exchange.conftest import make_expert
from tests.portal.identity import make_user, sign_in
from tests.support import assert_not_found, login_verified

pytestmark = pytest.mark.django_db

EXPERT = (Role.VETTED_EXPERT,)


def _expert(iso="NL", first="Anna", last="Bakker", **extra):
    return make_expert(iso, roles=EXPERT, first_name=first, last_name=last, **extra)


@pytest.fixture
def world():
    viewer = _expert("NL", "Anna", "Bakker")
    colleague = _expert("DE", "Jonas", "Schmidt", clearance="restricted")
    stranger = _expert("FR", "Claire", "Martin")
    lapsed = _expert("BE", "Lucas", "Peeters")
    with authorised():  # a fixture: a vetting that ended yesterday
        lapsed.vetted_until = timezone.localdate() - datetime.timedelta(days=1)
        lapsed.save(update_fields=["vetted_until"])
    unvetted = _expert("NL", "Noor", "Visser", vetted=False)
    group = PartnerGroup.objects.create(name="North Sea partners", slug="north-sea")
    change_partner_group(
        group,
        add_states=[State.objects.get(iso_code="DE")],
        add_members=[viewer],
        by=None,
    )
    update_directory_entry(
        colleague, listed=True, areas="Commitment 3b; insider threat"
    )
    return {
        "viewer": viewer,
        "colleague": colleague,
        "stranger": stranger,
        "lapsed": lapsed,
        "unvetted": unvetted,
        "group": group,
    }


def _html(client, path=None, **query) -> str:
    """The page's main content (the header names the viewer themselves)."""
    response = client.get(path or reverse("people:directory"), query)
    assert response.status_code == 200, response.status_code
    html = response.content.decode()
    return html[html.index("<main") : html.index("</main>")]


def test_the_directory_names_vetted_experts_with_state_shared_groups_and_areas(world):
    client = login_verified(Client(), world["viewer"])
    html = _html(client)
    for shown in ("Jonas Schmidt", "Claire Martin", "Anna Bakker"):
        assert shown in html
    # Their State, the group they share with the viewer, and their areas.
    row = html[html.index("Jonas Schmidt") :]
    row = row[: row.index("</tr>")]
    assert "Germany" in row and "North Sea partners" in row
    assert "Commitment 3b; insider threat" in row
    stranger_row = html[html.index("Claire Martin") :]
    assert "North Sea partners" not in stranger_row[: stranger_row.index("</tr>")]
    # Not vetted, or vetting expired: not in the directory.
    assert "Lucas Peeters" not in html and "Noor Visser" not in html
    # Never an address, the viewer's own included.
    for person in world.values():
        if hasattr(person, "email"):
            assert person.email not in html


def test_the_directory_finds_by_name_or_area_and_filters_by_state(world):
    client = login_verified(Client(), world["viewer"])
    by_area = _html(client, q="insider")
    assert "Jonas Schmidt" in by_area and "Claire Martin" not in by_area
    by_name = _html(client, q="clai mart")
    assert "Claire Martin" in by_name and "Jonas Schmidt" not in by_name
    by_state = _html(client, state="FR")
    assert "Claire Martin" in by_state and "Anna Bakker" not in by_state


def test_an_unlisted_expert_is_absent_from_the_directory_and_the_type_ahead(world):
    colleague = world["colleague"]
    update_directory_entry(colleague, listed=False, areas="insider threat")
    client = login_verified(Client(), world["viewer"])
    assert "Jonas Schmidt" not in _html(client)
    found = client.get(reverse("people:search"), {"q": "Jonas"}).json()
    assert found["results"] == []
    # Listed again: found again.
    update_directory_entry(colleague, listed=True, areas="insider threat")
    assert "Jonas Schmidt" in _html(client)


def test_the_directory_is_not_found_for_anyone_but_verified_vetted_experts(world):
    url = reverse("people:directory")
    anonymous = Client().get(url)
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    password_only = Client()
    world["viewer"].set_password("a-long-and-unusual-passphrase")
    world["viewer"].save(update_fields=["password"])
    sign_in(password_only, world["viewer"].email, "a-long-and-unusual-passphrase")
    assert "/account/two-factor/" in password_only.get(url)["Location"]
    for person in (
        make_user("editor@example.org", Role.STATE_EDITOR),
        make_user("focal@example.org", Role.FOCAL_POINT, Role.STATE_EDITOR),
        make_user("secretary@example.org", Role.SECRETARIAT, state=None),
        make_user("officer@example.org", Role.SECURITY_OFFICER, state=None),
        # The role with an expired vetting, or never vetted.
        world["lapsed"],
        world["unvetted"],
    ):
        assert_not_found(login_verified(Client(), person).get(url))


def test_the_menu_offers_the_directory_to_verified_experts_only(world):
    link = f'href="{reverse("people:directory")}"'

    def header(person) -> str:
        return login_verified(Client(), person).get("/my/").content.decode()

    assert link in header(world["viewer"])
    assert link not in header(
        make_user("sec@example.org", Role.SECRETARIAT, state=None)
    )
    assert link not in header(world["lapsed"])


def test_the_type_ahead_answers_verified_experts_only(world):
    url = reverse("people:search")
    query = {"q": "Schmidt", "tier": "confidential"}
    assert Client().get(url, query).status_code == 404
    for person in (
        make_user("editor@example.org", Role.STATE_EDITOR),
        make_user("secretary@example.org", Role.SECRETARIAT, state=None),
        world["lapsed"],
    ):
        response = login_verified(Client(), person).get(url, query)
        assert response.status_code == 404
        assert response.json() == {"detail": "Not found."}
    password_only = Client()
    password_only.force_login(world["viewer"])
    assert password_only.get(url, query).status_code == 404

    response = login_verified(Client(), world["viewer"]).get(url, query)
    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["name"] for r in results] == ["Jonas Schmidt"]
    jonas = results[0]
    assert jonas["state"] == "Germany" and jonas["state_code"] == "DE"
    # Cleared for restricted only: the form greys out confidential and above.
    assert jonas["fits"] == {
        "public": True,
        "restricted": True,
        "confidential": False,
        "highly_confidential": False,
    }
    body = response.content.decode()
    assert world["colleague"].email not in body and "@" not in body


def test_the_type_ahead_finds_nobody_the_directory_hides(world):
    client = login_verified(Client(), world["viewer"])
    url = reverse("people:search")
    for name in ("Peeters", "Visser", ""):
        assert client.get(url, {"q": name}).json()["results"] == []
    names = [r["name"] for r in client.get(url, {"q": "a"}).json()["results"]]
    assert "Lucas Peeters" not in names and "Noor Visser" not in names
    assert {"Anna Bakker", "Claire Martin"} <= set(names)


def test_an_expert_edits_their_own_entry_and_the_change_is_audited(world):
    viewer = world["viewer"]
    client = login_verified(Client(), viewer)
    response = client.post(
        reverse("people:entry"), {"areas": "  Commitment 2c,   NSS 15 "}
    )
    assert response.status_code == 302
    entry = DirectoryEntry.objects.get(user=viewer)
    # An unticked box is the choice to be unlisted.
    assert entry.listed is False and entry.areas == "Commitment 2c, NSS 15"
    event = AuditEvent.objects.get(
        action="people.directory_entry.updated", actor_id=viewer.pk
    )
    assert event.actor_id == viewer.pk
    assert event.details == {"listed": False, "was_listed": True, "areas_changed": True}
    account = _html(client, reverse("accounts:profile"))
    assert "You are unlisted" in account and "Commitment 2c, NSS 15" in account
    too_long = client.post(
        reverse("people:entry"), {"listed": "on", "areas": "x" * 501}
    )
    assert too_long.status_code == 400
    assert "at most 500 characters" in too_long.content.decode()
    entry.refresh_from_db()
    assert entry.listed is False and entry.areas == "Commitment 2c, NSS 15"


def test_the_directory_lists_a_page_in_a_fixed_number_of_queries(
    world, django_assert_max_num_queries
):
    for number in range(12):
        _expert("DE", f"Person{number}", "Example")
    client = login_verified(Client(), world["viewer"])
    _html(client)
    with django_assert_max_num_queries(20):
        html = _html(client)
    assert html.count("Example") >= 12
