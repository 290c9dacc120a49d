"""As each role, follow every internal link from the role's home: no page is
missing (404) and none fails (5xx). A link the role may not follow would be a link
the portal should not have shown."""

from __future__ import annotations

import re
from collections import deque
from urllib.parse import urldefrag, urljoin, urlsplit

from django.test import Client

import pytest

from tests.roles import people_of_every_role
from tests.support import login_verified

pytestmark = pytest.mark.django_db

MAX_PAGES = 150
LINK = re.compile(r'<a\b[^>]*\bhref="([^"]+)"', re.I)
# Not followed: what ends the session, static files, and the admin's bulk-action
# buttons, which are links only for its scripts (they add the chosen ids).
NOT_FOLLOWED = ("/accounts/logout/", "/static/", "/media/", "/admin/bulk/")


def internal_links(html: str, base: str) -> list[str]:
    links = []
    for href in LINK.findall(html):
        href = href.replace("&amp;", "&")
        if href.startswith(("mailto:", "tel:", "javascript:", "#")):
            continue
        url = urldefrag(urljoin(base, href)).url
        parts = urlsplit(url)
        if parts.netloc not in ("", "testserver"):
            continue
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        if not path.startswith(NOT_FOLLOWED):
            links.append(path)
    return links


def crawl(client: Client, start: str) -> tuple[int, list[str]]:
    """(pages fetched, failures as "status path <- from")."""
    seen = {start}
    queue = deque([(start, "start")])
    failures = []
    fetched = 0
    while queue and fetched < MAX_PAGES:
        path, came_from = queue.popleft()
        fetched += 1
        try:
            response = client.get(path)
        except Exception as exc:  # a view that raises is a 500 to its reader
            failures.append(f"500 {path} <- {came_from}: {exc!r}")
            continue
        if response.status_code == 404 or response.status_code >= 500:
            failures.append(f"{response.status_code} {path} <- {came_from}")
            continue
        if response.status_code in (301, 302, 303, 307, 308):
            target = urlsplit(response["Location"])
            if target.netloc in ("", "testserver"):
                link = target.path + (f"?{target.query}" if target.query else "")
                if link not in seen:
                    seen.add(link)
                    queue.append((link, path))
            continue
        if "text/html" not in response.get("Content-Type", ""):
            continue
        for link in internal_links(
            response.content.decode(), "http://testserver" + path
        ):
            if link not in seen:
                seen.add(link)
                queue.append((link, path))
    return fetched, failures


def test_every_link_a_visitor_meets_leads_somewhere(site_of_every_role):
    fetched, failures = crawl(Client(), "/")
    assert failures == [], "\n".join(failures)
    assert fetched >= 20


@pytest.mark.parametrize(
    "role", ["editor", "focal-point", "secretariat", "expert", "security-officer"]
)
def test_every_link_from_a_role_home_leads_somewhere(site_of_every_role, role):
    client = login_verified(Client(), site_of_every_role[role])
    fetched, failures = crawl(client, "/my/")
    assert failures == [], "\n".join(failures)
    assert fetched >= 20, f"only {fetched} pages reached from {role}'s home"


@pytest.fixture
def site_of_every_role(db):
    return people_of_every_role()
