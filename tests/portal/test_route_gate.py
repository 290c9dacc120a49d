"""Every route is in the access table, and answers as the table says to people who
may not use it: no session, a password-only session, a verified unrelated role."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connections
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

import pytest
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.layers import channel_layers
from channels.testing import WebsocketCommunicator

from exchange.actions import change_partner_group, prepare_public_practice
from exchange.coordination import actions as coordination
from exchange.policy import viewer_for_user
from portal.accounts.roles import Role
from portal.core.routes import PREFIXES, ROUTES, WEBSOCKETS, Access, Refusal, rule_for
from portal.routing import websocket_urlpatterns
from practices.actions import ensure_site_structure
from practices.progress import actions as progress
from practices.progress.aggregates import CHARTS
from practices.progress.models import CommitmentStatus
from tests.exchange.conftest import make_expert, share, text_upload
from tests.portal.identity import PASSWORD, make_totp, make_user, sign_in, vet
from tests.support import login_verified

# --- Walking the resolver and the routing ---------------------------------------


def url_routes(patterns=None, prefix: str = "", namespace: str | None = None):
    """(full pattern, name) of every URL pattern, included ones too."""
    if patterns is None:
        patterns = get_resolver().url_patterns
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = namespace
            if entry.namespace:
                inner = (
                    f"{namespace}:{entry.namespace}" if namespace else entry.namespace
                )
            yield from url_routes(
                entry.url_patterns, prefix + str(entry.pattern), inner
            )
        else:
            assert isinstance(entry, URLPattern)
            name = entry.name and (
                f"{namespace}:{entry.name}" if namespace else entry.name
            )
            yield prefix + str(entry.pattern), name


def websocket_routes():
    return [str(route.pattern) for route in websocket_urlpatterns]


def test_every_url_route_is_classified():
    missing = [
        f"{pattern} ({name or 'unnamed'})"
        for pattern, name in url_routes()
        if rule_for(pattern, name) is None
    ]
    assert not missing, (
        "Routes missing from portal/core/routes.py (classify each as public, "
        "signed in, verified or verified + role):\n  " + "\n  ".join(missing)
    )


def test_every_websocket_route_is_classified():
    missing = [p for p in websocket_routes() if p not in WEBSOCKETS]
    assert not missing, f"WebSocket routes missing from the table: {missing}"


def test_the_table_names_only_routes_that_exist():
    names = {name for _, name in url_routes() if name}
    assert not sorted(set(ROUTES) - names)
    assert not sorted(set(WEBSOCKETS) - set(websocket_routes()))


def test_the_walk_sees_the_admin_block_and_every_role_page():
    patterns = [p for p, _ in url_routes()]
    assert any(p.startswith("admin/") for p in patterns)
    assert "admin/" in PREFIXES
    role_pages = {n for n, rule in ROUTES.items() if rule.access == Access.ROLE}
    assert {
        "coordination:manage",
        "coordination:archive",
        "progress:manage_publication",
        "progress:manage_edit",
        "accounts:vetting_edit",
        "audit:events",
        "people:directory",
    } <= role_pages


def test_the_gate_of_every_role_page_is_role_required():
    """The view behind a role route carries role_required with the table's roles."""
    resolver = get_resolver()
    for name, rule in ROUTES.items():
        if rule.access != Access.ROLE:
            continue
        view = resolver.resolve(_example_url(name)).func
        gated = getattr(view, "required_roles", None)
        assert gated is not None, f"{name}: not behind role_required"
        assert set(gated) == set(rule.roles), name


def _example_url(name: str) -> str:
    samples = {
        "accounts:vetting_edit": {"pk": 1},
        "coordination:archive": {"room_id": 1},
        "coordination:room_tier": {"room_id": 1},
        "progress:manage_add": {"record_type": "commitments"},
        "progress:manage_edit": {"record_type": "commitments", "pk": 1},
    }
    return reverse(name, kwargs=samples.get(name, {}))


# --- The gate itself ----------------------------------------------------------------


