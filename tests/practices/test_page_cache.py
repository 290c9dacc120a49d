"""Anonymous public pages come from the Redis cache; changes drop them; nobody
signed in gets or fills one, and restricted pages are never stored."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from wagtail.models import PageViewRestriction

import pytest
from taggit.models import Tag

from portal.core.servers import free_port
from portal.states.models import State
from tests.practices import factories
from tests.support import login_verified

pytestmark = pytest.mark.django_db


@pytest.fixture
def practice(site):
    return factories.good_practice("NL", title="Dutch threat review")


def public_urls(site, practice) -> dict[str, str]:
    return {
        "home": "/",
        "good practices": site.good_practices_index.url,
        "guidance": site.guidance_index.url,
        "events": site.events_index.url,
        "States": site.states_index.url,
        "a good practice": practice.url,
        "a State page": factories.state_page("NL").url,
        "progress": reverse("progress:dashboard"),
        "a State's progress": reverse("progress:state", args=["NL"]),
    }


def test_the_pages_cache_is_the_real_redis():
    assert caches["pages"].__class__.__name__ == "RedisCache"


def test_second_anonymous_request_is_a_hit_without_queries(client, site, practice):
    for name, url in public_urls(site, practice).items():
        first = client.get(url)
        assert first.status_code == 200, name
        assert first.get("X-Page-Cache") == "miss", (name, url)
        with CaptureQueriesContext(connection) as queries:
            second = client.get(url)
        assert second["X-Page-Cache"] == "hit", name
        assert len(queries) == 0, (name, [q["sql"] for q in queries])
        assert second.content == first.content, name
        assert "public" in second["Cache-Control"], name
        assert "Accept-Language" in second["Vary"], name


def test_a_hit_gets_a_csp_header_of_its_own(client, site, practice):
    client.get(practice.url)
    hit = client.get(practice.url)
    assert hit["X-Page-Cache"] == "hit"
    assert "script-src" in hit["Content-Security-Policy"]
    assert "nonce-" not in hit.content.decode()


def cached(client, url) -> bool:
    client.get(url)
    return client.get(url).get("X-Page-Cache") == "hit"


def test_publishing_drops_the_listing(client, site, practice):
    url = site.good_practices_index.url
    assert cached(client, url)
    factories.good_practice("FI", title="Finnish culture survey")
    response = client.get(url)
    assert response["X-Page-Cache"] == "miss"
    assert "Finnish culture survey" in response.content.decode()


def test_unpublishing_drops_the_page_and_the_listing(client, site, practice):
    url = site.good_practices_index.url
    assert cached(client, url)
    assert cached(client, practice.url)
    practice.unpublish()
    assert "Dutch threat review" not in client.get(url).content.decode()
    assert client.get(practice.url).status_code == 404


def test_moving_drops_the_old_address(client, site, practice):
    old_url = practice.url
    assert cached(client, old_url)
    practice.move(factories.state_page("FI"), pos="last-child")
    practice.refresh_from_db()
    # The stored page is gone: the old address now redirects to the new one.
    moved = client.get(old_url)
    assert moved.status_code == 301
    assert moved["Location"].endswith(practice.url)


def test_deleting_drops_the_page(client, site, practice):
    assert cached(client, practice.url)
    url = practice.url
    practice.delete()
    assert client.get(url).status_code == 404


def test_a_taxonomy_change_drops_the_listing(client, site, practice):
    url = site.good_practices_index.url
    assert cached(client, url)
    Tag.objects.create(name="insider threat", slug="insider-threat")
    assert client.get(url)["X-Page-Cache"] == "miss"


def test_a_state_change_drops_the_states_listing(client, site, practice):
    url = site.states_index.url
    assert cached(client, url)
    state = State.objects.get(iso_code="NL")
    state.name = "Kingdom of the Netherlands"
    state.save()
    response = client.get(url)
    assert response["X-Page-Cache"] == "miss"


def test_signed_in_person_neither_gets_nor_fills_a_cached_page(client, site, practice):
    assert cached(client, practice.url)
    user = factories.user_with_role("expert@example.org", None, "NL")
    login_verified(client, user)
    response = client.get(practice.url)
    assert "X-Page-Cache" not in response
    assert "no-store" in response["Cache-Control"]
    assert str(user) in response.content.decode()
    # Nor does the signed-in answer fill the cache for the visitors after.
    client.logout()
    caches["pages"].incr("public-pages:generation")
    login_verified(client, user)
    client.get(practice.url)
    client.logout()
    anonymous = client.get(practice.url)
    assert anonymous["X-Page-Cache"] == "miss"
    assert str(user) not in anonymous.content.decode()


def test_restricted_pages_are_never_stored(client, site, practice):
    PageViewRestriction.objects.create(
        page=practice, restriction_type=PageViewRestriction.LOGIN
    )
    for _ in range(2):
        response = client.get(practice.url)
        assert response.status_code == 302
        assert "X-Page-Cache" not in response


def test_a_page_that_used_a_csrf_token_is_not_stored(client, site, practice, rf):
    from portal.core.page_cache import _rendered_personally

    request = rf.get("/")
    request.META["CSRF_COOKIE_NEEDS_UPDATE"] = True
    assert _rendered_personally(request, client.get("/"))
    request = rf.get("/")
    request._csp_nonce = "abc"
    assert _rendered_personally(request, client.get("/"))


def test_keys_carry_the_run_prefix():
    assert caches["pages"].key_prefix == settings.CACHES["pages"]["KEY_PREFIX"]


def test_with_redis_away_pages_are_rendered_and_changes_are_dropped_on_its_return(
    client, site, practice, settings
):
    url = site.good_practices_index.url
    assert client.get(url)["X-Page-Cache"] == "miss"
    assert client.get(url)["X-Page-Cache"] == "hit"
    reachable = settings.CACHES["pages"]
    settings.CACHES = {
        **settings.CACHES,
        "pages": {**reachable, "LOCATION": f"redis://127.0.0.1:{free_port()}/0"},
    }
    # Away: every page is rendered, nothing is stored, and a change still saves.
    away = client.get(url)
    assert away.status_code == 200
    assert "X-Page-Cache" not in away
    factories.good_practice("FI", title="Finnish transport drill")
    assert "Finnish transport drill" in client.get(url).content.decode()
    settings.CACHES = {**settings.CACHES, "pages": reachable}
    # Back: the page stored before the change is not served; the new one is.
    back = client.get(url)
    assert back["X-Page-Cache"] == "miss"
    assert "Finnish transport drill" in back.content.decode()
    assert client.get(url)["X-Page-Cache"] == "hit"
