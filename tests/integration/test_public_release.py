"""From restricted material to a public good practice: the draft starts with nothing
of the source, the focal point's step-up approval comes before moderation, the
source never reaches a public channel, and withdrawal reaches every channel."""

from __future__ import annotations

import datetime
import json

from django.core.exceptions import ValidationError
from django.test import RequestFactory
from django.urls import reverse

from wagtail.models import Revision

import pytest
import time_machine

from exchange import actions
from exchange.models import PublicRelease
from exchange.releases import DRAFT_SUMMARY, DRAFT_TITLE
from portal.accounts.roles import Role
from portal.accounts.stepup import VERIFIED_AT_SESSION_KEY
from portal.audit.models import AuditEvent
from practices.actions import ensure_site_structure
from practices.management.commands.load_demo import Command
from practices.models import GoodPracticePage, StatePage
from tests.exchange.conftest import make_expert, share, text_upload
from tests.practices import factories
from tests.search.conftest import search_index  # noqa: F401  (a fixture)
from tests.support import assert_not_found, login_verified, wait_until

pytestmark = pytest.mark.django_db

RELEASED_ON = datetime.datetime(2026, 12, 2, 9, 30, tzinfo=datetime.UTC)
PROVENANCE = (
    "Released by the Netherlands on 2 December 2026 from material exchanged "
    "between experts"
)
# Distinctive words of the restricted sources, which no public channel may carry.
# (title, text, the words of them found nowhere else).
SOURCES = [
    (
        "Quillwort perimeter breach drill",
        "Xylophage sensors failed near gate Tamarisk.",
        ["Quillwort", "Xylophage", "Tamarisk"],
    ),
    (
        "Ocelot vault keying scheme",
        "Marzipan codes rotate every Brontide shift.",
        ["Ocelot", "Marzipan", "Brontide"],
    ),
    (
        "Pangolin transport escort plan",
        "Escorts meet at Wolframite junction at dawn.",
        ["Pangolin", "Wolframite"],
    ),
]
PUBLIC_TITLE = "Perimeter drills with the regional police"
PUBLIC_SUMMARY = "Joint drills twice a year keep response times short."
PUBLIC_TEXT = "We train with the police.\n\nEvery drill ends with a debrief."


@pytest.fixture
def site(db):
    return ensure_site_structure(
        Command().ensure_home_page(), iso_codes=["NL", "FI", "FR"]
    )


@pytest.fixture
def people(site):
    secretariat = factories.user_with_role(
        "moderator@secretariat.example", Role.SECRETARIAT
    )
    return {
        "owner": make_expert("NL"),
        "focal": make_expert("NL", roles=[Role.FOCAL_POINT]),
        "recipient": make_expert("FI"),
        "stranger": make_expert("BE"),
        "french_focal": make_expert("FR", roles=[Role.FOCAL_POINT]),
        "secretariat": secretariat,
    }


@pytest.fixture
def sources(people):
    from portal.states.models import State

    finland = State.objects.get(iso_code="FI")
    return [
        share(
            people["owner"],
            title=title,
            description=text,
            handling_note=f"Handle {title} with care.",
            upload=text_upload(content=text.encode()),
            states=[finland],
        )
        for title, text, _words in SOURCES
    ]


def start(client, user, document):
    login_verified(client, user)
    response = client.post(reverse("exchange:release_start", args=[document.pk]))
    assert response.status_code == 302, response.content.decode()[:500]
    release = PublicRelease.objects.get(source=document)
    assert response["Location"] == reverse("exchange:release", args=[release.pk])
    return release


def write(client, release, **data):
    data = {
        "title": PUBLIC_TITLE,
        "summary": PUBLIC_SUMMARY,
        "text": PUBLIC_TEXT,
    } | data
    return client.post(reverse("exchange:release", args=[release.pk]), data)


def approve(client, focal, release):
    login_verified(client, focal)
    return client.post(reverse("exchange:release_approve", args=[release.pk]))


def moderate(client, secretariat, release):
    page = GoodPracticePage.objects.get(pk=release.page_id)
    task_state = page.current_workflow_task_state
    assert task_state is not None, "the approved draft is not in moderation"
    login_verified(client, secretariat)
    response = client.post(
        reverse(
            "wagtailadmin_pages:workflow_action",
            args=(page.pk, "approve", task_state.pk),
        ),
        {"comment": "Fine."},
    )
    assert response.status_code == 302
    page.refresh_from_db()
    return page


