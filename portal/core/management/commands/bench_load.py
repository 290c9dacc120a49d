"""Benchmark the production-like set under load: one process, then two, through nginx.

Not a test. It prepares the configured PostgreSQL database (created when missing;
use a scratch one: `./task load` uses `portal_load`) with the demo content and
enough signed-in people, starts `deploy/services.sh start stack` on free loopback
ports with each number of processes in turn, runs the same locust mix
(`deploy/locustfile.py`, headless, bounded in time) against it over TLS, stops the
set, and prints per configuration and kind of request the figures and their
thresholds. The exit status is 1 when a threshold fails.

Run it under the settings the stack runs (`portal.settings.production`, with the
stack's secrets): the sessions it makes must be the servers' sessions.

    ./task load --users 200 --duration 60
"""

from __future__ import annotations

import datetime
import json
import math
import os
import subprocess
import sys
import threading
from pathlib import Path

from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse
from django.utils import timezone

from portal.accounts import actions
from portal.accounts.models import User
from portal.accounts.roles import Role
from portal.core.servers import free_port, verified_session_key
from portal.states.models import State
from portal.tiers import Tier
from practices.models import StatePage

DOMAIN = "load.nsi-portal.test"
# The kinds of request, each the first word of a request's name in deploy/locustfile.py.
KINDS = ("visitor", "search", "expert", "editor")
P99_LIMIT_MS = 1000.0
SEARCH_TERMS = [
    "insider threat",
    "transport security",
    "border monitoring",
    "computer security",
    "training",
    "sealed source",
    "peer review",
    "security culture",
    "regulator",
    "exercise",
]


def _free_ports(count: int) -> int:
    """The first of `count` consecutive free loopback ports (the stack's processes)."""
    import socket

    while True:
        first = free_port()
        try:
            for offset in range(1, count):
                with socket.socket() as probe:
                    probe.bind(("127.0.0.1", first + offset))
        except OSError:
            continue
        return first


