"""The JSON API keeps to its published OpenAPI document, for every kind of person.

Real answers of every endpoint, for no session, a password-only session, a vetted
expert, a document's owner, an expert of another State and the secretariat, must
have a documented status and conform to the document's schema; then generated
query parameters and bodies, for a generated viewer, must never give a server
error, an undocumented status, or anything the exchange policy hides from them.
"""

from __future__ import annotations

import contextlib
import datetime
import re
from dataclasses import dataclass, field

from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from django.test import Client
from django.urls import URLPattern, get_resolver, resolve, reverse
from django.utils import timezone

import pytest
import schemathesis
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from exchange.actions import change_partner_group
from exchange.coordination import actions as coordination
from exchange.coordination.models import Notification
from exchange.models import Document, PartnerGroup
from exchange.policy import viewer_for_user, visible_documents, visible_notifications
from portal.accounts.guard import authorised
from portal.accounts.models import User
from portal.accounts.roles import Role
from portal.api import schema
from portal.api.views import no_such_path, not_found_json
from portal.states.models import State
from tests.exchange.conftest import make_expert, share
from tests.portal.identity import make_user
from tests.support import login_verified

pytestmark = pytest.mark.django_db

FUZZ_EXAMPLES = 80


# --- The document itself ------------------------------------------------------------


def _api_patterns() -> dict[str, str]:
    """{name: pattern} of every route under the versioned prefix."""
    resolver = get_resolver()
    (api,) = [
        entry
        for entry in resolver.url_patterns
        if getattr(entry, "namespace", None) == "api_v1"
    ]
    *named, rest = api.url_patterns
    # The last route answers the API's JSON 404 for every other path.
    assert isinstance(rest, URLPattern) and rest.callback is no_such_path
    routes = {}
    assert rest.name == "no_such_path"
    for entry in named:
        assert isinstance(entry, URLPattern)
        routes[entry.name] = str(entry.pattern)
    return routes


def _template(pattern: str) -> str:
    """A Django pattern as the document writes its path (`<int:pk>` as `{id}`)."""
    path = "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", pattern)
    return path.replace("{pk}", "{id}")


def test_every_versioned_route_is_documented_and_every_documented_path_exists():
    documented = set(schema.openapi()["paths"])
    served = {_template(p) for p in _api_patterns().values()}
    assert served == documented
    assert schema.openapi()["servers"] == [{"url": schema.PREFIX}]


def test_the_older_paths_are_aliases_of_version_one():
    """The portal's own scripts call the older paths; they reach the same views."""
    pairs = {
        "/exchange/api/documents/": "/exchange/documents/",
        "/exchange/api/documents/7/": "/exchange/documents/7/",
        "/search/api/": "/search/",
        "/search/suggest": "/search/suggest",
        "/coordination/rooms/7/messages": "/rooms/7/messages",
        "/coordination/rooms/7/read": "/rooms/7/read",
        "/coordination/rooms/7/presence": "/rooms/7/presence",
        "/notifications/feed": "/notifications/",
    }
    for alias, versioned in pairs.items():
        assert resolve(alias).func is resolve(schema.PREFIX + versioned).func, alias


def test_every_operation_documents_its_statuses_and_json_bodies():
    for path, operations in schema.openapi()["paths"].items():
        for method, operation in operations.items():
            if method == "parameters":
                continue
            assert operation["responses"], (path, method)
            for status in operation["responses"]:
                assert 200 <= int(status) < 500, (path, method, status)
                schema.response_schema(path, method, int(status))


def test_the_checker_refuses_what_breaks_the_schema():
    document = {"$ref": "#/components/schemas/Document"}
    assert schema.errors({"id": "1"}, document)  # a string id, fields missing
    hit = {"$ref": "#/components/schemas/SearchHit"}
    good_hit = {
        "kind": "page",
        "id": 1,
        "type": "Good practice",
        "title": "T",
        "url": "/t/",
        "summary": "",
        "date": "2026-12-02",
        "states": ["NL"],
        "tier": "public",
        "highlights": [],
    }
    assert schema.errors(good_hit, hit) == []
    assert schema.errors({**good_hit, "date": "2 December"}, hit)
    assert schema.errors({**good_hit, "tier": "secret"}, hit)
    assert schema.errors({**good_hit, "extra": 1}, hit)
    assert schema.errors({**good_hit, "id": True}, hit)
    with pytest.raises(ValueError, match="does not know"):
        schema.errors(1, {"type": "integer", "multipleOf": 2})


