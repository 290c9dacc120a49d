"""Playwright driving Debian's Chromium; screenshots are kept under test-artifacts/."""

from __future__ import annotations

import os

import pytest

CHROMIUM = os.environ.get("PORTAL_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


# Messages Chromium writes to the console when the Content-Security-Policy blocks
# something: every browser test fails on one (see `_no_policy_violations`).
POLICY_VIOLATIONS: list[str] = []


def _watch_for_policy_violations(context) -> None:
    def note(message) -> None:
        if "Content Security Policy" in message.text:
            POLICY_VIOLATIONS.append(f"{message.location.get('url')}: {message.text}")

    context.on("console", note)


@pytest.fixture(autouse=True)
def _no_policy_violations():
    POLICY_VIOLATIONS.clear()
    yield
    assert not POLICY_VIOLATIONS, "\n".join(POLICY_VIOLATIONS)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM):
        pytest.fail(
            f"Debian's Chromium is missing at {CHROMIUM}: apt-get install chromium"
        )
    # Playwright's sync API runs an event loop; Django must allow ORM calls beside it.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_ARGS,
        )
        new_context = browser.new_context

        def watched_context(*args, **kwargs):
            context = new_context(*args, **kwargs)
            _watch_for_policy_violations(context)
            return context

        browser.new_context = watched_context
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield page
    context.close()


def signed_in_context(browser, base_url: str, user, **options):
    """A browser context carrying a session of `user` verified by a second factor."""
    from django.test import Client

    from tests.support import login_verified

    client = login_verified(Client(), user)
    options.setdefault("viewport", {"width": 1280, "height": 900})
    context = browser.new_context(**options)
    context.add_cookies(
        [
            {
                "name": "sessionid",
                "value": client.cookies["sessionid"].value,
                "url": base_url,
            }
        ]
    )
    return context


# The phone and the desktop widths every key page must fit.
WIDTHS = (1366, 390)
# The innermost elements that reach past the viewport, to name in a failure.
TOO_WIDE = """[...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > window.innerWidth + 0.5)
  .filter(e => ![...e.children].some(
      c => c.getBoundingClientRect().right > window.innerWidth + 0.5))
  .slice(0, 8)
  .map(e => e.tagName.toLowerCase() + (e.className ? '.' + e.className : '')
      + ' ' + Math.round(e.getBoundingClientRect().right) + 'px')"""


def fits_both_widths(page, name: str, *, ready: str = "main", height: int = 844):
    """At each of WIDTHS: nothing wider than the viewport, zero axe-core violations,
    a screenshot kept as `<name>-<width>.png`."""
    from tests.browser.test_practices_pages import assert_accessible, shoot

    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": height})
        page.reload()
        page.locator(ready).first.wait_for()
        sizes = page.evaluate(
            "[document.documentElement.scrollWidth, window.innerWidth]"
        )
        assert sizes[0] <= sizes[1], (
            f"{name} at {width} px: {sizes}; too wide: {page.evaluate(TOO_WIDE)}"
        )
        assert_accessible(page, f"{name}-{width}")
        shoot(page, f"{name}-{width}")


def choose_by_name(page, label: str, typed: str, name: str) -> None:
    """In the sharing form's picker `label`, type `typed`, move down the suggestions
    with the keyboard to the one whose name is `name`, and choose it with Enter."""
    combobox = page.get_by_role("combobox", name=label)
    combobox.fill(typed)
    listbox = page.locator(f"#{combobox.get_attribute('aria-controls')}")
    option = listbox.get_by_role("option").filter(has_text=name).first
    option.wait_for()
    for _ in range(listbox.get_by_role("option").count()):
        combobox.press("ArrowDown")
        active = combobox.get_attribute("aria-activedescendant")
        if active and name in page.locator(f"#{active}").inner_text():
            break
    else:
        raise AssertionError(f"{name} is not among the suggestions for {typed!r}")
    combobox.press("Enter")
    page.locator(".picker-chip").filter(has_text=name).first.wait_for()
