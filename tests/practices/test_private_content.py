"""Unpublished and view-restricted content stays private until published."""

from __future__ import annotations

import io

from wagtail.models import PageViewRestriction

import pytest

from tests.practices import factories
from tests.support import login_verified

pytestmark = pytest.mark.django_db


def restrict(page, restriction_type=PageViewRestriction.LOGIN):
    return PageViewRestriction.objects.create(
        page=page, restriction_type=restriction_type, password="not-public-2026"
    )


def test_topic_filter_lists_tags_of_live_public_practices_only(client, site):
    factories.good_practice("NL", title="Published", topics=["zqpublictopic"])
    factories.good_practice("FI", title="Draft", topics=["zqdrafttopic"], publish=False)
    restricted = factories.good_practice(
        "FR", title="Restricted", topics=["zqrestrictedtopic"]
    )
    restrict(restricted)
    body = client.get("/good-practices/").content.decode()
    assert "zqpublictopic" in body
    assert "zqdrafttopic" not in body
    assert "zqrestrictedtopic" not in body
    # Nor can the hidden topics be probed through the filter itself.
    for slug in ("zqdrafttopic", "zqrestrictedtopic"):
        answer = client.get(f"/good-practices/?topic={slug}").content.decode()
        assert "No good practice has the topic" in answer


# --- The admin: other States' drafts are shown to nobody but the secretariat. ----

FOREIGN_DRAFT = "Zqxfinnish unpublished inspection plan"
FOREIGN_RESTRICTED = "Zqxfinnish restricted guard roster"
FOREIGN_RETITLE = "Zqxfinnish unpublished new title"
OWN_DRAFT = "Zqxdutch unpublished transport note"
SEARCH = "Zqxfinnish"


@pytest.fixture
def admin_content(site):
    from django.contrib.auth.models import Group

    from wagtail.log_actions import log

    from portal.accounts.roles import Role
    from practices.permissions import grant_state_editing

    finn = factories.user_with_role("editor@fi.example", Role.STATE_EDITOR, "FI")
    grant_state_editing(finn)
    dutch = factories.user_with_role("editor@nl.example", Role.STATE_EDITOR, "NL")
    grant_state_editing(dutch)
    secretariat = factories.user_with_role("sec@iaea.example", Role.SECRETARIAT)
    assert Group.objects.get(name=Role.SECRETARIAT).page_permissions.exists()

    restricted = factories.good_practice(
        "FI", title=FOREIGN_RESTRICTED, topics=["zqxrestrictedonly"]
    )
    restrict(restricted)
    factories.good_practice("NL", title=OWN_DRAFT, publish=False, topics=["zqxown"])
    retitled = factories.good_practice("FI", title="Finnish live practice")
    retitled.title = FOREIGN_RETITLE  # an edit awaiting approval
    retitled.save_revision(user=finn)
    # Last, so that it is the last edited good practice of the page types report.
    draft = factories.good_practice(
        "FI", title=FOREIGN_DRAFT, publish=False, topics=["zqxdraftonly"]
    )
    draft.locked, draft.locked_by = True, finn
    draft.save()
    log(instance=draft, action="wagtail.create", user=finn)
    draft.get_workflow().start(draft, finn)
    return {
        "dutch": dutch,
        "secretariat": secretariat,
        "draft": draft,
        "finnish_page": factories.state_page("FI"),
    }


def _admin_urls(content) -> dict[str, bool]:
    """Each admin URL that can list page titles, and whether the secretariat's
    answer is expected to name the foreign draft."""
    finnish = content["finnish_page"].pk
    return {
        f"/admin/choose-page/{finnish}/": True,
        "/admin/choose-page/?page_type=practices.goodpracticepage": False,
        f"/admin/choose-page/search/?q={SEARCH}": True,
        f"/admin/choose-page/search/?q={SEARCH}&page_type=practices.goodpracticepage": (
            True
        ),
        f"/admin/pages/search/?q={SEARCH}": True,
        f"/admin/pages/search/results/?q={SEARCH}": True,
        f"/admin/pages/{finnish}/": True,
        "/admin/reports/locked/": False,
        "/admin/reports/workflow/": True,
        "/admin/reports/workflow_tasks/": True,
        "/admin/reports/site-history/": True,
        "/admin/reports/aging-pages/": False,
        "/admin/reports/page-types-usage/": True,
        "/admin/reports/page-types-usage/results/": True,
        "/admin/": False,
        f"/admin/choose-page/chosen-multiple/?id={content['draft'].pk}": True,
    }


def test_state_editor_sees_no_other_states_drafts_in_the_admin(client, admin_content):
    login_verified(client, admin_content["dutch"])
    for url in _admin_urls(admin_content):
        response = client.get(url)
        assert response.status_code in {200, 302}, url
        body = response.content.decode()
        assert FOREIGN_DRAFT not in body, url
        assert FOREIGN_RESTRICTED not in body, url
        assert FOREIGN_RETITLE not in body, url