def test_the_schema_is_served_to_signed_in_people_only():
    url = reverse("api_v1:schema")
    anonymous = Client().get(url)
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith(settings.LOGIN_URL)
    person = Client()
    person.force_login(make_user("schema.reader@example.org", Role.STATE_EDITOR))
    answer = person.get(url)
    assert answer.status_code == 200
    assert answer.json() == schema.openapi()


# --- A world with something to hide -------------------------------------------------


@dataclass
class World:
    clients: dict[str, Client]
    users: dict[str, User | None]
    verified: dict[str, bool]
    documents: list[Document]
    room_id: int
    other_room_id: int
    message_ids: list[int]
    subject: User
    subject_clients: dict[bool, Client] = field(default_factory=dict)


@pytest.fixture
def world(db) -> World:
    owner = make_expert("NL", clearance="highly_confidential", first_name="Olga")
    peer = make_expert("NL", clearance="restricted", first_name="Piet")
    subject = make_expert("NL", clearance="confidential", first_name="Sam")
    abroad = make_expert("FR", clearance="confidential", first_name="Fleur")
    secretary = make_user("api.secretary@example.org", Role.SECRETARIAT, state=None)
    documents = [
        share(owner, tier="restricted", title="Harbour scanner lessons"),
        share(owner, tier="confidential", title="Zebra crossing inventory"),
        share(abroad, tier="restricted", title="Fjord checkpoint notes"),
        share(
            owner,
            tier="highly_confidential",
            title="Quokka source register",
            users=[owner],
        ),
    ]
    group = PartnerGroup.objects.create(name="Harbour group", slug="harbour-group")
    change_partner_group(group, add_members=[owner, peer, subject], by=None)
    room = group.rooms.get(is_default=True)
    other = PartnerGroup.objects.create(name="Fjord group", slug="fjord-group")
    change_partner_group(other, add_members=[abroad], by=None)
    as_owner = viewer_for_user(owner, verified=True)
    message_ids = [
        coordination.post_message(as_owner, room.pk, "Morning all").pk,
        coordination.post_message(
            as_owner, room.pk, "See the lessons", documents[0].pk
        ).pk,
        coordination.post_message(as_owner, room.pk, "@Piet please read").pk,
    ]
    for person in (peer, subject):
        for document in documents[:2]:
            coordination.notify(
                person,
                Notification.Kind.DOCUMENT_SHARED,
                f"Document shared with you: {document.title}",
                document.get_absolute_url(),
                document=document,
            )
    password_only = Client()
    password_only.force_login(peer)
    subject_password_only = Client()
    subject_password_only.force_login(subject)
    return World(
        clients={
            "anonymous": Client(),
            "password_only": password_only,
            "expert": login_verified(Client(), peer),
            "owner": login_verified(Client(), owner),
            "abroad": login_verified(Client(), abroad),
            "secretariat": login_verified(Client(), secretary),
        },
        users={
            "anonymous": None,
            "password_only": peer,
            "expert": peer,
            "owner": owner,
            "abroad": abroad,
            "secretariat": secretary,
        },
        verified={
            "anonymous": False,
            "password_only": False,
            "expert": True,
            "owner": True,
            "abroad": True,
            "secretariat": True,
        },
        documents=documents,
        room_id=room.pk,
        other_room_id=other.rooms.get(is_default=True).pk,
        message_ids=message_ids,
        subject=subject,
        subject_clients={
            True: login_verified(Client(), subject),
            False: subject_password_only,
        },
    )


@dataclass(frozen=True)
class Call:
    path: str  # the document's template
    method: str = "GET"
    kwargs: tuple[tuple[str, int], ...] = ()
    data: tuple[tuple[str, str], ...] = ()

    def url(self) -> str:
        path = self.path
        for name, value in self.kwargs:
            path = path.replace("{" + name + "}", str(value))
        return schema.PREFIX + path


