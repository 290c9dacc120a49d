"""Answers to a signed-in person are never stored by a cache; public pages may be."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

import pytest

from tests.exchange.conftest import make_expert, share
from tests.support import login_verified

pytestmark = pytest.mark.django_db


def assert_not_stored(response) -> None:
    directives = {d.strip() for d in response.get("Cache-Control", "").split(",")}
    assert {"no-store", "private"} <= directives, (
        f"{response.request['PATH_INFO']}: Cache-Control "
        f"{response.get('Cache-Control')!r}"
    )
    assert "Cookie" in response.get("Vary", "")


def test_restricted_pages_and_api_answers_are_never_stored(home_page):
    expert = make_expert("NL", clearance="confidential")
    document = share(expert, tier="confidential")
    client = login_verified(Client(), expert)
    urls = [
        reverse("exchange:list"),
        reverse("exchange:detail", args=[document.pk]),
        reverse("exchange:sharing", args=[document.pk]),
        reverse("exchange:api_documents"),
        reverse("exchange:api_document", args=[document.pk]),
        reverse("exchange:recent"),
        reverse("coordination:rooms"),
        reverse("coordination:notifications"),
        reverse("progress:dashboard"),
        "/",
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        assert_not_stored(response)


def test_a_denied_answer_to_a_signed_in_person_is_not_stored_either():
    owner = make_expert("NL", clearance="confidential")
    outsider = make_expert("FR", clearance="confidential")
    document = share(owner, tier="confidential")
    response = login_verified(Client(), outsider).get(
        reverse("exchange:detail", args=[document.pk])
    )
    assert response.status_code == 404
    assert_not_stored(response)


def test_anonymous_public_pages_stay_cacheable(home_page):
    response = Client().get("/")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")