def _gated_views():
    from django.http import HttpResponse
    from django.views import View

    from portal.accounts.decorators import RoleRequiredMixin, role_required

    @role_required((Role.STATE_EDITOR, Role.FOCAL_POINT))
    def function_view(request):
        return HttpResponse("served")

    class ClassView(RoleRequiredMixin, View):
        required_role = Role.SECRETARIAT

        def get(self, request):
            return HttpResponse("served")

    return function_view, ClassView.as_view()


def _ask(view, user, *, verified: bool):
    from django.contrib.auth.models import AnonymousUser
    from django.http import Http404
    from django.test import RequestFactory

    request = RequestFactory().get("/gated/")
    request.user = user or AnonymousUser()
    if user is not None:
        user.is_verified = lambda: verified
    try:
        return refusal_of(view(request))
    except Http404:
        return Refusal.NOT_FOUND


def test_role_required_and_its_mixin_refuse_in_order(db):
    function_view, class_view = _gated_views()
    focal = make_user("gate.focal@example.org", Role.FOCAL_POINT)
    secretary = make_user("gate.secretary@example.org", Role.SECRETARIAT, state=None)
    make_totp(focal)
    make_totp(secretary)
    for view, holder, other in (
        (function_view, focal, secretary),
        (class_view, secretary, focal),
    ):
        assert _ask(view, None, verified=False) == Refusal.SIGN_IN
        assert _ask(view, holder, verified=False) == Refusal.SECOND_FACTOR
        assert _ask(view, other, verified=True) == Refusal.NOT_FOUND
        assert _ask(view, holder, verified=True) == Refusal.NONE
    holder_gone = make_user("gate.gone@example.org", Role.FOCAL_POINT)
    holder_gone.is_active = False
    assert _ask(function_view, holder_gone, verified=True) == Refusal.NOT_FOUND


# --- What each person gets ----------------------------------------------------------

VERIFY_URLS = ("/account/two-factor/verify/?", "/account/two-factor/enrol/?")


def refusal_of(response) -> Refusal:
    status = response.status_code
    assert status < 500, f"server error {status}"
    if status in (301, 302, 303, 307, 308):
        location = response["Location"]
        if location.startswith(f"{settings.LOGIN_URL}?next="):
            return Refusal.SIGN_IN
        if location.startswith((*VERIFY_URLS, f"{settings.STEP_UP_URL}?")):
            return Refusal.SECOND_FACTOR
        return Refusal.NONE
    if status == 403:
        return Refusal.FORBIDDEN
    if status == 404:
        return Refusal.NOT_FOUND
    return Refusal.NONE


@dataclass
class Example:
    """How to call a route: its URL arguments, a body, and who is served by it."""

    kwargs: dict = field(default_factory=dict)
    args: tuple = ()
    data: dict = field(default_factory=dict)
    # The arguments name nothing that exists, so a 404 is the answer to anyone.
    missing: bool = False
    # The person (a key of `people`) whom the route serves, to show that the
    # example is real and the refusals are the gate's, not a missing object's.
    holder: str | None = None


def _with_password(user):
    user.set_password(PASSWORD)
    user.save(update_fields=["password"])
    return user


@pytest.fixture
def people(db, home_page):
    nl_expert = _with_password(
        make_expert("NL", clearance="confidential", roles=(Role.VETTED_EXPERT,))
    )
    everyone = {
        "expert": nl_expert,
        "editor": make_user("editor@example.org", Role.STATE_EDITOR),
        "focal": make_user("focal@example.org", Role.FOCAL_POINT, Role.STATE_EDITOR),
        "secretary": make_user("secretary@example.org", Role.SECRETARIAT, state=None),
        "officer": make_user("officer@example.org", Role.SECURITY_OFFICER, state=None),
        # The unrelated people: verified, of another State, never vetted.
        "outsider_officer": make_user(
            "outsider.officer@example.org", Role.SECURITY_OFFICER, state="FR"
        ),
        "outsider_editor": make_user(
            "outsider.editor@example.org", Role.STATE_EDITOR, state="FR"
        ),
    }
    for person in everyone.values():
        make_totp(person)
    return everyone


