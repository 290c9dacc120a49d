"""Feeds, the sitemap and the API carry live public pages only, never drafts."""

from __future__ import annotations

from wagtail.models import Collection, CollectionViewRestriction, PageViewRestriction

import pytest

from tests.practices import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def pages(site):
    published = factories.good_practice("NL", title="Published Dutch practice")
    draft = factories.good_practice("NL", title="Draft Dutch practice", publish=False)
    finnish = factories.good_practice("FI", title="Published Finnish practice")
    # A published page whose later edits are still a draft shows the live title.
    published.title = "Unapproved new title"
    published.save_revision()
    return {"published": published, "draft": draft, "finnish": finnish}


def test_feed_of_all_states_lists_published_practices_only(client, pages):
    response = client.get("/feeds/good-practices/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    body = response.content.decode()
    assert "Published Dutch practice" in body
    assert "Published Finnish practice" in body
    assert "Draft Dutch practice" not in body
    assert "Unapproved new title" not in body


def test_feed_of_one_state(client, pages):
    body = client.get("/feeds/good-practices/nl/").content.decode()
    assert "Published Dutch practice" in body
    assert "Published Finnish practice" not in body
    assert "Draft Dutch practice" not in body
    assert client.get("/feeds/good-practices/zz/").status_code == 404


def test_sitemap_lists_live_pages_only(client, pages):
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    body = response.content.decode()
    assert pages["published"].slug in body
    assert pages["finnish"].slug in body
    assert pages["draft"].slug not in body
    assert "/good-practices/" in body and "/states/nl/" in body


def test_private_pages_are_absent_from_feeds_sitemap_and_api(client, pages):
    PageViewRestriction.objects.create(
        page=pages["finnish"], restriction_type=PageViewRestriction.LOGIN
    )
    assert (
        "Published Finnish practice"
        not in client.get("/feeds/good-practices/").content.decode()
    )
    assert pages["finnish"].slug not in client.get("/sitemap.xml").content.decode()
    titles = [p["title"] for p in client.get("/api/v2/pages/").json()["items"]]
    assert "Published Finnish practice" not in titles
    assert client.get(f"/api/v2/pages/{pages['finnish'].pk}/").status_code == 404


def test_api_lists_published_pages_only(client, pages):
    response = client.get(
        "/api/v2/pages/?type=practices.GoodPracticePage&fields=summary,state_code,date,language,commitments"
    )
    assert response.status_code == 200
    items = response.json()["items"]
    assert sorted(item["title"] for item in items) == [
        "Published Dutch practice",
        "Published Finnish practice",
    ]
    assert {item["state_code"] for item in items} == {"NL", "FI"}
    assert {item["language"] for item in items} == {"en"}
    assert all(item["commitments"] == [] for item in items)
    assert client.get(f"/api/v2/pages/{pages['draft'].pk}/").status_code == 404


def test_api_is_read_only(client, pages):
    response = client.post("/api/v2/pages/", {"title": "x"})
    assert response.status_code == 405
    response = client.delete(f"/api/v2/pages/{pages['published'].pk}/")
    assert response.status_code == 405


def test_api_media_of_public_pages_outside_private_collections_only(client, site):
    from django.core.files.base import ContentFile

    from wagtail.documents.models import Document

    root = Collection.get_first_root_node()
    private = root.add_child(name="Secretariat only")
    CollectionViewRestriction.objects.create(
        collection=private, restriction_type=CollectionViewRestriction.LOGIN
    )
    documents = {
        title: Document.objects.create(
            title=title,
            file=ContentFile(title.encode(), name="file.txt"),
            **({"collection": private} if title == "Internal note" else {}),
        )
        for title in ("Public leaflet", "Internal note", "Draft annex", "Unused")
    }
    for title, publish in (
        ("Public leaflet", True),
        ("Internal note", True),
        ("Draft annex", False),
    ):
        page = factories.good_practice("NL", publish=publish)
        page.body = [("document", {"document": documents[title], "label": ""})]
        page.save()
    titles = [d["title"] for d in client.get("/api/v2/documents/").json()["items"]]
    assert titles == ["Public leaflet"]
