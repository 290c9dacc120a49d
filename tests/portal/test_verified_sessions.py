"""Where a verified session is required: the admin, decorated views, the demo."""

from __future__ import annotations

import io

from django.core.management import call_command
from django.http import HttpResponse
from django.test import RequestFactory

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.accounts.decorators import verified_session_required
from portal.accounts.demo import DEMO_ACCOUNTS
from portal.accounts.models import User
from portal.accounts.roles import Role, has_role
from tests.portal.identity import make_totp, make_user, sign_in, totp_code, verify_with
from tests.support import login_verified

pytestmark = pytest.mark.django_db


def _superuser():
    return User.objects.create_superuser("admin@example.org", "an-admin-passphrase")


def test_admin_needs_a_verified_session(client):
    admin = _superuser()
    anonymous = client.get("/admin/")
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/accounts/login/")
    login_page = client.get("/admin/login/?next=/admin/pages/")
    assert login_page["Location"].startswith("/accounts/login/?next=/admin/pages/")

    client.force_login(admin)
    unverified = client.get("/admin/")
    assert unverified.status_code == 302
    assert unverified["Location"].startswith("/account/two-factor/enrol/")
    device = make_totp(admin)
    assert client.get("/admin/")["Location"].startswith("/account/two-factor/verify/")

    verify_with(client, device, totp_code(device), next_url="/admin/")
    assert client.get("/admin/").status_code == 200


def test_decorator_never_serves_an_unverified_session(rf: RequestFactory):
    served = []

    @verified_session_required
    def view(request):
        served.append(request)
        return HttpResponse("secret")

    from django.contrib.auth.models import AnonymousUser

    request = rf.get("/x/")
    request.user = AnonymousUser()
    assert view(request)["Location"].startswith("/accounts/login/?next=/x/")

    user = make_user("plain@example.org")
    request = rf.get("/x/")
    request.user = user
    user.is_verified = lambda: False
    assert view(request)["Location"].startswith("/account/two-factor/enrol/")
    make_totp(user)
    assert view(request)["Location"].startswith("/account/two-factor/verify/")
    assert served == []
    user.is_verified = lambda: True
    assert view(request).content == b"secret"


def test_header_shows_sign_in_or_the_account(client, home_page):
    assert "Sign in" in client.get("/").content.decode()
    user = make_user("header@example.org")
    login_verified(client, user)
    html = client.get("/").content.decode()
    assert user.display_name in html and "Sign out" in html


def test_logout_needs_a_post(client):
    user = make_user("logout@example.org")
    login_verified(client, user)
    assert client.get("/accounts/logout/").status_code == 405
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/account/").status_code == 302


def test_demo_accounts_one_per_role_idempotent_with_working_codes(client):
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    call_command("load_demo", stdout=io.StringIO())
    text = out.getvalue()
    # One per role, and a German focal point to approve highly confidential.
    assert len(DEMO_ACCOUNTS) == 8
    assert User.objects.filter(email__endswith="@demo.nsi-portal.test").count() == 8
    assert TOTPDevice.objects.filter(confirmed=True).count() == 8
    for account in DEMO_ACCOUNTS:
        assert account.email in text and account.password in text
        assert len(account.password) >= 12
        user = User.objects.get(email=account.email)
        assert all(has_role(user, role) for role in account.roles)
    assert "manage.py demo_totp" in text
    experts = {
        u.email: (u.state.iso_code, u.clearance, u.is_vetted())
        for u in User.objects.filter(groups__name=Role.VETTED_EXPERT)
    }
    assert experts == {
        "expert.nl@demo.nsi-portal.test": ("NL", "confidential", True),
        "expert.be@demo.nsi-portal.test": ("BE", "restricted", True),
        "expert.de@demo.nsi-portal.test": ("DE", "highly_confidential", True),
    }

    code = io.StringIO()
    call_command(
        "demo_totp", "expert.de@demo.nsi-portal.test", stdout=code, stderr=io.StringIO()
    )
    expert = User.objects.get(email="expert.de@demo.nsi-portal.test")
    device = TOTPDevice.objects.get(user=expert)
    response = sign_in(client, expert.email, "demo-expert-bonn-2026")
    assert response["Location"].startswith("/account/two-factor/verify/")
    assert verify_with(client, device, code.getvalue().strip()).status_code == 302
    assert client.get("/account/").status_code == 200


@pytest.mark.parametrize(
    ("role", "link"),
    [
        (Role.FOCAL_POINT, "/accounts/invitations/"),
        (Role.SECRETARIAT, "/accounts/vetting/"),
        (Role.SECURITY_OFFICER, "/audit/"),
    ],
)
def test_account_page_links_the_tools_of_each_role(client, role, link):
    user = make_user("tools@example.org", role)
    login_verified(client, user)
    html = client.get("/account/").content.decode()
    assert f'href="{link}"' in html
    other_links = {"/accounts/invitations/", "/accounts/vetting/", "/audit/"} - {link}
    assert not any(f'href="{other}"' in html for other in other_links)