def released(client, people, document, **draft):
    """A practice prepared from `document`, approved on RELEASED_ON, published."""
    release = start(client, people["owner"], document)
    assert write(client, release, **draft).status_code == 302
    # The approval's own day, moved with the clock; the sessions keep to the
    # database's clock, so the focal point acts here as the action's caller.
    with time_machine.travel(RELEASED_ON, tick=False):
        actions.approve_release(release, by=people["focal"])
    page = moderate(client, people["secretariat"], release)
    assert page.live
    client.logout()
    return release, page


def public_channels(client, page) -> dict[str, str]:
    """Every public channel's answer, as text, for an anonymous visitor."""
    client.logout()
    urls = {
        "page": page.url,
        "listing": "/good-practices/",
        "state page": "/states/nl/",
        "feed": "/feeds/good-practices/",
        "state feed": "/feeds/good-practices/nl/",
        "sitemap": "/sitemap.xml",
        "api listing": "/api/v2/pages/?type=practices.GoodPracticePage&fields=*",
        "api detail": f"/api/v2/pages/{page.pk}/",
    }
    answers = {}
    for name, url in urls.items():
        response = client.get(url)
        answers[name] = (
            f"{response.status_code}\n{response.content.decode()}"
            if response.status_code == 200
            else f"{response.status_code}"
        )
    return answers


def search_text(client, q: str) -> str:
    client.logout()
    answer = client.get("/search/api/", {"q": q}).json()
    return json.dumps([answer["results"], answer["facets"], answer["did_you_mean"]])


# --- The draft


def test_the_draft_holds_nothing_of_the_source(client, people, sources):
    document = sources[0]
    release = start(client, people["owner"], document)
    page = GoodPracticePage.objects.get(pk=release.page_id)
    assert not page.live
    assert page.get_parent().specific == StatePage.objects.get(state__iso_code="NL")
    assert page.title == str(DRAFT_TITLE)
    assert page.summary == str(DRAFT_SUMMARY)
    assert list(page.body) == []
    stored = json.dumps(
        [r.content for r in Revision.objects.filter(object_id=str(page.pk))]
    )
    stored += json.dumps(page.serializable_data(), default=str)
    for word in [document.title, document.description, document.handling_note]:
        assert word not in stored
    # The link to the source lives in the release row only.
    assert "public_release" not in stored and "source" not in stored
    event = AuditEvent.objects.get(action="exchange.release.prepared")
    assert event.actor == people["owner"]
    assert event.target_id == str(document.pk)
    assert event.details == {"release": release.pk, "page": page.pk}


def test_the_draft_holds_only_what_the_editor_wrote(client, people, sources):
    document = sources[0]
    release = start(client, people["owner"], document)
    pasted = f"{PUBLIC_TEXT}\n\nAs the report says: {document.description}"
    response = write(client, release, text=pasted)
    assert response.status_code == 302
    draft = GoodPracticePage.objects.get(
        pk=release.page_id
    ).get_latest_revision_as_object()
    assert draft.title == PUBLIC_TITLE
    assert draft.summary == PUBLIC_SUMMARY
    body = str(draft.body[0].value.source)
    assert body == (
        "<p>We train with the police.</p><p>Every drill ends with a debrief.</p>"
        f"<p>As the report says: {document.description}</p>"
    )
    # The form gives back what it saved, so the next save loses nothing.
    page = client.get(reverse("exchange:release", args=[release.pk]))
    assert pasted in page.content.decode()