@pytest.fixture
def examples(people, home_page):
    from exchange.models import PartnerGroup

    expert = vet(people["expert"], people["secretary"])
    document = share(expert, upload=text_upload())
    group = PartnerGroup.objects.create(name="Border group", slug="border-group")
    change_partner_group(group, add_members=[expert], by=None)
    room = group.rooms.get(is_default=True)
    spare = coordination.open_room(
        group, by=people["secretary"], name="Spare", tier="restricted"
    )
    # Its own room: the archive example closes the spare one.
    retiered = coordination.open_room(
        group, by=people["secretary"], name="Retiered", tier="restricted"
    )
    record = progress.create_record(
        CommitmentStatus,
        by=people["editor"],
        viewer=viewer_for_user(people["editor"], verified=True),
        values={
            "commitment": "1",
            "status": "in_progress",
            "statement": "",
            "evidence": "",
            "tier": "public",
        },
    )
    ensure_site_structure(home_page, iso_codes=["NL"])
    release = {"pk": prepare_public_practice(document, by=expert).pk}
    doc = {"pk": document.pk}
    in_room = {"room_id": room.pk}
    return {
        "accounts:accept_invitation": Example({"token": "no-such-token"}),
        "accounts:password_reset_confirm": Example(
            {"uidb64": "MA", "token": "no-such-token"}
        ),
        "accounts:remove_device": Example(missing=True),
        "accounts:invite": Example(holder="focal"),
        "accounts:vetting_list": Example(holder="secretary"),
        "accounts:vetting_edit": Example({"pk": expert.pk}, holder="secretary"),
        "accounts:vetting_approvals": Example(holder="focal"),
        "accounts:factor_resets": Example(holder="focal"),
        "mail:unsubscribe": Example({"token": "no-such-token"}),
        "people:directory": Example(holder="expert"),
        "people:search": Example(data={"q": "Expert"}, holder="expert"),
        "people:entry": Example(holder="expert"),
        "audit:events": Example(holder="officer"),
        "audit:export_csv": Example(holder="officer"),
        "audit:export_jsonl": Example(holder="officer"),
        "audit:verify": Example(holder="officer"),
        "audit:sign_checkpoint": Example(holder="officer"),
        "audit:checkpoints": Example(holder="officer"),
        "exchange:state_receipts": Example(holder="focal"),
        "exchange:list": Example(holder="expert"),
        "exchange:create": Example(holder="expert"),
        "exchange:detail": Example(doc, holder="expert"),
        "exchange:version_create": Example(doc, holder="expert"),
        "exchange:sharing": Example(doc, holder="expert"),
        "exchange:access_history_csv": Example(doc, holder="expert"),
        "exchange:access_receipt": Example(doc, holder="expert"),
        "exchange:release_start": Example(doc, holder="expert"),
        "exchange:release": Example(release, holder="expert"),
        # The focal point's approval is held to its holder in
        # tests/integration/test_public_release.py.
        "exchange:release_approve": Example(release),
        "exchange:release_withdraw": Example(release, holder="expert"),
        "exchange:download_latest": Example(doc, holder="expert"),
        "exchange:download": Example({**doc, "number": 1}, holder="expert"),
        "exchange:download_record": Example({"download_id": "0" * 32}, missing=True),
        "exchange:api_documents": Example(holder="expert"),
        "exchange:api_document": Example(doc, holder="expert"),
        "api_v1:documents": Example(holder="expert"),
        "api_v1:document": Example(doc, holder="expert"),
        "api_v1:room_messages": Example(in_room, holder="expert"),
        "api_v1:room_read": Example(in_room, data={"id": "0"}, holder="expert"),
        "api_v1:room_presence": Example(in_room, holder="expert"),
        "coordination:room": Example(in_room, holder="expert"),
        "coordination:messages": Example(in_room, holder="expert"),
        "coordination:read": Example(in_room, data={"id": "0"}, holder="expert"),
        "coordination:presence": Example(in_room, holder="expert"),
        "coordination:manage": Example(holder="secretary"),
        "coordination:archive": Example({"room_id": spare.pk}, holder="secretary"),
        "coordination:room_tier": Example(
            {"room_id": retiered.pk},
            data={f"room-{retiered.pk}-tier": "confidential"},
            holder="secretary",
        ),
        "progress:chart_csv": Example({"chart": next(iter(CHARTS))}),
        "progress:state": Example({"iso_code": "NL"}),
        "progress:manage": Example(holder="editor"),
        "progress:manage_add": Example({"record_type": "commitments"}, holder="editor"),
        "progress:manage_edit": Example(
            {"record_type": "commitments", "pk": record.pk}, holder="editor"
        ),
        "progress:manage_publication": Example(
            data={"publish_aggregates": "on"}, holder="focal"
        ),
        "state_good_practices_feed": Example({"iso_code": "NL"}),
        "wagtailapi:pages:detail": Example({"pk": home_page.pk}),
        # `find` without a query finds nothing.
        "wagtailapi:pages:find": Example(missing=True),
        "wagtailapi:images:find": Example(missing=True),
        "wagtailapi:documents:find": Example(missing=True),
        "wagtailapi:images:detail": Example({"pk": 999999}, missing=True),
        "wagtailapi:documents:detail": Example({"pk": 999999}, missing=True),
        "wagtaildocs_serve": Example(args=(999999, "none.pdf"), missing=True),
        "wagtaildocs_authenticate_with_password": Example(
            {"restriction_id": 999999}, missing=True
        ),
        "wagtailcore_authenticate_with_password": Example(
            {"page_view_restriction_id": 999999, "page_id": home_page.pk},
            missing=True,
        ),
        "wagtail_serve": Example(args=("",)),
    }


