"""Every page carries a Content-Security-Policy: inline scripts need a nonce."""

from __future__ import annotations

from django.test import Client

import pytest

from portal.accounts.actions import set_superuser
from portal.accounts.roles import Role
from tests.portal.identity import make_user
from tests.support import login_verified


def directives(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    parsed = {}
    for part in header.split(";"):
        name, *values = part.split()
        parsed[name] = values
    return parsed


def test_public_page_forbids_inline_scripts_and_other_origins(db, home_page):
    policy = directives(Client().get("/"))
    assert policy["script-src"] == ["'self'"]
    assert policy["default-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["style-src"] == ["'self'"]
    assert all("'unsafe-inline'" not in values for values in policy.values())


def test_error_pages_carry_the_policy_too(db, home_page):
    response = Client().get("/no-such-page/")
    assert response.status_code == 404
    assert directives(response)["script-src"] == ["'self'"]


def test_admin_inline_scripts_run_only_with_the_pages_nonce(db, home_page):
    editor = make_user("root@example.org", Role.SECRETARIAT, state=None)
    set_superuser(editor, True, by=None)
    client = login_verified(Client(), editor)
    from practices.models import GoodPracticeIndexPage

    index = GoodPracticeIndexPage.objects.first() or home_page
    response = client.get(f"/admin/pages/{index.id}/edit/")
    assert response.status_code == 200
    policy = directives(response)
    nonces = [v for v in policy["script-src"] if v.startswith("'nonce-")]
    assert policy["script-src"][0] == "'self'"
    # Styles may be inline in the admin only; scripts never without the nonce.
    assert "'unsafe-inline'" in policy["style-src"]
    assert "'unsafe-inline'" not in policy["script-src"]
    body = response.content.decode()
    import re

    for script in re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", body):
        if "application/json" in script:
            continue
        assert nonces, "an inline script was sent without a nonce in the policy"
        assert f'nonce="{nonces[0][7:-1]}"' in script, script


@pytest.mark.parametrize("path", ["/", "/good-practices/", "/accounts/login/"])
def test_no_page_loads_anything_from_another_origin(db, home_page, path):
    import re

    body = Client().get(path).content.decode()
    assert not re.search(r'(src|href)="(https?:)?//', body)