def test_bulk_actions_do_not_name_other_states_drafts(client, admin_content):
    draft = admin_content["draft"].pk
    finnish = admin_content["finnish_page"].pk
    login_verified(client, admin_content["dutch"])
    for action in ("delete", "move", "publish", "unpublish"):
        for query in (f"id={draft}", f"id=all&childOf={finnish}"):
            url = f"/admin/bulk/wagtailcore/page/{action}/?{query}"
            response = client.get(url)
            body = response.content.decode()
            assert FOREIGN_DRAFT not in body, url
            assert FOREIGN_RETITLE not in body, url
    assert (
        client.get(f"/admin/bulk/wagtailcore/page/delete/?id={draft}").status_code
        == 404
    )
    client.logout()
    login_verified(client, admin_content["secretariat"])
    answer = client.get(f"/admin/bulk/wagtailcore/page/delete/?id={draft}")
    assert FOREIGN_DRAFT in answer.content.decode()


def test_image_bulk_actions_do_not_name_other_states_images(client, admin_content):
    image = make_image(
        admin_content["finnish_page"].collection,
        title="Zqxfinnish unpublished site photo",
    )
    login_verified(client, admin_content["dutch"])
    response = client.get(f"/admin/bulk/wagtailimages/image/delete/?id={image.pk}")
    assert response.status_code == 404
    assert "Zqxfinnish" not in response.content.decode()


def test_state_editor_still_finds_own_drafts_and_public_pages(client, admin_content):
    login_verified(client, admin_content["dutch"])
    nl = factories.state_page("NL").pk
    assert OWN_DRAFT in client.get(f"/admin/choose-page/{nl}/").content.decode()
    search = client.get("/admin/choose-page/search/?q=Zqxdutch").content.decode()
    assert OWN_DRAFT in search
    browse = client.get(f"/admin/choose-page/{admin_content['finnish_page'].pk}/")
    assert browse.status_code == 200  # the live, public State page itself
    assert "Finnish live practice" in browse.content.decode()  # by its live title


def test_state_editor_cannot_browse_the_chooser_into_a_foreign_draft(
    client, admin_content
):
    login_verified(client, admin_content["dutch"])
    response = client.get(f"/admin/choose-page/{admin_content['draft'].pk}/")
    assert response.status_code == 404
    assert FOREIGN_DRAFT not in response.content.decode()


def test_secretariat_sees_every_states_drafts_in_the_admin(client, admin_content):
    login_verified(client, admin_content["secretariat"])
    for url, shown in _admin_urls(admin_content).items():
        response = client.get(url)
        assert response.status_code in {200, 302}, url
        if shown:
            assert FOREIGN_DRAFT in response.content.decode(), url
    browse = client.get(f"/admin/choose-page/{admin_content['finnish_page'].pk}/")
    assert FOREIGN_RETITLE in browse.content.decode()


def test_tag_autocomplete_suggests_only_visible_content_tags(client, admin_content):
    urls = [
        "/admin/tag-autocomplete/?term=zqx",
        "/admin/tag-autocomplete/taggit/tag/?term=zqx",
    ]
    login_verified(client, admin_content["dutch"])
    for url in urls:
        assert client.get(url).json() == ["zqxown"], url
    client.logout()
    login_verified(client, admin_content["secretariat"])
    for url in urls:
        assert client.get(url).json() == [
            "zqxdraftonly",
            "zqxown",
            "zqxrestrictedonly",
        ], url


# --- Documents and images: through the serve view's checks, never /media/. --------

DOCUMENT_BYTES = b"Zqx confidential annex of an unpublished practice.\n"


def make_document(collection, title="Annex"):
    from django.core.files.base import ContentFile

    from wagtail.documents import get_document_model

    document = get_document_model()(title=title, collection=collection)
    document.file.save("annex.txt", ContentFile(DOCUMENT_BYTES), save=False)
    document.save()
    return document


def attach(page, document):
    """Put a link to `document` in the page's body, as the editor's chooser does."""
    page.body = [("document", {"document": document, "label": ""})]
    page.save()
    return page


def fetched(response) -> bytes:
    if response.status_code != 200:
        return b""
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


@pytest.fixture
def debug_urls(settings):
    """The project's URLs as the demo (DEBUG on) builds them."""
    import importlib

    from django.urls import clear_url_caches

    import portal.urls

    settings.DEBUG = True
    importlib.reload(portal.urls)
    clear_url_caches()
    yield
    settings.DEBUG = False
    importlib.reload(portal.urls)
    clear_url_caches()


@pytest.fixture
def restricted_document(site):
    from wagtail.models import Collection, CollectionViewRestriction

    collection = Collection.get_first_root_node().add_child(name="Members only")
    CollectionViewRestriction.objects.create(
        collection=collection, restriction_type=CollectionViewRestriction.LOGIN
    )
    document = make_document(collection)
    attach(factories.good_practice("NL", title="Public practice"), document)
    return document


def media_path(document) -> str:
    from django.conf import settings

    return f"{settings.MEDIA_URL}{document.file.name}"


def test_documents_link_to_the_serve_view(restricted_document):
    assert restricted_document.url == (
        f"/documents/{restricted_document.pk}/{restricted_document.filename}"
    )


