"""Unpublished and view-restricted content stays private until published."""

from __future__ import annotations

from wagtail.models import PageViewRestriction

import pytest

from tests.practices import factories

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
