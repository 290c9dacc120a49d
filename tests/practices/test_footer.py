"""Every page carries the emblem, the favicon and a footer of the portal's notices,
which the CMS edits like any page."""

from __future__ import annotations

import re

import pytest

from practices.demo import ensure_information_pages
from practices.models import HomePage, InformationPage

pytestmark = pytest.mark.django_db


def footer_links(body: str) -> list[tuple[str, str]]:
    nav = re.search(r'<nav aria-label="About the portal">(.*?)</nav>', body, re.S)
    assert nav is not None, "no footer navigation"
    return re.findall(r'<a href="([^"]+)">([^<]+)</a>', nav.group(1))


def test_the_demo_footer_links_the_four_notices_from_every_page(client, site):
    home = HomePage.objects.get()
    assert ensure_information_pages(home) == 4
    assert ensure_information_pages(home) == 0  # loading again adds nothing
    expected = [
        ("/accessibility/", "Accessibility statement"),
        ("/privacy/", "Privacy notice"),
        ("/contact/", "Contact"),
        ("/terms/", "Terms of use"),
    ]
    for path in ("/", "/events/", "/accounts/login/", "/search/?q=security"):
        body = client.get(path).content.decode()
        assert footer_links(body) == expected, path
    notice = client.get("/privacy/")
    assert notice.status_code == 200
    assert "Visitors who do not sign in are not tracked." in notice.content.decode()


def test_a_notice_edited_in_the_cms_changes_the_footer(client, site):
    home = HomePage.objects.get()
    ensure_information_pages(home)
    terms = InformationPage.objects.get(slug="terms")
    terms.title = "Conditions of use"
    terms.save_revision().publish()
    contact = InformationPage.objects.get(slug="contact")
    contact.show_in_menus = False
    contact.save_revision().publish()
    labels = [label for _, label in footer_links(client.get("/").content.decode())]
    assert labels == ["Accessibility statement", "Privacy notice", "Conditions of use"]


def test_pages_carry_the_emblem_and_the_favicon(client, site):
    body = client.get("/").content.decode()
    assert re.search(r'<link rel="icon" href="[^"]*emblem[^"]*\.svg"', body)
    assert re.search(
        r'<img class="brand-mark" src="[^"]*emblem[^"]*\.svg" alt=""', body
    )
