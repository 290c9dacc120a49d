"""People are named, never shown by address; the sharing form picks them by name
and refuses one who is not cleared for the document's tier."""

from __future__ import annotations

import re

from django.core import mail
from django.test import Client
from django.urls import reverse

import pytest

from exchange import actions
from exchange.coordination import actions as coordination
from exchange.coordination.models import Notification
from exchange.models import Document
from exchange.policy import viewer_for_user
from portal.accounts.models import User
from portal.accounts.roles import Role
from portal.mail.queue import drain
from portal.people.actions import update_directory_entry
from tests.exchange.conftest import make_expert, share
from tests.portal.identity import make_user
from tests.support import login_verified

pytestmark = pytest.mark.django_db


def _main(response) -> str:
    assert response.status_code in (200, 400), response.status_code
    html = response.content.decode()
    return html[html.index("<main") : html.index("</main>")]


def _sharing(client, document, **data):
    return client.post(reverse("exchange:sharing", args=[document.pk]), data)


# --- Names at invitation ----------------------------------------------------------


def _invitation_token(focal) -> str:
    client = login_verified(Client(), focal)
    client.post("/accounts/invitations/", {"email": "new.expert@example.org"})
    drain()  # the invitation waits in the mail queue for the worker
    link = re.search(r"/accounts/invitations/(\S+)/", mail.outbox[-1].body)
    assert link
    return link.group(1)


def test_accepting_an_invitation_needs_a_given_and_a_family_name():
    focal = make_user("focal@example.org", Role.FOCAL_POINT)
    url = f"/accounts/invitations/{_invitation_token(focal)}/"
    password = "a-long-and-unusual-passphrase"
    visitor = Client()
    blank = visitor.post(
        url,
        {
            "first_name": "  ",
            "last_name": "",
            "password1": password,
            "password2": password,
        },
    )
    assert blank.status_code == 200
    page = blank.content.decode()
    assert "Give your given name: others see you by it." in page
    assert "Give your family name: others see you by it." in page
    assert not User.objects.filter(email="new.expert@example.org").exists()
    done = visitor.post(
        url,
        {
            "first_name": "Ada",
            "last_name": "Lovelace",
            "password1": password,
            "password2": password,
        },
    )
    assert done.status_code == 302
    assert User.objects.get(email="new.expert@example.org").display_name == (
        "Ada Lovelace"
    )


def test_the_demo_accounts_have_names(home_page):
    from portal.accounts.demo import DEMO_ACCOUNTS, ensure_demo_accounts

    ensure_demo_accounts()
    for account in DEMO_ACCOUNTS:
        user = User.objects.get(email=account.email)
        assert user.first_name and user.last_name
        assert user.display_name == f"{user.first_name} {user.last_name}"


# --- Names, not addresses, where others are shown -------------------------------


def test_document_pages_and_the_api_name_people_and_never_their_addresses():
    owner = make_expert("NL", first_name="Anna", last_name="Bakker")
    reader = make_expert("DE", first_name="Jonas", last_name="Schmidt")
    document = share(owner, users=[reader])
    owner_page = _main(login_verified(Client(), owner).get(document.get_absolute_url()))
    assert "Jonas Schmidt" in owner_page and reader.email not in owner_page

    reader_client = login_verified(Client(), reader)
    reader_page = _main(reader_client.get(document.get_absolute_url()))
    assert "Anna Bakker" in reader_page and owner.email not in reader_page
    api = reader_client.get(reverse("exchange:api_document", args=[document.pk]))
    assert api.json()["sharing"]["shared_by"] == "Anna Bakker"
    assert owner.email not in api.content.decode()

    # The owner reads who opened it by name, on the page and in the CSV.
    history = _main(login_verified(Client(), owner).get(document.get_absolute_url()))
    assert "Jonas Schmidt" in history and reader.email not in history
    csv = b"".join(
        login_verified(Client(), owner)
        .get(reverse("exchange:access_history_csv", args=[document.pk]))
        .streaming_content
    ).decode()
    assert "Jonas Schmidt" in csv and reader.email not in csv


def test_the_audit_trail_names_the_actor(home_page):
    officer = make_user("officer@example.org", Role.SECURITY_OFFICER, state=None)
    owner = make_expert("NL", first_name="Anna", last_name="Bakker")
    share(owner)
    client = login_verified(Client(), officer)
    page = _main(client.get(reverse("audit:events")))
    assert "Anna Bakker" in page and owner.email not in page
    found = _main(client.get(reverse("audit:events"), {"actor": "bakker"}))
    assert "exchange.document.created" in found


def test_a_mention_is_notified_by_the_author_s_name():
    from exchange.models import PartnerGroup

    alice = make_expert("NL", first_name="Alice", last_name="Jansen")
    bob = make_expert("NL", first_name="Bob", last_name="de Wit")
    group = PartnerGroup.objects.create(name="Border group", slug="border-group")
    actions.change_partner_group(group, add_members=[alice, bob], by=None)
    room = group.rooms.get(is_default=True)
    handle = bob.email.split("@", 1)[0]
    coordination.post_message(
        viewer_for_user(alice, verified=True), room.pk, f"Hello @{handle}"
    )
    notification = Notification.objects.get(user=bob, kind=Notification.Kind.MENTION)
    assert notification.title.startswith("Alice Jansen mentioned you")
    assert alice.email not in notification.title
    # By name, as the room shows people: "@bob.de.wit".
    coordination.post_message(
        viewer_for_user(alice, verified=True), room.pk, "Thanks @Bob.de.Wit."
    )
    assert (
        Notification.objects.filter(user=bob, kind=Notification.Kind.MENTION).count()
        == 2
    )