def _outsider(people, rule) -> str:
    """A verified person of a role the rule does not admit."""
    if str(Role.SECURITY_OFFICER) in rule.roles:
        return "outsider_editor"
    return "outsider_officer"


def _clients(people, outsider: str, holder: str | None = None) -> dict[str, Client]:
    """No session; a password-only session of the person the route serves (the
    one a stolen password would open), else of the outsider; a verified outsider."""
    anonymous = Client()
    password_only = Client()
    response = sign_in(password_only, people[holder or outsider].email)
    assert response.status_code == 302, "the password is accepted"
    assert response["Location"].startswith(VERIFY_URLS[0])
    return {
        "anonymous": anonymous,
        "password_only": password_only,
        "unrelated": login_verified(Client(), people[outsider]),
    }


def _call(client: Client, rule, url: str, example: Example):
    if rule.method == "POST":
        return client.post(url, example.data)
    return client.get(url, example.data)


def _matches(expected: Refusal, got: Refusal, example: Example) -> bool:
    if expected == Refusal.NONE and example.missing:
        return got in (Refusal.NONE, Refusal.NOT_FOUND)
    return got == expected


def test_every_route_refuses_as_the_table_says(people, examples):
    wrong = []
    checked = 0
    for _pattern, name in url_routes():
        if not name or name not in ROUTES:
            continue  # blocks by prefix: see the admin test
        rule = ROUTES[name]
        example = examples.get(name, Example())
        url = reverse(name, args=example.args, kwargs=example.kwargs)
        outsider = _outsider(people, rule)
        clients = _clients(people, outsider, example.holder)
        for kind, client in clients.items():
            expected = getattr(rule, kind)
            got = refusal_of(_call(client, rule, url, example))
            if not _matches(expected, got, example):
                wrong.append(
                    f"{name} {rule.method} {url} as {kind}: {got}, not {expected}"
                )
            checked += 1
        if example.holder:
            holder = login_verified(Client(), people[example.holder])
            got = refusal_of(_call(holder, rule, url, example))
            if got != Refusal.NONE:
                wrong.append(f"{name} {url} refuses its holder {example.holder}: {got}")
    assert not wrong, "\n".join(wrong)
    assert checked == 3 * len(ROUTES)


def _admin_urls() -> list[str]:
    """Every admin route that needs no argument, and a few that do."""
    from django.urls import NoReverseMatch

    urls = []
    for pattern, name in url_routes():
        if not pattern.startswith("admin/") or not name:
            continue
        try:
            urls.append(reverse(name))
        except NoReverseMatch:
            continue
    return urls