class Command(BaseCommand):
    help = "Load the production-like set with locust, on 1 and on 2 processes."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--users", type=int, default=200)
        parser.add_argument("--spawn-rate", type=float, default=20.0)
        parser.add_argument(
            "--duration", type=int, default=60, help="seconds per configuration"
        )
        parser.add_argument(
            "--processes",
            default="1,2",
            help="application processes of each configuration, comma-separated",
        )

    def handle(
        self,
        *args,
        users: int,
        spawn_rate: float,
        duration: int,
        processes: str,
        **options,
    ) -> None:
        configurations = [int(n) for n in processes.split(",")]
        self.directory = Path(settings.BASE_DIR) / "var" / "load"
        self.directory.mkdir(parents=True, exist_ok=True)
        self.prepare_database()
        plan, sessions = self.plan(users)
        plan_path = self.directory / "plan.json"
        plan_path.unlink(missing_ok=True)
        plan_path.touch(mode=0o600)  # it holds session keys: the owner's only
        plan_path.write_text(json.dumps(plan))
        results = {}
        try:
            for count in configurations:
                results[count] = self.run_configuration(
                    count, users, spawn_rate, duration, plan_path
                )
        finally:
            Session.objects.filter(session_key__in=sessions).delete()
            plan_path.unlink()
        self.report(results, users, duration)

    # --- data -------------------------------------------------------------------------

    def prepare_database(self) -> None:
        database = settings.DATABASES["default"]
        if database["ENGINE"] != "django.db.backends.postgresql":
            raise CommandError("The load benchmark needs PostgreSQL: set DATABASE_URL.")
        import psycopg
        from psycopg import sql

        with psycopg.connect(
            host=database["HOST"],
            port=database["PORT"] or None,
            user=database["USER"],
            password=database["PASSWORD"] or None,
            dbname="postgres",
            autocommit=True,
        ) as connection:
            name = database["NAME"]
            exists = connection.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", [name]
            ).fetchone()
            if not exists:
                self.stdout.write(f"creating the database {name}")
                connection.execute(
                    sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
                )
        self.stdout.write(f"migrating and loading the demo content into {name}")
        with (self.directory / "prepare.log").open("w") as log:
            call_command("migrate", interactive=False, verbosity=0, stdout=log)
            call_command("load_demo", stdout=log, stderr=log)

    def plan(self, users: int) -> tuple[dict, list[str]]:
        """Experts and editors with verified sessions, and what they open."""
        from exchange.policy import viewer_for_user, visible_documents, visible_rooms
        from practices.models import (
            EventIndexPage,
            GoodPracticeIndexPage,
            GoodPracticePage,
        )

        # Enough accounts that no two people of the run share one (locust's users
        # take them in turn): experts for the experts and searches, an editor each.
        experts = self.ensure_experts(math.ceil(users * 0.3) + 2)
        state_pages = list(StatePage.objects.select_related("state").order_by("pk"))
        editors = self.ensure_editors(
            state_pages[: min(len(state_pages), math.ceil(users * 0.1) + 2)]
        )
        viewer = viewer_for_user(experts[0], verified=True)
        documents = list(visible_documents(viewer).values_list("pk", flat=True)[:20])
        rooms = list(visible_rooms(viewer).values_list("pk", flat=True)[:10])
        if not documents or not rooms:
            raise CommandError(
                "The demo content gives the load's experts no document or room."
            )
        practices = [
            page.get_url_parts()[2]
            for page in GoodPracticePage.objects.live().public().order_by("pk")[:30]
        ]
        expert_sessions = [verified_session_key(user) for user in experts]
        editor_plan = [
            {"session": verified_session_key(user), "page": page.pk}
            for user, page in editors
        ]
        self.stdout.write(
            f"{len(experts)} experts and {len(editors)} editors with verified "
            f"sessions; {len(documents)} documents, {len(rooms)} rooms, "
            f"{len(practices)} good practices"
        )
        plan = {
            "cookie": settings.SESSION_COOKIE_NAME,
            # Only a signed-in page carries the sign-out form.
            "signed_in": f'action="{reverse("accounts:logout")}"',
            "experts": expert_sessions,
            "editors": editor_plan,
            "documents": documents,
            "rooms": rooms,
            "practices": practices,
            "good_practices": GoodPracticeIndexPage.objects.get().get_url_parts()[2],
            "events": EventIndexPage.objects.get().get_url_parts()[2],
            "terms": SEARCH_TERMS,
        }
        return plan, [*expert_sessions, *(e["session"] for e in editor_plan)]

    def ensure_experts(self, count: int) -> list[User]:
        """Vetted experts of the Netherlands, as cleared as the demo's expert there."""
        state = State.objects.get(iso_code="NL")
        vetted_until = timezone.localdate() + datetime.timedelta(days=365)
        experts = []
        for n in range(count):
            user, created = User.objects.get_or_create(
                email=f"expert{n}@{DOMAIN}",
                defaults={
                    "state": state,
                    "first_name": "Load",
                    "last_name": f"Expert {n}",
                    "clearance": Tier.CONFIDENTIAL,
                    "vetted_until": vetted_until,
                },
            )
            if created:
                actions.assign_role(user, Role.VETTED_EXPERT, by=None)
            elif user.vetted_until is None or user.vetted_until < vetted_until:
                User.objects.filter(pk=user.pk).update(vetted_until=vetted_until)
            experts.append(user)
        return experts

    def ensure_editors(
        self, state_pages: list[StatePage]
    ) -> list[tuple[User, StatePage]]:
        """One State editor per State page: no two editors save the same page."""
        editors = []
        for page in state_pages:
            user, created = User.objects.get_or_create(
                email=f"editor.{page.state.iso_code.lower()}@{DOMAIN}",
                defaults={
                    "state": page.state,
                    "first_name": "Load",
                    "last_name": f"Editor {page.state.iso_code}",
                },
            )
            if created:
                actions.assign_role(user, Role.STATE_EDITOR, by=None)
            editors.append((user, page))
        return editors

    # --- one configuration ------------------------------------------------------------

    def run_configuration(
        self, processes: int, users: int, spawn_rate: float, duration: int, plan: Path
    ) -> dict:
        proxy_port, app_port = free_port(), _free_ports(processes)
        stack_dir = self.directory / "stack"
        env = {
            **os.environ,
            "PORTAL_STACK_DIR": str(stack_dir),
            "PORTAL_STACK_PORT": str(proxy_port),
            "PORTAL_STACK_APP_PORT": str(app_port),
            "PORTAL_STACK_PROCESSES": str(processes),
            "PORTAL_STACK_GRACE": "10",
        }
        label = f"{processes} process{'es' if processes > 1 else ''}"
        self.stdout.write(
            f"\n== {label}: starting the set (nginx on https://localhost:{proxy_port})"
        )
        services = Path(settings.BASE_DIR) / "deploy" / "services.sh"
        log = stack_dir.parent / f"stack-{processes}.log"
        try:
            self._run([str(services), "start", "stack"], env, log)
            self.warm_up(proxy_port, plan, processes)
            return self.run_locust(
                processes, users, spawn_rate, duration, plan, proxy_port
            )
        finally:
            self._run([str(services), "stop", "stack"], env, log)
            self.stdout.write(f"== {label}: stopped the set")

    def warm_up(self, port: int, plan_path: Path, processes: int) -> None:
        """Each page of the mix twice on every process first (nginx takes turns),
        so that the figures are of a running set, not of its first requests."""
        import httpx

        plan = json.loads(plan_path.read_text())
        public = ["/", plan["good_practices"], plan["events"], "/progress/"]
        public += [*plan["practices"][:3], f"/search/?q={plan['terms'][0]}"]
        signed_in = ["/exchange/", "/notifications/", f"/search/?q={plan['terms'][1]}"]
        signed_in += [f"/exchange/{pk}/" for pk in plan["documents"][:3]]
        signed_in += [f"/coordination/rooms/{pk}/" for pk in plan["rooms"][:3]]
        editor = plan["editors"][0]
        pages = [
            (public, None),
            (signed_in, plan["experts"][0]),
            ([f"/admin/pages/{editor['page']}/edit/"], editor["session"]),
        ]
        statuses = set()
        for paths, session in pages:
            with httpx.Client(
                base_url=f"https://localhost:{port}",
                verify=False,  # noqa: S501 - the self-signed loopback certificate
                cookies={plan["cookie"]: session} if session else None,
                timeout=60,
            ) as client:
                for path in paths:
                    for _ in range(2 * processes):
                        statuses.add(client.get(path).status_code)
        total = sum(len(paths) for paths, _ in pages)
        self.stdout.write(
            f"   warmed up: {total} pages x {2 * processes}, answers {sorted(statuses)}"
        )

    def _run(self, command: list[str], env: dict, log: Path) -> None:
        with log.open("a") as output:
            done = subprocess.run(  # noqa: S603 - our own script
                command,
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
                timeout=600,
                check=False,
            )
        if done.returncode:
            tail = log.read_text()[-2000:]
            raise CommandError(f"{' '.join(command[-2:])} failed:\n{tail}")

    def run_locust(
        self,
        processes: int,
        users: int,
        spawn_rate: float,
        duration: int,
        plan: Path,
        port: int,
    ) -> dict:
        result = self.directory / f"result-{processes}.json"
        result.unlink(missing_ok=True)
        self.stdout.write(
            f"   locust: {users} users, {spawn_rate:g}/s spawn, {duration}s"
        )
        command = [
            str(Path(sys.executable).with_name("locust")),
            "--locustfile",
            str(Path(settings.BASE_DIR) / "deploy" / "locustfile.py"),
            "--headless",
            "--host",
            f"https://localhost:{port}",
            "--users",
            str(users),
            "--spawn-rate",
            str(spawn_rate),
            "--run-time",
            f"{duration}s",
            "--only-summary",
            "--loglevel",
            "WARNING",
        ]
        env = {
            **os.environ,
            "PORTAL_LOAD_PLAN": str(plan),
            "PORTAL_LOAD_RESULT": str(result),
            "PYTHONPATH": str(settings.BASE_DIR),  # portal.core.html_forms
        }
        with (
            (self.directory / f"locust-{processes}.log").open("w") as log,
            subprocess.Popen(  # noqa: S603 - the venv's locust
                command,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                cwd=settings.BASE_DIR,
            ) as locust,
        ):
            # Bounded even if locust does not stop by itself at the end of its time.
            watchdog = threading.Timer(duration + 120, locust.kill)
            watchdog.start()
            try:
                # Its progress lines here; its own tables to the log.
                for line in locust.stdout or ():
                    if line.startswith("[load]"):
                        self.stdout.write(f"   {line[7:].rstrip()}")
                    else:
                        log.write(line)
            finally:
                watchdog.cancel()
        if not result.exists():
            raise CommandError(f"locust wrote no result; see {log.name}")
        return json.loads(result.read_text())

    # --- report -----------------------------------------------------------------------

    def report(self, results: dict[int, dict], users: int, duration: int) -> None:
        def label(processes: int) -> str:
            return f"{processes} proc"

        self.stdout.write(
            f"\n{users} users, {duration}s per configuration, think time 1-3 s"
        )
        header = ("config", "kind", "requests", "req/s", "errors", "5xx")
        self.stdout.write(
            f"{header[0]:<8} {header[1]:<8} {header[2]:>8} {header[3]:>7} "
            f"{header[4]:>7} {header[5]:>5} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}"
        )
        checks: list[tuple[str, bool, str]] = []
        for processes, result in results.items():
            for kind in (*KINDS, "all"):
                figures = result["kinds"].get(kind)
                if not figures or not figures["requests"]:
                    checks.append(
                        (f"{label(processes)} {kind}: requests > 0", False, "0")
                    )
                    continue
                rate = figures["requests"] / result["seconds"]
                errors = figures["failures"] / figures["requests"]
                self.stdout.write(
                    f"{label(processes):<8} {kind:<8} {figures['requests']:>8} "
                    f"{rate:>7.1f} {errors:>7.2%} {figures['server_errors']:>5} "
                    f"{figures['p50']:>8.0f} {figures['p95']:>8.0f} "
                    f"{figures['p99']:>8.0f}"
                )
                checks.append(
                    (
                        f"{label(processes)} {kind}: no 5xx",
                        figures["server_errors"] == 0,
                        str(figures["server_errors"]),
                    )
                )
                checks.append(
                    (
                        f"{label(processes)} {kind}: p99 <= {P99_LIMIT_MS:.0f} ms",
                        figures["p99"] <= P99_LIMIT_MS,
                        f"{figures['p99']:.0f} ms",
                    )
                )
        for processes, result in results.items():
            reasons = result["kinds"].get("all", {}).get("reasons", [])
            for reason, count in reasons:
                self.stdout.write(f"  {label(processes)} error x{count}: {reason}")
        self.stdout.write("\nthresholds")
        for name, passed, figure in checks:
            self.stdout.write(f"  {'PASS' if passed else 'FAIL'}  {name:<36} {figure}")
        if 1 in results and 2 in results:
            ratios = []
            for kind in (*KINDS, "all"):
                one, two = (results[n]["kinds"].get(kind) for n in (1, 2))
                if one and two and one["requests"]:
                    rate_one = one["requests"] / results[1]["seconds"]
                    rate_two = two["requests"] / results[2]["seconds"]
                    ratios.append(f"{kind} x{rate_two / rate_one:.2f}")
            self.stdout.write(
                "\nthroughput 2 processes / 1 process: " + ", ".join(ratios)
            )
        failed = [name for name, passed, _ in checks if not passed]
        if failed:
            raise CommandError(f"{len(failed)} of {len(checks)} thresholds failed.")
        self.stdout.write(f"all {len(checks)} thresholds passed")
