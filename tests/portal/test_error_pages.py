"""Errors answer with the portal's own pages: no traceback, no stock admin 500."""

from __future__ import annotations

from django.test import Client

import pytest

from portal.accounts.actions import set_superuser
from portal.accounts.roles import Role
from tests.portal.identity import make_user
from tests.support import login_verified


@pytest.fixture
def superuser(db, home_page):
    user = make_user("root@example.org", Role.SECRETARIAT, state=None)
    set_superuser(user, True, by=None)
    return user


@pytest.mark.parametrize(
    "method,url",
    [
        ("get", "/admin/pages/1/set_position/"),
        ("post", "/admin/pages/1/set_position/"),
        ("get", "/admin/failwhale/"),
    ],
)
def test_admin_urls_that_raised_now_answer_not_found(superuser, method, url):
    client = login_verified(Client(raise_request_exception=False), superuser)
    response = getattr(client, method)(url)
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_reordering_a_real_page_still_works(superuser, home_page):
    from wagtail.models import Page

    first = home_page.add_child(instance=Page(title="First", slug="first"))
    second = home_page.add_child(instance=Page(title="Second", slug="second"))
    client = login_verified(Client(), superuser)
    response = client.post(f"/admin/pages/{second.id}/set_position/?position=0")
    assert response.status_code == 200
    order = list(home_page.get_children().values_list("id", flat=True))
    assert order.index(second.id) < order.index(first.id)


def test_not_found_is_the_portals_page_with_its_navigation(db, home_page):
    response = Client().get("/no-such-page/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "Page not found" in body
    assert 'nav class="main-nav' in body
    assert "Traceback" not in body


def test_server_error_page_stands_alone(db, home_page):
    from django.template.loader import render_to_string

    body = render_to_string("500.html")
    assert "Something went wrong" in body
    assert "portal.css" in body