def test_restricted_collection_document_refused_to_anonymous_visitors(
    client, restricted_document
):
    assert media_path(restricted_document).startswith("/media/documents/")
    served = client.get(restricted_document.url)
    assert served.status_code in {302, 404}
    assert DOCUMENT_BYTES not in fetched(served)
    assert client.get(media_path(restricted_document)).status_code == 404


def test_restricted_collection_document_not_at_its_media_path_under_debug(
    client, restricted_document, debug_urls
):
    direct = client.get(media_path(restricted_document))
    assert direct.status_code == 404
    assert DOCUMENT_BYTES not in fetched(direct)
    assert DOCUMENT_BYTES not in fetched(client.get(restricted_document.url))


def test_restricted_collection_document_served_to_a_signed_in_person(
    client, restricted_document
):
    from portal.accounts.roles import Role

    reader = factories.user_with_role("reader@nl.example", Role.VETTED_EXPERT, "NL")
    login_verified(client, reader)
    assert fetched(client.get(restricted_document.url)) == DOCUMENT_BYTES


def test_document_of_a_draft_served_only_to_those_who_may_see_the_draft(
    client, admin_content
):
    from portal.accounts.roles import Role
    from practices.permissions import grant_state_editing

    finnish = factories.state_page("FI")
    document = make_document(finnish.collection)
    draft = attach(admin_content["draft"], document)
    assert fetched(client.get(document.url)) == b""  # anonymous
    login_verified(client, admin_content["dutch"])
    assert fetched(client.get(document.url)) == b""
    for user in (
        factories.user_with_role("second@fi.example", Role.STATE_EDITOR, "FI"),
        admin_content["secretariat"],
    ):
        if user.email.endswith("fi.example"):
            grant_state_editing(user)
        client.logout()
        login_verified(client, user)
        assert fetched(client.get(document.url)) == DOCUMENT_BYTES, user
    client.logout()
    draft.save_revision().publish()
    assert fetched(client.get(document.url)) == DOCUMENT_BYTES  # now public


def test_document_of_a_restricted_page_not_served_to_anonymous_visitors(client, site):
    document = make_document(factories.state_page("FR").collection)
    page = attach(factories.good_practice("FR", title="Members page"), document)
    restrict(page)
    assert fetched(client.get(document.url)) == b""


def make_image(collection, title="Site photo"):
    from django.core.files.images import ImageFile

    from wagtail.images import get_image_model

    from PIL import Image

    png = io.BytesIO()
    Image.new("RGB", (8, 8)).save(png, "PNG")
    return get_image_model().objects.create(
        title=title, collection=collection, file=ImageFile(png, name="photo.png")
    )


def test_image_renditions_served_only_to_those_who_may_see_a_page_using_them(
    client, admin_content, debug_urls
):
    from portal.accounts.roles import Role
    from practices.permissions import grant_state_editing

    finnish = factories.state_page("FI")
    image = make_image(finnish.collection)
    draft = admin_content["draft"]
    draft.image = image
    draft.save()
    rendition = image.get_rendition("width-960")
    assert rendition.url.startswith("/media/images/")
    original = f"/media/{image.file.name}"
    assert original.startswith("/media/original_images/")
    assert client.get(rendition.url).status_code == 404  # anonymous
    assert client.get(original).status_code == 404
    login_verified(client, admin_content["dutch"])
    assert client.get(rendition.url).status_code == 404
    client.logout()
    colleague = factories.user_with_role("third@fi.example", Role.STATE_EDITOR, "FI")
    grant_state_editing(colleague)
    login_verified(client, colleague)
    assert fetched(client.get(rendition.url)).startswith(b"\x89PNG")
    assert client.get(original).status_code == 404  # never, for anyone
    client.logout()
    draft.save_revision().publish()
    assert fetched(client.get(rendition.url)).startswith(b"\x89PNG")  # now public


def test_no_file_under_media_is_served_but_renditions(client, settings, debug_urls):
    from pathlib import Path

    media = Path(settings.MEDIA_ROOT)
    for folder in ("images", "original_images", "documents"):
        (media / folder).mkdir(parents=True, exist_ok=True)
        (media / folder / "zqx.txt").write_bytes(b"zqx " + folder.encode())
    # A file in images/ that is no rendition is not served either.
    for folder in ("images", "original_images", "documents"):
        assert client.get(f"/media/{folder}/zqx.txt").status_code == 404, folder


def test_the_portals_admin_views_need_a_verified_session(client, admin_content):
    urls = [
        "/admin/tag-autocomplete/?term=zqx",
        f"/admin/choose-page/{admin_content['finnish_page'].pk}/",
        "/admin/choose-page/search/?q=Zqxfinnish",
        f"/admin/choose-page/chosen-multiple/?id={admin_content['draft'].pk}",
        "/admin/reports/page-types-usage/",
    ]
    for url in urls:
        assert client.get(url).status_code == 302, url  # to the sign-in
    client.force_login(admin_content["secretariat"])  # a password only
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302, url  # to the second factor
        assert FOREIGN_DRAFT not in response.content.decode()
        assert b"zqx" not in response.content