def test_the_side_by_side_page_shows_the_source_beside_the_draft(
    client, people, sources
):
    document = sources[1]
    release = start(client, people["owner"], document)
    response = client.get(reverse("exchange:release", args=[release.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert document.title in html and document.description in html
    assert 'name="title"' in html and str(DRAFT_TITLE) in html
    assert "Approve the release" not in html  # the owner is not the focal point
    # Showing the source is an access like any other: recorded for its receipts.
    assert AuditEvent.objects.filter(
        action=actions.VIEWED,
        target_id=str(document.pk),
        details__channel="release",
        actor=people["owner"],
    ).exists()
    login_verified(client, people["focal"])
    html = client.get(reverse("exchange:release", args=[release.pk])).content.decode()
    assert "Approve the release" in html and "Withdraw the good practice" in html


# --- Approval and moderation


def test_release_needs_the_focal_points_approval_before_moderation(
    client, people, sources
):
    release = start(client, people["owner"], sources[0])
    assert write(client, release).status_code == 302
    page = GoodPracticePage.objects.get(pk=release.page_id)
    assert not page.workflow_in_progress
    # Publishing by any path before approval is refused.
    with pytest.raises(ValidationError, match="focal point approved"):
        page.get_latest_revision().publish()
    page.refresh_from_db()
    assert not page.live
    # The owner cannot approve: the focal point's decision, the same 404.
    assert_not_found(
        client.post(reverse("exchange:release_approve", args=[release.pk]))
    )
    assert AuditEvent.objects.filter(
        action="exchange.release.approved", outcome="denied", actor=people["owner"]
    ).exists()

    response = approve(client, people["focal"], release)
    assert response.status_code == 302
    release.refresh_from_db()
    assert release.approved_by == people["focal"]
    event = AuditEvent.objects.get(
        action="exchange.release.approved", outcome="success"
    )
    assert event.actor == people["focal"]
    assert event.details["fingerprint"] == release.approved_fingerprint
    page.refresh_from_db()
    assert page.workflow_in_progress and not page.live

    page = moderate(client, people["secretariat"], release)
    assert page.live


def test_approval_asks_for_a_fresh_code(client, people, sources):
    release = start(client, people["owner"], sources[0])
    write(client, release)
    login_verified(client, people["focal"])
    session = client.session
    session[VERIFIED_AT_SESSION_KEY] = 0
    session.save()
    url = reverse("exchange:release_approve", args=[release.pk])
    response = client.post(url)
    assert response.status_code == 302
    assert reverse("accounts:step_up") in response["Location"]
    release.refresh_from_db()
    assert release.approved_at is None
    # And the action itself refuses a stale session, whatever the view did.
    request = RequestFactory().post(url)
    request.user = people["focal"]
    request.user.is_verified = lambda: True
    request.session = {VERIFIED_AT_SESSION_KEY: 0}
    with pytest.raises(actions.NotAllowed):
        actions.approve_release(release, by=people["focal"], request=request)
    release.refresh_from_db()
    assert release.approved_at is None


def test_an_edit_after_approval_needs_approving_again(client, people, sources):
    release = start(client, people["owner"], sources[0])
    write(client, release)
    approve(client, people["focal"], release)
    login_verified(client, people["owner"])
    write(client, release, summary="A changed summary, not yet approved.")
    html = client.get(reverse("exchange:release", args=[release.pk])).content.decode()
    assert "Changed since approval" in html
    page = GoodPracticePage.objects.get(pk=release.page_id)
    assert not page.workflow_in_progress  # out of moderation until approved again
    with pytest.raises(ValidationError):
        page.get_latest_revision().publish()
    approve(client, people["focal"], release)
    page = moderate(client, people["secretariat"], release)
    assert page.live and page.summary == "A changed summary, not yet approved."


def test_the_page_editor_keeps_a_submit_as_a_draft(client, people, sources):
    from wagtail.test.utils.form_data import (
        inline_formset,
        nested_form_data,
        streamfield,
    )

    from practices.models import Language
    from practices.permissions import grant_state_editing

    release = start(client, people["owner"], sources[0])
    editor = factories.user_with_role("editor@nl.example", Role.STATE_EDITOR, "NL")
    grant_state_editing(editor)
    login_verified(client, editor)
    data = nested_form_data(
        {
            "title": "Written in the page editor",
            "slug": "written-in-the-editor",
            "summary": "Typed in the editor.",
            "date": "2026-11-01",
            "language": Language.objects.get(code="en").pk,
            "body": streamfield([]),
            "tags": "",
            "comments": inline_formset([]),
        }
    )
    data["action-submit"] = "1"
    response = client.post(
        reverse("wagtailadmin_pages:edit", args=[release.page_id]), data, follow=True
    )
    assert response.status_code == 200
    assert "focal point approves it in the portal" in response.content.decode()
    page = GoodPracticePage.objects.get(pk=release.page_id)
    assert not page.workflow_in_progress
    assert page.get_latest_revision_as_object().title == "Written in the page editor"


# --- What the public sees


@pytest.mark.usefixtures("search_index")
def test_the_source_never_reaches_a_public_channel(
    client, people, sources, django_capture_on_commit_callbacks
):
    pages = []
    with django_capture_on_commit_callbacks(execute=True):
        for number, document in enumerate(sources):
            _release, page = released(
                client, people, document, title=f"{PUBLIC_TITLE} {number}"
            )
            pages.append(page)
    answers = public_channels(client, pages[0])
    assert PROVENANCE in answers["page"]
    assert PROVENANCE in answers["api detail"]
    for number in range(len(sources)):
        assert f"{PUBLIC_TITLE} {number}" in answers["listing"]
        assert f"{PUBLIC_TITLE} {number}" in answers["feed"]
        assert pages[number].slug in answers["sitemap"]
    wait_until(
        lambda: PUBLIC_TITLE.split()[0] in search_text(client, "perimeter drills"),
        timeout=5,
        message="the released practices are not searchable",
    )
    for page in pages:
        answers |= {
            f"{name} of {page.pk}": text
            for name, text in public_channels(client, page).items()
        }
    for document, (_title, _text, words) in zip(sources, SOURCES, strict=True):
        for word in [document.title, document.description, *words]:
            for name, text in answers.items():
                assert word not in text, f"{word!r} in the {name}"
            assert word not in search_text(client, word), f"{word!r} found by search"
        assert document.get_absolute_url() not in "".join(answers.values())


def test_the_provenance_uses_the_portals_date_style(client, people, sources):
    _release, page = released(client, people, sources[0])
    html = client.get(page.url).content.decode()
    assert f'<p class="provenance">{PROVENANCE}</p>' in html
    # A practice that no release prepared carries no such line.
    other = factories.good_practice("NL", title="An ordinary practice")
    assert "Released by" not in client.get(other.url).content.decode()
    assert client.get(f"/api/v2/pages/{other.pk}/").json()["provenance"] == ""


# --- Withdrawal


@pytest.mark.usefixtures("search_index")
@pytest.mark.parametrize("originator", ["owner", "focal"])
def test_withdrawal_reaches_every_channel(
    client, people, sources, originator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        release, page = released(client, people, sources[0])
    wait_until(
        lambda: PUBLIC_TITLE in search_text(client, "perimeter drills"),
        timeout=5,
        message="the released practice is not searchable",
    )
    before = public_channels(client, page)
    assert all(PUBLIC_TITLE in before[name] for name in before if name != "sitemap")
    assert page.slug in before["sitemap"]

    login_verified(client, people[originator])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("exchange:release_withdraw", args=[release.pk]))
    assert response.status_code == 302
    after = public_channels(client, page)
    assert after["page"] == "404"
    assert after["api detail"] == "404"
    for name, text in after.items():
        assert PUBLIC_TITLE not in text, f"still in the {name}"
        assert page.slug not in text, f"still in the {name}"
    wait_until(
        lambda: PUBLIC_TITLE not in search_text(client, "perimeter drills"),
        timeout=5,
        message="the withdrawn practice is still found by search",
    )
    event = AuditEvent.objects.get(action="exchange.release.withdrawn")
    assert event.actor == people[originator]
    assert event.details["was_live"] is True
    # Publishing it again needs a new approval.
    page.refresh_from_db()
    with pytest.raises(ValidationError):
        page.get_latest_revision().publish()


def test_withdrawal_stops_moderation(client, people, sources):
    release = start(client, people["owner"], sources[0])
    write(client, release)
    approve(client, people["focal"], release)
    login_verified(client, people["owner"])
    client.post(reverse("exchange:release_withdraw", args=[release.pk]))
    page = GoodPracticePage.objects.get(pk=release.page_id)
    assert not page.workflow_in_progress and not page.live
    # A second withdrawal says so, and changes nothing.
    response = client.post(
        reverse("exchange:release_withdraw", args=[release.pk]), follow=True
    )
    assert "already withdrawn" in response.content.decode()
    assert AuditEvent.objects.filter(action="exchange.release.withdrawn").count() == 1


# --- Who may not


@pytest.mark.parametrize(
    "who", ["recipient", "stranger", "french_focal", "secretariat"]
)
def test_those_who_may_not_manage_the_source_get_the_same_404(
    client, people, sources, who
):
    document = sources[0]
    release = start(client, people["owner"], document)
    write(client, release)
    login_verified(client, people[who])
    missing = PublicRelease.objects.order_by("-pk").first().pk + 100
    urls = [
        ("post", reverse("exchange:release_start", args=[document.pk])),
        ("get", reverse("exchange:release", args=[release.pk])),
        ("post", reverse("exchange:release", args=[release.pk])),
        ("get", reverse("exchange:release_approve", args=[release.pk])),
        ("post", reverse("exchange:release_approve", args=[release.pk])),
        ("post", reverse("exchange:release_withdraw", args=[release.pk])),
    ]
    for method, url in urls:
        response = getattr(client, method)(url, {"title": "x", "summary": "y"})
        assert_not_found(response)
        assert document.title not in response.content.decode()
        hidden = getattr(client, method)(
            url.replace(f"/{release.pk}/", f"/{missing}/"), {}
        )
        assert_not_found(hidden)
    assert PublicRelease.objects.filter(source=document).count() == 1
    release.refresh_from_db()
    assert release.approved_at is None and release.withdrawn_at is None
    draft = GoodPracticePage.objects.get(pk=release.page_id)
    assert draft.get_latest_revision_as_object().title == PUBLIC_TITLE


def test_a_revoked_source_hides_its_release_page(client, people, sources):
    document = sources[0]
    release = start(client, people["owner"], document)
    actions.revoke_document(document, by=people["owner"])
    assert_not_found(client.get(reverse("exchange:release", args=[release.pk])))


@pytest.mark.parametrize("originator", ["owner", "focal"])
def test_the_originator_withdraws_even_after_revoking_the_source(
    client, people, sources, originator
):
    release, page = released(client, people, sources[0])
    actions.revoke_document(sources[0], by=people["owner"])
    login_verified(client, people[originator])
    response = client.post(reverse("exchange:release_withdraw", args=[release.pk]))
    assert response.status_code == 302
    page.refresh_from_db()
    assert not page.live
    assert client.get(page.url).status_code == 404
    # A recipient of the revoked source still gets the same 404.
    login_verified(client, people["recipient"])
    assert_not_found(
        client.post(reverse("exchange:release_withdraw", args=[release.pk]))
    )


# --- Bad input


def test_a_draft_without_title_or_with_a_long_summary_says_why(client, people, sources):
    release = start(client, people["owner"], sources[0])
    response = write(client, release, title="   ", summary="x" * 601)
    assert response.status_code == 400
    html = response.content.decode()
    assert "Give the good practice a title." in html
    assert "Keep the summary to 600 characters (it has 601)." in html
    draft = GoodPracticePage.objects.get(
        pk=release.page_id
    ).get_latest_revision_as_object()
    assert draft.title == str(DRAFT_TITLE)


def test_an_unwritten_draft_cannot_be_approved(client, people, sources):
    release = start(client, people["owner"], sources[0])
    response = approve(client, people["focal"], release)
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "Write the title and the summary of the good practice" in page
    release.refresh_from_db()
    assert release.approved_at is None


def test_a_state_without_a_public_section_says_so(client, people):
    document = share(make_expert("DE"), title="German lessons")
    login_verified(client, document.owner)
    response = client.post(
        reverse("exchange:release_start", args=[document.pk]), follow=True
    )
    assert "Germany has no section on the public site yet" in response.content.decode()
    assert not PublicRelease.objects.exists()


def test_a_body_written_in_the_page_editor_is_left_alone(client, people, sources):
    release = start(client, people["owner"], sources[0])
    page = GoodPracticePage.objects.get(pk=release.page_id)
    page.body = [
        ("heading", {"heading_text": "Results", "size": "h2"}),
        ("paragraph", "<p><b>Bold</b> words</p>"),
    ]
    page.save_revision()
    response = client.get(reverse("exchange:release", args=[release.pk]))
    assert 'name="text"' not in response.content.decode()
    write(client, release, text="ignored")
    draft = GoodPracticePage.objects.get(
        pk=release.page_id
    ).get_latest_revision_as_object()
    assert [b.block_type for b in draft.body] == ["heading", "paragraph"]
    assert draft.title == PUBLIC_TITLE


def test_an_edit_in_the_page_editor_after_approval_leaves_moderation(
    client, people, sources
):
    from wagtail.test.utils.form_data import (
        inline_formset,
        nested_form_data,
        streamfield,
    )

    from practices.models import Language

    release = start(client, people["owner"], sources[0])
    write(client, release)
    approve(client, people["focal"], release)
    assert GoodPracticePage.objects.get(pk=release.page_id).workflow_in_progress
    # State editors cannot edit a page in moderation (Wagtail locks it for all but
    # its reviewers); the secretariat can.
    login_verified(client, people["secretariat"])
    page = GoodPracticePage.objects.get(pk=release.page_id)
    data = nested_form_data(
        {
            "title": PUBLIC_TITLE,
            "slug": page.slug,
            "summary": "Changed in the page editor after approval.",
            "date": page.date.isoformat(),
            "language": Language.objects.get(code="en").pk,
            "body": streamfield([]),
            "tags": "",
            "comments": inline_formset([]),
        }
    )
    response = client.post(
        reverse("wagtailadmin_pages:edit", args=[page.pk]), data, follow=True
    )
    assert response.status_code == 200
    assert "taken out of moderation" in response.content.decode()
    page.refresh_from_db()
    assert not page.workflow_in_progress and not page.live