def _ask(client: Client, call: Call):
    data = dict(call.data)
    if call.method == "POST":
        return client.post(call.url(), data, headers={"Accept": "application/json"})
    return client.get(call.url(), data)


def _check_answer(world: World, call: Call, response, user, verified) -> None:
    """The answer has a documented status and body, and shows nothing hidden."""
    where = f"{call.method} {call.url()} {dict(call.data)}"
    status = response.status_code
    assert status < 500, f"{where}: server error {status}"
    assert status in schema.documented_statuses(call.path, call.method), (
        f"{where}: undocumented status {status}"
    )
    if status == 302:
        assert response["Location"].startswith(
            (settings.LOGIN_URL, "/coordination/rooms/")
        ), where
    body_schema = schema.response_schema(call.path, call.method, status)
    if body_schema is None:
        return
    assert response["Content-Type"].startswith("application/json"), where
    body = response.json()
    problems = schema.errors(body, body_schema)
    assert not problems, f"{where}: " + "; ".join(problems)
    _check_policy(world, call, response, body, user, verified)


def _check_policy(world, call, response, body, user, verified) -> None:
    viewer = viewer_for_user(user, verified=verified)
    visible = set(visible_documents(viewer).values_list("pk", flat=True))
    text = response.content.decode()
    where = f"{call.method} {call.url()}"
    for document in world.documents:
        if document.pk not in visible:
            assert document.title not in text, f"{where} names {document.title}"
    if response.status_code >= 300:
        return
    if call.path == "/exchange/documents/":
        assert {d["id"] for d in body["results"]} <= visible, where
        assert body["count"] == len(visible) or call.data, where
    elif call.path == "/exchange/documents/{id}/":
        assert body["id"] in visible, where
    elif call.path == "/search/":
        found = {h["id"] for h in body["results"] if h["kind"] == "document"}
        assert found <= visible, where
    elif call.path == "/notifications/":
        allowed = set(visible_notifications(viewer).values_list("pk", flat=True))
        assert {n["id"] for n in body["notifications"]} <= allowed, where
    elif call.path == "/rooms/{room_id}/messages" and "messages" in body:
        for message in body["messages"]:
            if "document" in message:
                assert message["document"]["id"] in visible, where


def _calls(world: World) -> list[Call]:
    room = (("room_id", world.room_id),)
    first, last = world.message_ids[0], world.message_ids[-1]
    return [
        Call("/schema.json"),
        Call("/exchange/documents/"),
        Call("/exchange/documents/", data=(("page", "2"), ("tier", "restricted"))),
        *(
            Call("/exchange/documents/{id}/", kwargs=(("id", d.pk),))
            for d in world.documents
        ),
        Call("/exchange/documents/{id}/", kwargs=(("id", 999999),)),
        Call("/search/", data=(("q", "lessons"),)),
        Call("/search/", data=(("q", "lessons"), ("sort", "sideways"), ("page", "x"))),
        Call("/search/suggest", data=(("q", "Harb"),)),
        Call("/rooms/{room_id}/messages", kwargs=room),
        Call("/rooms/{room_id}/messages", kwargs=room, data=(("before", str(last)),)),
        Call("/rooms/{room_id}/messages", kwargs=room, data=(("after", str(first)),)),
        Call("/rooms/{room_id}/messages", kwargs=room, data=(("limit", "many"),)),
        Call(
            "/rooms/{room_id}/messages",
            kwargs=(("room_id", world.other_room_id),),
        ),
        Call("/rooms/{room_id}/messages", "POST", room, (("body", "Noted"),)),
        Call("/rooms/{room_id}/messages", "POST", room, (("body", ""),)),
        Call(
            "/rooms/{room_id}/messages",
            "POST",
            room,
            (("body", "This one"), ("document", str(world.documents[1].pk))),
        ),
        Call("/rooms/{room_id}/read", "POST", room, (("id", str(last)),)),
        Call("/rooms/{room_id}/read", "POST", room, (("id", "last"),)),
        Call("/rooms/{room_id}/presence", kwargs=room),
        Call("/notifications/"),
    ]


