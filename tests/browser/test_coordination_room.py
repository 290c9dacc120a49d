"""Two experts chat live in one room, in two browsers, through a real ASGI server;
a dropped connection loses nothing from the reader's view, and a server whose Redis
is down is retried with a growing wait."""

from __future__ import annotations

import re

from django.conf import settings
from django.test import Client

import pytest

from exchange.coordination import actions
from exchange.policy import viewer_for_user
from tests.coordination.helpers import default_room, make_group, make_user
from tests.support import (
    artifact_path,
    free_port,
    login_verified,
    served_test_portal,
)

pytestmark = pytest.mark.browser

AXE_OPTIONS = {
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"],
    }
}


# A function, not an expression: the page's CSP forbids evaluating a string, which
# Playwright does for an expression it polls.
BOTH_PRESENT = (
    "() => document.querySelectorAll('#presence li:not(.muted)').length === 2"
)


def _session_cookie(user, port: int) -> dict:
    client = login_verified(Client(), user)
    return {
        "name": settings.SESSION_COOKIE_NAME,
        "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
        "domain": "127.0.0.1",
        "path": "/",
    }


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_experts_chat_live_and_a_dropped_connection_loses_nothing(browser):
    from axe_playwright_python.sync_playwright import Axe

    amira = make_user("amira", state="NL")
    amira.first_name, amira.last_name = "Amira", "de Vries"
    amira.save()
    bart = make_user("bart", state="BE")
    bart.first_name, bart.last_name = "Bart", "Peeters"
    bart.save()
    group = make_group(amira, bart)
    group.name = "Benelux partnership"
    group.save()
    room = default_room(group)
    actions.post_message(
        viewer_for_user(bart, verified=True),
        room.pk,
        "Morning! The draft agenda for Thursday's <b>table-top exercise</b> is ready.",
    )
    port = free_port()
    url = f"http://127.0.0.1:{port}/coordination/rooms/{room.pk}/"

    with served_test_portal(port=port, log_name="coordination-server.log"):
        pages = {}
        for name, user in (("amira", amira), ("bart", bart)):
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            context.add_cookies([_session_cookie(user, port)])
            page = context.new_page()
            page.goto(url)
            page.wait_for_selector("#room-status.ok")
            pages[name] = page
        a, b = pages["amira"], pages["bart"]
        a.wait_for_function(BOTH_PRESENT)
        assert "table-top exercise" in a.inner_text("#chat-log")

        a.fill(
            "#composer-body",
            "Thanks Bart. Two inspectors from our side; see "
            '<a href="https://www.iaea.org">the IAEA page</a>.',
        )
        a.press("#composer-body", "Enter")
        b.wait_for_selector("#chat-log li:has-text('Two inspectors')")
        handle = amira.email.split("@")[0]
        b.fill("#composer-body", f"Great, @{handle}. I will book the room.")
        b.click("#composer-send")
        a.wait_for_selector("#chat-log li:has-text('book the room')")
        assert a.locator("#chat-log a[href='https://www.iaea.org']").count() == 1
        assert a.input_value("#composer-body") == ""
        # The mention rings Amira's bell live, over the notifications socket.
        a.wait_for_selector(".bell-count[data-count='1']")

    # The server goes away; a message is posted meanwhile; the pages reconnect and
    # fetch what they missed from the history API.
    b.wait_for_selector("#room-status.warn")
    actions.post_message(
        viewer_for_user(amira, verified=True), room.pk, "Posted while you were away."
    )
    with served_test_portal(port=port, log_name="coordination-server.log"):
        b.wait_for_selector("#room-status.ok", timeout=30_000)
        b.wait_for_selector("#chat-log li:has-text('while you were away')")
        a.wait_for_selector("#chat-log li:has-text('while you were away')")
        a.wait_for_function(BOTH_PRESENT)
        assert a.locator("#chat-log > li").count() == 4
        path = artifact_path("coordination-room.png")
        a.screenshot(path=path, full_page=True)
        assert path.stat().st_size > 10_000
        results = Axe().run(a, options=AXE_OPTIONS)
        artifact_path("axe-coordination-room.txt").write_text(results.generate_report())
        assert results.violations_count == 0, results.generate_report()
        b.screenshot(path=artifact_path("coordination-room-second.png"))
        for page in (a, b):
            page.context.close()


# Every status line that announces a reconnect, in order (the page's own text).
ANNOUNCEMENTS = """
window.announced = [];
document.addEventListener("DOMContentLoaded", function () {
  var status = document.getElementById("room-status");
  new MutationObserver(function () {
    if (status.textContent.indexOf("reconnecting in") !== -1) {
      window.announced.push(status.textContent);
    }
  }).observe(status, { childList: true, characterData: true, subtree: true });
});
"""


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_room_waits_longer_each_time_while_redis_is_down(browser):
    """The server accepts each socket and closes it at once with 1013 (its Redis is
    down): the page must not take the opening for a working socket. The page's
    clock is Playwright's, moved by hand; the waits are those the page announces."""
    amira = make_user("amira", state="NL")
    room = default_room(make_group(amira))
    port = free_port()
    dead_redis = {"REDIS_URL": f"redis://127.0.0.1:{free_port()}/0"}
    with served_test_portal(
        port=port, log_name="coordination-redis-down.log", extra_env=dead_redis
    ):
        context = browser.new_context()
        context.add_cookies([_session_cookie(amira, port)])
        context.add_init_script(ANNOUNCEMENTS)
        page = context.new_page()
        page.clock.install()
        page.goto(f"http://127.0.0.1:{port}/coordination/rooms/{room.pk}/")
        for attempt in range(1, 8):
            page.wait_for_function(
                "(count) => window.announced.length >= count", arg=attempt
            )
            # Past the longest wait: the one reconnect pending fires.
            page.clock.run_for(30_000)
        announced = page.evaluate("() => window.announced")
        context.close()
    waits = [int(re.search(r"in (\d+) s", text).group(1)) for text in announced]
    # Ceilings of 1, 2, 4, 8, 16, then 30 s; each wait between half and all of its
    # ceiling (shown rounded to the second).
    assert len(waits) >= 7, announced
    assert waits[0] == 1 and waits[2] >= 2 and waits[4] >= 8, waits
    assert all(15 <= wait <= 30 for wait in waits[5:7]), waits
