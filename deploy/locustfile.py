"""The load benchmark's people (manage.py bench_load): visitors, searches, experts
and editors of the portal, driven by locust against the production-like set.

Not imported by the portal: locust runs it in a process of its own, without Django.
`PORTAL_LOAD_PLAN` names the JSON file the command wrote (sessions, pages, ids);
`PORTAL_LOAD_RESULT` the file this writes when the run stops: per kind of request,
the count, the failures, the 5xx answers and the percentiles of the response times.
"""

from __future__ import annotations

import collections
import itertools
import json
import os
import random
import time
from pathlib import Path

import gevent
import urllib3
from locust import HttpUser, between, events, task
from locust.env import Environment

from portal.core.html_forms import form_fields

# The loopback certificate is self-signed; verification is off (below) on purpose.
urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)

PLAN = json.loads(Path(os.environ["PORTAL_LOAD_PLAN"]).read_text())
PROGRESS_SECONDS = 5
PICK = random.Random()  # noqa: S311 - which page to open next, no secret


# --- what every request did, by kind (the first word of its name) -------------------


class Tally:
    def __init__(self) -> None:
        self.times: list[float] = []
        self.failures = 0
        self.server_errors = 0
        self.reasons: collections.Counter[str] = collections.Counter()


TALLIES: dict[str, Tally] = {}
CLOCK = {"started": 0.0, "stopped": 0.0}


@events.request.add_listener
def record(name, response_time, response=None, exception=None, **_kwargs) -> None:
    tally = TALLIES.setdefault(name.split(":", 1)[0], Tally())
    tally.times.append(response_time)
    if exception is not None:
        tally.failures += 1
        tally.reasons[f"{name}: {str(exception)[:120]}"] += 1
    if (getattr(response, "status_code", 0) or 0) >= 500:
        tally.server_errors += 1


def percentile(ordered: list[float], pct: float) -> float:
    """Nearest rank: the smallest time that `pct` per cent of the requests took."""
    index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered)) - 1))
    return ordered[index]


def _progress(environment: Environment) -> None:
    last_count = 0
    while True:
        gevent.sleep(PROGRESS_SECONDS)
        count = sum(len(t.times) for t in TALLIES.values())
        failures = sum(t.failures for t in TALLIES.values())
        server_errors = sum(t.server_errors for t in TALLIES.values())
        runner = environment.runner
        print(
            f"[load] {time.monotonic() - CLOCK['started']:5.0f}s "
            f"users {runner.user_count if runner else 0:>4}  requests {count:>6} "
            f"({(count - last_count) / PROGRESS_SECONDS:6.1f}/s)  "
            f"failures {failures}  5xx {server_errors}",
            flush=True,
        )
        last_count = count


@events.test_start.add_listener
def started(environment: Environment, **_kwargs) -> None:
    CLOCK["started"] = time.monotonic()
    gevent.spawn(_progress, environment)


@events.test_stop.add_listener
def stopped(environment: Environment, **_kwargs) -> None:
    CLOCK["stopped"] = time.monotonic()
    seconds = CLOCK["stopped"] - CLOCK["started"]
    every = Tally()
    for tally in TALLIES.values():
        every.times += tally.times
        every.failures += tally.failures
        every.server_errors += tally.server_errors
        every.reasons += tally.reasons
    kinds = {}
    for kind, tally in [*sorted(TALLIES.items()), ("all", every)]:
        ordered = sorted(tally.times)
        kinds[kind] = {
            "requests": len(ordered),
            "failures": tally.failures,
            "server_errors": tally.server_errors,
            "reasons": tally.reasons.most_common(3),
            **{
                f"p{p}": percentile(ordered, p) if ordered else None
                for p in (50, 95, 99)
            },
        }
    Path(os.environ["PORTAL_LOAD_RESULT"]).write_text(
        json.dumps({"seconds": seconds, "kinds": kinds}, indent=1)
    )


# --- the people ----------------------------------------------------------------------