def test_the_admin_refuses_all_but_verified_people_with_admin_access(people, home_page):
    urls = [
        *_admin_urls(),
        f"/admin/pages/{home_page.pk}/edit/",
        f"/admin/users/{people['expert'].pk}/",
        "/admin/no-such-page/",
    ]
    assert len(urls) > 50
    rule = PREFIXES["admin/"]
    clients = _clients(people, "outsider_officer")
    wrong = []
    for url in urls:
        for kind, client in clients.items():
            got = refusal_of(client.get(url))
            if got != getattr(rule, kind):
                wrong.append(f"{url} as {kind}: {got}, not {getattr(rule, kind)}")
    assert not wrong, "\n".join(wrong)
    # With Wagtail's admin access (the secretariat's group holds it), the admin opens.
    from practices.permissions import access_admin_permission

    secretary = people["secretary"]
    secretary.groups.get(name=str(Role.SECRETARIAT)).permissions.add(
        access_admin_permission()
    )
    assert login_verified(Client(), secretary).get("/admin/").status_code == 200


# --- WebSockets, over the real Redis channel layer ----------------------------------

ORIGIN = (b"origin", b"http://localhost")


@pytest.fixture
def fresh_channel_layer():
    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


@pytest.fixture
async def close_thread_connections():
    yield
    await sync_to_async(connections.close_all, thread_sensitive=True)()


def _cookie(client: Client) -> bytes:
    name = settings.SESSION_COOKIE_NAME
    return f"{name}={client.cookies[name].value}".encode()


def _socket_world():
    from exchange.models import PartnerGroup

    expert = _with_password(make_expert("NL", clearance="confidential"))
    outsider = make_user("ws.outsider@example.org", Role.SECURITY_OFFICER, state="FR")
    for person in (expert, outsider):
        make_totp(person)
    group = PartnerGroup.objects.create(name="Socket group", slug="socket-group")
    change_partner_group(group, add_members=[expert], by=None)
    room = group.rooms.get(is_default=True)
    password_only = Client()
    sign_in(password_only, expert.email)  # a member, without the second factor
    cookies = {
        "anonymous": None,
        "password_only": _cookie(password_only),
        "unrelated": _cookie(login_verified(Client(), outsider)),
        "holder": _cookie(login_verified(Client(), expert)),
    }
    return {"room_id": room.pk}, cookies


def _socket_path(pattern: str, kwargs: dict) -> str:
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(kwargs[m.group(1)]), pattern)


async def _socket_refusal(path: str, cookie: bytes | None) -> Refusal:
    from portal.asgi import application

    headers = [ORIGIN] + ([(b"cookie", cookie)] if cookie else [])
    socket = WebsocketCommunicator(application, path, headers=headers)
    connected, _ = await socket.connect(timeout=5)
    if not connected:
        return Refusal.FORBIDDEN
    try:
        if path == "/ws/ping/":
            await socket.send_json_to({"type": "ping"})
        output = await socket.receive_output(timeout=5)
        if output["type"] == "websocket.close":
            return {
                4403: Refusal.SOCKET_UNVERIFIED,
                4404: Refusal.SOCKET_NOT_FOUND,
            }.get(output.get("code"), Refusal.FORBIDDEN)
        assert output["type"] == "websocket.send", output
        json.loads(output["text"])
        return Refusal.NONE
    finally:
        await socket.disconnect()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
async def test_every_websocket_route_refuses_as_the_table_says(
    fresh_channel_layer, close_thread_connections
):
    kwargs, cookies = await database_sync_to_async(_socket_world)()
    wrong = []
    for pattern in websocket_routes():
        rule = WEBSOCKETS[pattern]
        path = _socket_path(pattern, kwargs)
        for kind in ("anonymous", "password_only", "unrelated"):
            got = await _socket_refusal(path, cookies[kind])
            if got != getattr(rule, kind):
                wrong.append(f"{path} as {kind}: {got}, not {getattr(rule, kind)}")
        got = await _socket_refusal(path, cookies["holder"])
        if got != Refusal.NONE:
            wrong.append(f"{path} refuses a member: {got}")
    assert not wrong, "\n".join(wrong)
