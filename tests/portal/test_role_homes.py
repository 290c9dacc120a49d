"""Each role's home (/my/) lists its work, and the header shows exactly its sections."""

from __future__ import annotations

import datetime
import re

from django.test import Client
from django.utils import timezone

from wagtail.models import Workflow

import pytest

from exchange.actions import change_partner_group
from exchange.coordination import actions as coordination
from exchange.coordination.models import Room
from exchange.models import PartnerGroup
from exchange.policy import viewer_for_user
from portal.accounts.roles import Role
from portal.audit.actions import record
from practices.actions import ensure_site_structure
from practices.management.commands.load_demo import Command
from tests.exchange.conftest import share
from tests.portal.identity import make_user, sign_in, vet
from tests.practices import factories
from tests.support import login_verified

pytestmark = pytest.mark.django_db

PUBLIC = ["/", "/good-practices/", "/states/", "/guidance/", "/events/", "/progress/"]


@pytest.fixture
def site(db):
    home = Command().ensure_home_page()
    return ensure_site_structure(home, iso_codes=["NL", "FI"])


def main_nav(html: str) -> list[str]:
    """The links of the header's main menu, in order."""
    nav = re.search(
        r'<nav class="main-nav[^"]*"[^>]*aria-label="Main">(.*?)</nav>', html, re.S
    )
    assert nav, "the page has the main menu"
    return re.findall(r'href="([^"]+)"', nav.group(1))


def account_nav(html: str) -> str:
    nav = re.search(
        r'<nav class="account-nav[^"]*"[^>]*aria-label="Account">(.*?)</nav>',
        html,
        re.S,
    )
    assert nav, "the page has the account menu"
    return nav.group(1)


def section(html: str, key: str) -> str:
    found = re.search(rf'<section[^>]*id="home-{key}"(.*?)</section>', html, re.S)
    assert found, f"the home has the {key!r} panel"
    return found.group(1)


def home_of(client: Client) -> str:
    response = client.get("/my/")
    assert response.status_code == 200
    return response.content.decode()