EXPERTS = itertools.count()
EDITORS = itertools.count()
SEARCHES = itertools.count()


class PortalUser(HttpUser):
    abstract = True
    wait_time = between(1, 3)

    def on_start(self) -> None:
        self.client.verify = False  # the self-signed loopback certificate

    def sign_in(self, session_key: str) -> None:
        self.client.cookies.set(PLAN["cookie"], session_key)

    def get(self, name: str, path: str, *, expect: str = "", **params) -> str:
        """GET without following redirects: a redirect to the sign-in is a failure,
        and so is a page without the text `expect`."""
        with self.client.get(
            path,
            params=params or None,
            name=name,
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code} for {path}")
            elif expect not in response.text:
                response.failure(f"{path} lacks {expect!r}")
            return response.text


class Visitor(PortalUser):
    """Someone reading the public site, not signed in."""

    weight = 50

    @task
    def home(self) -> None:
        self.get("visitor: home", "/")

    @task
    def good_practices(self) -> None:
        self.get("visitor: good practices", PLAN["good_practices"])

    @task
    def good_practice(self) -> None:
        self.get("visitor: a good practice", PICK.choice(PLAN["practices"]))

    @task
    def progress(self) -> None:
        self.get("visitor: progress", "/progress/")

    @task
    def events(self) -> None:
        self.get("visitor: events", PLAN["events"])


class Searcher(PortalUser):
    """Half search the public site, half as a verified expert (trimmed by policy)."""

    weight = 20

    def on_start(self) -> None:
        super().on_start()
        self.audience = "public"
        if next(SEARCHES) % 2:
            self.audience = "expert"
            self.sign_in(PLAN["experts"][next(EXPERTS) % len(PLAN["experts"])])

    @task
    def search(self) -> None:
        # A public search page answers everyone: the expert's must show them signed in.
        self.get(
            f"search: {self.audience}",
            "/search/",
            expect=PLAN["signed_in"] if self.audience == "expert" else "",
            q=PICK.choice(PLAN["terms"]),
        )


class Expert(PortalUser):
    """A vetted expert, verified with a second factor, in the restricted exchange."""

    weight = 20

    def on_start(self) -> None:
        super().on_start()
        self.sign_in(PLAN["experts"][next(EXPERTS) % len(PLAN["experts"])])

    @task
    def exchange(self) -> None:
        self.get("expert: exchange list", "/exchange/")

    @task
    def document(self) -> None:
        self.get("expert: document", f"/exchange/{PICK.choice(PLAN['documents'])}/")

    @task
    def room(self) -> None:
        room = PICK.choice(PLAN["rooms"])
        self.get("expert: room", f"/coordination/rooms/{room}/")
        self.get("expert: room history", f"/coordination/rooms/{room}/messages")

    @task
    def notifications(self) -> None:
        self.get("expert: notifications", "/notifications/")


class Editor(PortalUser):
    """A State editor saving a draft of their State's page in the Wagtail admin."""

    weight = 10

    def on_start(self) -> None:
        super().on_start()
        editor = PLAN["editors"][next(EDITORS) % len(PLAN["editors"])]
        self.sign_in(editor["session"])
        self.edit_path = f"/admin/pages/{editor['page']}/edit/"

    @task
    def save_draft(self) -> None:
        page = self.get("editor: edit form", self.edit_path)
        fields = [
            (name, value)
            for name, value in form_fields(page, "page-edit-form")
            if name != "competent_authority"
        ]
        fields.append(("competent_authority", f"Authority {PICK.randrange(10**6)}"))
        # Django checks the Referer of a POST over HTTPS (and the CSRF cookie, which
        # the form's page set).
        with self.client.post(
            self.edit_path,
            data=fields,
            headers={"Referer": f"{self.host}{self.edit_path}"},
            name="editor: save draft",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            # Saved: Wagtail redirects to the edit page; a form with errors is a 200.
            if response.status_code != 302:
                response.failure(f"{response.status_code}: the draft was not saved")