def test_every_answer_is_documented_and_conforms_for_every_kind_of_person(world):
    statuses: dict[str, set[int]] = {}
    for kind, client in world.clients.items():
        for call in _calls(world):
            response = _ask(client, call)
            _check_answer(
                world, call, response, world.users[kind], world.verified[kind]
            )
            statuses.setdefault(kind, set()).add(response.status_code)
            if kind == "expert" and call.path == "/exchange/documents/{id}/":
                wanted = 200 if call.kwargs[0][1] == world.documents[0].pk else 404
                assert response.status_code == wanted, call
    # The checks ran on real bodies: every person got some JSON, and the refusals
    # were the policy's 404 and the sign-in redirect.
    assert {200, 201, 400, 404} <= statuses["expert"]
    assert 404 in statuses["abroad"] and 200 in statuses["abroad"]
    assert 302 in statuses["anonymous"] and 404 in statuses["anonymous"]
    assert 404 in statuses["password_only"]
    expert = world.clients["expert"]
    listing = expert.get(reverse("api_v1:documents")).json()
    assert {d["title"] for d in listing["results"]} == {"Harbour scanner lessons"}
    feed = expert.get(reverse("api_v1:notifications")).json()
    assert [n["title"] for n in feed["notifications"]] == [
        "Document shared with you: Harbour scanner lessons"
    ]


# --- Generated parameters, bodies and viewers ---------------------------------------


class Rollback(Exception):
    """Raised to undo one generated example."""


def _parameter_names(path: str, method: str) -> list[str]:
    operation = schema.operation(path, method)
    names = [p["name"] for p in operation.get("parameters", []) if p["in"] == "query"]
    body = operation.get("requestBody", {}).get("content", {})
    for media in body.values():
        names += list(media["schema"].get("properties", {}))
    return names


ENDPOINTS = [
    ("/exchange/documents/", "GET"),
    ("/exchange/documents/{id}/", "GET"),
    ("/search/", "GET"),
    ("/search/suggest", "GET"),
    ("/rooms/{room_id}/messages", "GET"),
    ("/rooms/{room_id}/messages", "POST"),
    ("/rooms/{room_id}/read", "POST"),
    ("/rooms/{room_id}/presence", "GET"),
    ("/notifications/", "GET"),
]
TIERS = ["public", "restricted", "confidential", "highly_confidential"]
VALUES = st.one_of(
    st.text(max_size=40),
    st.integers(-3, 2**63).map(str),
    st.sampled_from(["", "0", "1", "2", "restricted", "date", "2026-12-02", "NL"]),
    st.text(alphabet="0123456789-", min_size=1, max_size=12),
)


@st.composite
def calls(draw, world: World) -> Call:
    path, method = draw(st.sampled_from(ENDPOINTS))
    names = [*_parameter_names(path, method), "unknown"]
    data = draw(st.dictionaries(st.sampled_from(names), VALUES, max_size=4))
    kwargs: tuple[tuple[str, int], ...] = ()
    if "{id}" in path:
        ids = [d.pk for d in world.documents] + [0, 999999]
        kwargs = (("id", draw(st.sampled_from(ids))),)
    elif "{room_id}" in path:
        rooms = [world.room_id, world.other_room_id, 999999]
        kwargs = (("room_id", draw(st.sampled_from(rooms))),)
    return Call(path, method, kwargs, tuple(sorted(data.items())))


viewer_facts = st.fixed_dictionaries(
    {
        "clearance": st.sampled_from(TIERS),
        "vetted": st.booleans(),
        "state": st.sampled_from(["NL", "FR", None]),
        "verified": st.booleans(),
    }
)


