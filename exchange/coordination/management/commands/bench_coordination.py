"""Benchmark live delivery: N WebSocket clients in one room on a real server.

Starts uvicorn on a free loopback port (same settings, database and Redis as this
command), connects N verified clients to one room, has one more client post
messages, and measures when each message reaches each client. In the same run it
measures a plain Redis publish/subscribe round trip to N subscribers, so the two
figures can be compared on this machine. Bench data is removed afterwards.

    REDIS_URL=redis://127.0.0.1:6379/0 python manage.py bench_coordination
"""

from __future__ import annotations

import asyncio
import datetime
import json
import statistics
import time
import uuid
from importlib import import_module

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.core.management.base import BaseCommand, CommandError

from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_static.models import StaticDevice

from exchange.actions import change_partner_group
from exchange.coordination import conf
from exchange.coordination.actions import ensure_group_room
from exchange.models import PartnerGroup
from portal.accounts.models import User
from portal.core.servers import serve_portal

BENCH_SLUG = "bench-coordination"


def _percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered)) - 1))
    return ordered[index]


class Command(BaseCommand):
    help = "Measure message delivery latency to N WebSocket clients of one room."

    def add_arguments(self, parser):
        parser.add_argument("--clients", type=int, default=200)
        parser.add_argument("--messages", type=int, default=20)
        parser.add_argument("--timeout", type=float, default=15.0)
        parser.add_argument(
            "--port", type=int, default=None, help="loopback port (default: free)"
        )

    def handle(
        self,
        *args,
        clients: int,
        messages: int,
        timeout: float,
        port: int | None,
        **options,
    ):
        if not getattr(settings, "REDIS_URL", None):
            raise CommandError("The benchmark needs Redis: set REDIS_URL.")
        self.timeout = timeout
        self.stdout.write(f"Preparing {clients} clients and one room...")
        room, cookies, sender_cookie = self.prepare(clients)
        try:
            with serve_portal(
                port=port, extra_args=["--ws-max-queue", "1024"]
            ) as served:
                ws = asyncio.run(
                    self.bench_websocket(
                        served.port, room.pk, cookies, sender_cookie, messages
                    )
                )
            plain = asyncio.run(self.bench_redis(clients, messages))
        finally:
            self.clean_up()
        self.report(clients, messages, ws, plain)

    # --- set-up

    def prepare(self, clients: int):
        self.clean_up()
        group = PartnerGroup.objects.create(name="Benchmark group", slug=BENCH_SLUG)
        room = ensure_group_room(group)
        users = User.objects.bulk_create(
            [
                User(
                    email=f"bench{n}@{BENCH_SLUG}.test",
                    first_name="Bench",
                    last_name=str(n),
                    clearance="restricted",
                    vetted_until=datetime.date(2099, 1, 1),
                )
                for n in range(clients + 1)
            ]
        )
        change_partner_group(group, add_members=users, by=None)
        devices = StaticDevice.objects.bulk_create(
            [StaticDevice(user=user, name="bench") for user in users]
        )
        engine = import_module(settings.SESSION_ENGINE)
        cookies = []
        for user, device in zip(users, devices, strict=True):
            session = engine.SessionStore()
            session[SESSION_KEY] = str(user.pk)
            session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
            session[HASH_SESSION_KEY] = user.get_session_auth_hash()
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id
            session.save()
            cookies.append(f"{settings.SESSION_COOKIE_NAME}={session.session_key}")
        return room, cookies[1:], cookies[0]

    def clean_up(self) -> None:
        PartnerGroup.objects.filter(slug=BENCH_SLUG).delete()  # rooms, messages
        User.objects.filter(email__endswith=f"@{BENCH_SLUG}.test").delete()

    # --- WebSocket round

    async def bench_websocket(self, port, room_id, cookies, sender_cookie, messages):
        import websockets

        url = f"ws://127.0.0.1:{port}/ws/coordination/rooms/{room_id}/"
        origin = f"http://127.0.0.1:{port}"
        received: dict[str, dict[int, float]] = {}
        expected = len(cookies)

        async def listen(n, connection, ready):
            ready.set()
            async for raw in connection:
                frame = json.loads(raw)
                if frame.get("type") == "message":
                    token = frame["message"]["body"]
                    received.setdefault(token, {})[n] = time.perf_counter()

        async def drain(connection):
            async for _raw in connection:
                pass

        connections = []
        tasks = []
        for n, cookie in enumerate(cookies):
            connection = await websockets.connect(
                url,
                origin=origin,
                additional_headers={"Cookie": cookie},
                max_queue=None,
                open_timeout=30,
            )
            connections.append(connection)
            ready = asyncio.Event()
            tasks.append(asyncio.ensure_future(listen(n, connection, ready)))
            await ready.wait()
        sender = await websockets.connect(
            url,
            origin=origin,
            additional_headers={"Cookie": sender_cookie},
            max_queue=None,
            open_timeout=30,
        )
        # Read the sender's socket too: an unread socket never answers the
        # server's pings, and the server closes it (1011) within a minute.
        tasks.append(asyncio.ensure_future(drain(sender)))
        await asyncio.sleep(2)  # let the presence updates of the joins settle
        latencies, lost = [], 0
        # Stay within the per-user rate limit: the sender is one user.
        window = conf.get("COORDINATION_RATE_LIMIT_SECONDS")
        limit = conf.get("COORDINATION_RATE_LIMIT_COUNT")
        pause = window / max(1, limit - 1)
        for i in range(messages):
            token = f"bench-{i}-{uuid.uuid4().hex[:8]}"
            sent_at = time.perf_counter()
            await sender.send(json.dumps({"type": "message.send", "body": token}))
            deadline = time.monotonic() + self.timeout
            while (
                len(received.get(token, {})) < expected and time.monotonic() < deadline
            ):
                await asyncio.sleep(0.002)
            arrivals = received.get(token, {})
            lost += expected - len(arrivals)
            latencies += [(t - sent_at) * 1000 for t in arrivals.values()]
            await asyncio.sleep(pause)
        for connection in [*connections, sender]:
            await connection.close()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        return latencies, lost

    # --- plain Redis publish/subscribe round

    async def bench_redis(self, subscribers: int, messages: int):
        import redis.asyncio as redis

        channel = f"{BENCH_SLUG}:{uuid.uuid4().hex}"
        received: dict[str, dict[int, float]] = {}
        clients, pubsubs, tasks = [], [], []

        async def listen(n, pubsub):
            async for item in pubsub.listen():
                if item["type"] == "message":
                    token = item["data"].decode()
                    received.setdefault(token, {})[n] = time.perf_counter()

        for n in range(subscribers):
            client = redis.from_url(settings.REDIS_URL)
            pubsub = client.pubsub()
            await pubsub.subscribe(channel)
            clients.append(client)
            pubsubs.append(pubsub)
            tasks.append(asyncio.ensure_future(listen(n, pubsub)))
        publisher = redis.from_url(settings.REDIS_URL)
        await asyncio.sleep(0.5)
        latencies, lost = [], 0
        for i in range(messages):
            token = f"bench-{i}"
            sent_at = time.perf_counter()
            await publisher.publish(channel, token)
            deadline = time.monotonic() + self.timeout
            while (
                len(received.get(token, {})) < subscribers
                and time.monotonic() < deadline
            ):
                await asyncio.sleep(0.0005)
            arrivals = received.get(token, {})
            lost += subscribers - len(arrivals)
            latencies += [(t - sent_at) * 1000 for t in arrivals.values()]
            await asyncio.sleep(0.05)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for pubsub, client in zip(pubsubs, clients, strict=True):
            await pubsub.aclose()
            await client.aclose()
        await publisher.aclose()
        return latencies, lost

    # --- report

    def report(self, clients, messages, ws, plain) -> None:
        (ws_lat, ws_lost), (rd_lat, rd_lost) = ws, plain
        rows = []
        for name, lat in (("websocket room", ws_lat), ("redis pub/sub", rd_lat)):
            if not lat:
                raise CommandError(f"{name}: nothing was delivered.")
            rows.append((name, _percentile(lat, 50), _percentile(lat, 95), lat))
        self.stdout.write(
            f"\n{messages} messages to {clients} receivers each "
            f"({messages * clients} deliveries per path)\n"
        )
        self.stdout.write(f"{'path':<16} {'p50 ms':>9} {'p95 ms':>9} {'mean ms':>9}")
        for name, p50, p95, lat in rows:
            self.stdout.write(
                f"{name:<16} {p50:>9.2f} {p95:>9.2f} {statistics.fmean(lat):>9.2f}"
            )
        ratio50 = rows[0][1] / rows[1][1]
        ratio95 = rows[0][2] / rows[1][2]
        self.stdout.write(
            f"ratio websocket/redis: p50 x{ratio50:.1f}, p95 x{ratio95:.1f}"
        )
        self.stdout.write(f"messages lost: websocket {ws_lost}, redis {rd_lost}")
        if ws_lost:
            raise CommandError(f"{ws_lost} deliveries were lost.")