# --- The sharing form: by name, cleared for the tier ---------------------------


def test_the_sharing_form_lists_people_by_name_and_state_not_by_address():
    owner = make_expert("NL", first_name="Anna", last_name="Bakker")
    colleague = make_expert("DE", first_name="Jonas", last_name="Schmidt")
    hidden = make_expert("FR", first_name="Claire", last_name="Martin")
    update_directory_entry(hidden, listed=False, areas="")
    document = share(owner)
    client = login_verified(Client(), owner)
    page = _main(client.get(reverse("exchange:sharing", args=[document.pk])))
    assert "Jonas Schmidt (Germany)" in page
    assert 'data-picker="people"' in page
    assert f'data-source="{reverse("people:search")}"' in page
    assert colleague.email not in page and "Claire Martin" not in page
    assert "<script" not in page  # the picker's script is a static file


def test_sharing_by_name_works_and_is_kept_on_the_next_save():
    owner = make_expert("NL")
    colleague = make_expert("DE", first_name="Jonas", last_name="Schmidt")
    document = share(owner)
    client = login_verified(Client(), owner)
    response = _sharing(client, document, tier="restricted", users=[colleague.pk])
    assert response.status_code == 302
    assert list(document.shared_users.all()) == [colleague]
    # Unlisted later: still named, and still offered (chosen) on the form.
    update_directory_entry(colleague, listed=False, areas="")
    page = _main(client.get(reverse("exchange:sharing", args=[document.pk])))
    assert re.search(rf'<option value="{colleague.pk}" selected>', page)
    again = _sharing(client, document, tier="restricted", users=[colleague.pk])
    assert again.status_code == 302
    assert list(document.shared_users.all()) == [colleague]


def test_a_person_not_cleared_for_the_tier_is_refused_with_a_clear_message():
    owner = make_expert("NL", clearance="confidential")
    junior = make_expert(
        "DE", clearance="restricted", first_name="Jonas", last_name="Schmidt"
    )
    document = share(owner, tier="confidential")
    client = login_verified(Client(), owner)
    response = _sharing(client, document, tier="confidential", users=[junior.pk])
    assert response.status_code == 400
    assert (
        "Jonas Schmidt cannot see confidential documents: remove them, or choose a "
        "tier they are cleared for." in _main(response)
    )
    document.refresh_from_db()
    assert not document.shared_users.exists() and document.tier == "confidential"
    # The same person at a tier they may see is fine.
    fine = _sharing(
        client,
        document,
        tier="restricted",
        users=[junior.pk],
        justification="Shared with a colleague cleared for restricted only.",
    )
    assert fine.status_code == 302
    document.refresh_from_db()
    assert list(document.shared_users.all()) == [junior]


def test_a_new_document_refuses_an_uncleared_person_and_stores_nothing():
    from tests.exchange.conftest import text_upload

    owner = make_expert("NL", clearance="confidential")
    junior = make_expert("DE", clearance="restricted", first_name="Jo", last_name="X")
    client = login_verified(Client(), owner)
    response = client.post(
        reverse("exchange:create"),
        {
            "title": "Insider threat notes",
            "tier": "confidential",
            "users": [junior.pk],
            "file": text_upload(),
        },
    )
    assert response.status_code == 400
    assert "Jo X cannot see confidential documents" in _main(response)
    assert not Document.objects.exists()


def test_highly_confidential_takes_named_people_only():
    owner = make_expert("NL", clearance="highly_confidential")
    other = make_expert("DE", clearance="confidential")
    peer = make_expert("BE", clearance="highly_confidential")
    document = share(owner, tier="highly_confidential", users=[owner])
    client = login_verified(Client(), owner)
    refused = _sharing(
        client, document, tier="highly_confidential", states=[other.state.pk]
    )
    assert refused.status_code == 400
    assert "named" in _main(refused)
    not_cleared = _sharing(
        client, document, tier="highly_confidential", users=[owner.pk, other.pk]
    )
    assert not_cleared.status_code == 400
    assert "cannot see highly confidential documents" in _main(not_cleared)
    done = _sharing(
        client, document, tier="highly_confidential", users=[owner.pk, peer.pk]
    )
    assert done.status_code == 302
    assert set(document.shared_users.all()) == {owner, peer}


def test_a_typed_address_is_no_longer_a_way_to_share():
    owner = make_expert("NL")
    colleague = make_expert("DE")
    document = share(owner)
    client = login_verified(Client(), owner)
    response = _sharing(client, document, tier="restricted", users=colleague.email)
    assert response.status_code == 400
    assert not document.shared_users.exists()


def test_someone_outside_the_directory_cannot_be_chosen():
    owner = make_expert("NL")
    lapsed = make_expert("DE", vetted=False, first_name="Old", last_name="Hand")
    unlisted = make_expert("BE")
    update_directory_entry(unlisted, listed=False, areas="")
    document = share(owner)
    client = login_verified(Client(), owner)
    for person in (lapsed, unlisted):
        response = _sharing(client, document, tier="restricted", users=[person.pk])
        assert response.status_code == 400
        assert "Select a valid choice" in _main(response)
    assert not document.shared_users.exists()