def test_generated_requests_from_generated_viewers_stay_within_the_contract(world):
    @hsettings(
        max_examples=FUZZ_EXAMPLES,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(facts=viewer_facts, call=calls(world))
    def check(facts, call):
        try:
            with transaction.atomic():
                subject = world.subject
                subject.clearance = facts["clearance"]
                subject.vetted_until = timezone.localdate() + datetime.timedelta(
                    days=30 if facts["vetted"] else -1
                )
                subject.state = (
                    State.objects.get(iso_code=facts["state"])
                    if facts["state"]
                    else None
                )
                with authorised():  # a fixture reusing its row between examples
                    subject.save(update_fields=["clearance", "vetted_until", "state"])
                client = world.subject_clients[facts["verified"]]
                response = _ask(client, call)
                _check_answer(world, call, response, subject, facts["verified"])
                raise Rollback
        except Rollback:
            pass

    check()


# --- Schemathesis, from the published document --------------------------------------

# Schemathesis reads the same document and generates its own requests for every
# operation, for the three kinds of session the API meets; its checks (no server
# error, a documented status, content type and headers, a body that conforms) run on
# every answer, and the policy's checks below beside them.
OPENAPI = schemathesis.openapi.from_path(
    schema.SCHEMA_PATH,
    config=schemathesis.config.SchemathesisConfig.from_str(
        """
# Without a session every request is sent to sign in first, valid or not.
[checks.negative_data_rejection]
expected-statuses = [302, 400, 401, 403, 404, 405, 406, 409, 415, 422, 428, 429]

# A well-formed message or marker may still be refused (400): a text that is empty
# once sanitised, a document the room may not reference.
[[operations]]
include-operation-id = ["postMessage", "markRead"]
checks.positive_data_acceptance.expected-statuses = ["2xx", "3xx", 400, 404]
"""
    ),
)
SCHEMATHESIS_EXAMPLES = 25
CSRF_SECRET = "schemathesis0csrf0secret0000000x"  # 32 characters, as Django's
PORTAL_WSGI = WSGIHandler()


@pytest.fixture(params=["anonymous", "password_only", "expert"])
def session_kind(request) -> str:
    return request.param


@contextlib.contextmanager
def _one_connection():
    """Keep the test's connection across the in-process requests, as Django's test
    client does: the end of a request would otherwise close it, and the test's
    transaction with it."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _aim(case, world: World) -> None:
    """Point two generated integer path parameters in three at a real object, so
    the answers include the world's documents and rooms, not only missing ones."""
    real = {
        "id": [d.pk for d in world.documents],
        "room_id": [world.room_id, world.other_room_id],
    }
    for name, value in (case.path_parameters or {}).items():
        if name in real and isinstance(value, int) and value % 3:
            case.path_parameters[name] = real[name][value % len(real[name])]


def _policy_checks(world: World, kind: str):
    user, verified = world.users[kind], world.verified[kind]
    viewer = viewer_for_user(user, verified=verified)
    visible = set(visible_documents(viewer).values_list("pk", flat=True))
    hidden_titles = [d.title for d in world.documents if d.pk not in visible]
    refusal = not_found_json().content

    def hides_what_the_policy_hides(ctx, response, case):
        text = response.content.decode(errors="replace")
        for title in hidden_titles:
            if title in text:
                raise AssertionError(f"the answer names a hidden document: {title}")

    def refuses_as_missing(ctx, response, case):
        """Every 404, hidden object or missing one, is the API's one refusal."""
        if response.status_code == 404:
            assert response.content == refusal, (
                f"{case.method} {case.formatted_path}: a 404 unlike the API's"
            )

    return [hides_what_the_policy_hides, refuses_as_missing]


@OPENAPI.parametrize()
@hsettings(
    max_examples=SCHEMATHESIS_EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_schemathesis_finds_nothing_outside_the_contract(case, world, session_kind):
    client = world.clients[session_kind]
    cookies = {name: morsel.value for name, morsel in client.cookies.items()}
    cookies[settings.CSRF_COOKIE_NAME] = CSRF_SECRET
    _aim(case, world)
    with _one_connection():
        case.call_and_validate(
            app=PORTAL_WSGI,
            cookies=cookies,
            headers={"Accept": "application/json", "X-CSRFToken": CSRF_SECRET},
            additional_checks=_policy_checks(world, session_kind),
        )