def test_visitor_sees_the_public_sections_and_sign_in_only(client):
    html = client.get("/accounts/login/").content.decode()
    assert main_nav(html) == PUBLIC
    assert "Sign in" in account_nav(html)
    assert "/notifications/" not in html
    response = client.get("/my/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_state_editor_sees_drafts_and_moderation_with_admin_links(client, site):
    editor = make_user("editor@nl.example", Role.STATE_EDITOR)
    draft = factories.good_practice("NL", title="Draft on transport", publish=False)
    draft.save_revision(user=editor)
    submitted = factories.good_practice("NL", title="Submitted guard", publish=False)
    submitted.save_revision(user=editor)
    Workflow.objects.get(name="Secretariat moderation").start(submitted, editor)
    someone_elses = factories.good_practice("NL", title="Not mine", publish=False)

    html = home_of(login_verified(client, editor))
    assert main_nav(html) == [*PUBLIC, "/my/", "/admin/"]
    drafts = section(html, "drafts")
    assert "Draft on transport" in drafts
    assert f'href="/admin/pages/{draft.pk}/edit/"' in drafts
    assert "Submitted guard" not in drafts and "Not mine" not in html
    moderation = section(html, "in_moderation")
    assert "Submitted guard" in moderation
    assert f'href="/admin/pages/{submitted.pk}/edit/"' in moderation
    assert 'href="/progress/manage/"' in section(html, "progress")
    assert someone_elses.pk
    # Not a focal point: no invitations; not an expert: no exchange.
    assert 'id="home-invitations"' not in html
    assert "/exchange/" not in html


def test_focal_point_also_sees_invitations(client, site):
    focal = make_user("focal@nl.example", Role.FOCAL_POINT)
    client = login_verified(client, focal)
    client.post("/accounts/invitations/", {"email": "new.expert@nl.example"})
    html = home_of(client)
    assert main_nav(html) == [*PUBLIC, "/my/", "/admin/"]
    invitations = section(html, "invitations")
    assert "new.expert@nl.example" in invitations
    assert 'href="/accounts/invitations/"' in invitations
    assert 'id="home-drafts"' in html


def in_review() -> tuple:
    """The secretariat, an editor and the page the editor sent them to review."""
    secretariat = make_user("sec@example.org", Role.SECRETARIAT, state=None)
    editor = make_user("editor@nl.example", Role.STATE_EDITOR)
    submitted = factories.good_practice("NL", title="Please review", publish=False)
    submitted.save_revision(user=editor)
    Workflow.objects.get(name="Secretariat moderation").start(submitted, editor)
    return secretariat, editor, submitted


def test_the_admin_dashboard_carries_the_secretariats_review_queue(client, site):
    secretariat, _, submitted = in_review()

    response = login_verified(client, secretariat).get("/admin/")
    assert response.status_code == 200
    html = response.content.decode()
    start = html.index('id="portal-review_queue-section"')
    queue = html[start : html.index("</section>", start)]
    assert "The secretariat&#x27;s review queue" in html
    assert "Please review" in queue
    assert f'href="/admin/pages/{submitted.pk}/edit/"' in queue


def test_secretariat_sees_review_queue_and_vetting_due(client, site):
    secretariat, editor, submitted = in_review()
    soon = vet(make_user("soon@nl.example", Role.VETTED_EXPERT), secretariat, days=10)
    later = vet(make_user("later@nl.example", Role.VETTED_EXPERT), secretariat)

    html = home_of(login_verified(client, secretariat))
    assert main_nav(html) == [*PUBLIC, "/my/", "/accounts/vetting/", "/admin/"]
    queue = section(html, "review_queue")
    assert "Please review" in queue
    assert f'href="/admin/pages/{submitted.pk}/edit/"' in queue
    assert f"Submitted by {editor.display_name}" in queue
    assert editor.email not in queue
    due = section(html, "vetting_due")
    assert f'href="/accounts/vetting/{soon.pk}/"' in due
    assert later.email not in due
    assert "/audit/" not in html and "/exchange/" not in html


def test_expert_sees_new_documents_unread_rooms_and_vetting_end(client):
    secretariat = make_user("sec@example.org", Role.SECRETARIAT, state=None)
    expert = vet(make_user("expert@nl.example", Role.VETTED_EXPERT), secretariat)
    colleague = vet(make_user("colleague@nl.example", Role.VETTED_EXPERT), secretariat)
    stranger = vet(
        make_user("stranger@fi.example", Role.VETTED_EXPERT, state="FI"), secretariat
    )
    group = PartnerGroup.objects.create(name="Transport", slug="transport")
    change_partner_group(group, add_members=[expert, colleague], by=None)
    room = Room.objects.get(group=group, is_default=True)

    # A previous visit, then documents before and after it.
    with_time = timezone.now()
    login_verified(Client(), expert)
    old = share(colleague, title="Shared before the last visit")
    type(old).objects.filter(pk=old.pk).update(
        last_shared_at=with_time - datetime.timedelta(days=1)
    )
    new = share(colleague, title="Shared since the last visit")
    hidden = share(stranger, title="A Finnish paper", tier="restricted")
    coordination.post_message(viewer_for_user(colleague, verified=True), room.pk, "Hi")

    html = home_of(login_verified(client, expert))
    assert main_nav(html) == [
        *PUBLIC,
        "/my/",
        "/exchange/",
        "/coordination/",
        "/people/",
    ]
    documents = section(html, "new_documents")
    assert "since your last visit" in documents
    assert f'href="/exchange/{new.pk}/"' in documents
    assert old.title not in documents
    assert hidden.title not in html
    rooms = section(html, "unread_rooms")
    assert f'href="/coordination/rooms/{room.pk}/"' in rooms
    assert "1 unread" in rooms
    vetting = section(html, "vetting")
    assert f"{expert.vetted_until:%-d %B %Y}" in vetting
    assert "/admin/" not in main_nav(html)


def test_security_officer_sees_the_last_chain_check(client):
    officer = make_user("officer@example.org", Role.SECURITY_OFFICER, state=None)
    client = login_verified(client, officer)
    html = home_of(client)
    assert main_nav(html) == [*PUBLIC, "/my/", "/audit/"]
    assert "Never" in section(html, "chain")

    assert client.get("/audit/verify/").status_code == 200
    record("exchange.document_denied", outcome="denied", details={})
    html = home_of(client)
    chain = section(html, "chain")
    assert "Intact" in chain and 'href="/audit/verify/"' in chain
    assert officer.email in chain or str(officer) in chain
    assert "exchange.document_denied" in section(html, "alerts")


def test_a_password_only_session_sees_no_verified_only_link(client):
    secretariat = make_user("sec@example.org", Role.SECRETARIAT, state=None)
    expert = vet(make_user("expert@nl.example", Role.VETTED_EXPERT), secretariat)
    response = sign_in(client, expert.email)
    assert response.status_code == 302
    html = home_of(client)
    assert main_nav(html) == [*PUBLIC, "/my/"]
    account = account_nav(html)
    assert "/notifications/" not in html and '/account/"' not in account
    assert "Finish signing in" in account
    assert "/coordination/" not in html and "/exchange/" not in html
    assert 'id="home-' not in html
    assert "/account/two-factor/" in html


def test_sign_in_without_next_lands_on_the_home(client):
    user = make_user("someone@example.org", Role.SECURITY_OFFICER, state=None)
    response = sign_in(client, user.email)
    assert response["Location"] == "/account/two-factor/enrol/?next=%2Fmy%2F"


def test_a_non_expert_is_not_offered_to_share_a_document(client):
    editor = make_user("editor@nl.example", Role.STATE_EDITOR)
    html = login_verified(client, editor).get("/exchange/").content.decode()
    assert "/exchange/new/" not in html
    secretariat = make_user("sec@example.org", Role.SECRETARIAT, state=None)
    expert = vet(make_user("expert@nl.example", Role.VETTED_EXPERT), secretariat)
    html = login_verified(Client(), expert).get("/exchange/").content.decode()
    assert "/exchange/new/" in html


def test_a_password_only_session_is_asked_to_finish_signing_in(client):
    secretariat = make_user("sec@example.org", Role.SECRETARIAT, state=None)
    expert = vet(make_user("expert@nl.example", Role.VETTED_EXPERT), secretariat)
    coordination.notify(expert, "practice_approved", "Practice approved", "/")
    sign_in(client, expert.email)
    notifications = client.get("/notifications/").content.decode()
    assert "No notifications" not in notifications
    assert "Finish signing in" in notifications
    rooms = client.get("/coordination/").content.decode()
    assert "Finish signing in" in rooms


def test_a_verified_editor_is_not_told_to_verify_for_coordination(client):
    editor = make_user("editor@nl.example", Role.STATE_EDITOR)
    html = login_verified(client, editor).get("/coordination/").content.decode()
    assert "Finish signing in" not in html.split("<main", 1)[1]
    assert "not: the secretariat vets experts" in html


def test_the_secretariat_home_leads_to_room_management(client):
    secretariat = make_user("sec@example.org", Role.SECRETARIAT, state=None)
    html = home_of(login_verified(client, secretariat))
    assert 'href="/coordination/manage/"' in section(html, "rooms")


def test_the_expert_home_queries_do_not_grow_with_rooms(client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    secretariat = make_user("sec@example.org", Role.SECRETARIAT, state=None)
    expert = vet(make_user("expert@nl.example", Role.VETTED_EXPERT), secretariat)
    colleague = vet(make_user("colleague@nl.example", Role.VETTED_EXPERT), secretariat)
    client = login_verified(client, expert)

    def add_room(n: int) -> None:
        group = PartnerGroup.objects.create(name=f"Group {n}", slug=f"group-{n}")
        change_partner_group(group, add_members=[expert, colleague], by=None)
        room = Room.objects.get(group=group, is_default=True)
        author = viewer_for_user(colleague, verified=True)
        coordination.post_message(author, room.pk, f"Message {n}")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            home_of(client)
        return len(captured)

    add_room(1)
    home_of(client)  # Warms the caches that the first page of a session fills.
    one_room = queries()
    for n in range(2, 6):
        add_room(n)
    assert queries() == one_room
    assert section(home_of(client), "unread_rooms").count("1 unread") == 5
