"""Test session set-up: the real services must be there; their versions are printed."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from tests.support import require_services, service_versions


def _unblocked_database(config):
    from django.db import connection

    from pytest_django.plugin import blocking_manager_key

    class Unblocked:
        def __enter__(self):
            self.blocker = config.stash[blocking_manager_key].unblock()
            self.blocker.__enter__()

        def __exit__(self, *exc):
            connection.close()
            self.blocker.__exit__(*exc)

    return Unblocked()


def pytest_report_header(config):
    """Printed once at the start of the session: what the suite is talking to."""
    with _unblocked_database(config):
        versions = service_versions()
    return ["services: " + ", ".join(f"{name} {v}" for name, v in versions.items())]


def pytest_sessionstart(session):
    # A missing service is a failure naming it, never a silent skip.
    with _unblocked_database(session.config):
        problems = require_services()
    if problems:
        pytest.exit("Required services are unavailable:\n  " + "\n  ".join(problems), 3)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup):
    """Make the serialized migration data reachable from every connection object.

    Transactional tests flush the database and restore what the migrations created
    (the States register, Wagtail's root page and locale) from a copy Django keeps
    on the connection. Async tests run under a fresh context in which
    `connections["default"]` is a new object without that copy, so the next
    transactional test would silently restore nothing; a class attribute is seen
    by all of them.
    """
    from django.db import connections

    connection = connections["default"]
    contents = getattr(connection, "_test_serialized_contents", None)
    if contents is not None:
        type(connection)._test_serialized_contents = contents


@pytest.fixture
def home_page(db):
    """The site's home page, as the demo command sets it up (without the demo
    content, which takes long to load: tests that need it call load_demo)."""
    from practices.management.commands.load_demo import Command

    return Command().ensure_home_page()


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on loopback, with Django's SMTP backend pointed at it."""
    from tests.smtp import SmtpServer

    server = SmtpServer().start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    yield server
    server.stop()


@pytest.fixture
def heard_sessions_ended():
    """(user id, number of sessions) of each `sessions_ended` signal sent."""
    from portal.accounts.signals import sessions_ended

    heard = []

    def listener(sender, user, session_keys, **kwargs):
        heard.append((user.pk, len(session_keys)))

    sessions_ended.connect(listener)
    yield heard
    sessions_ended.disconnect(listener)


class _SentMail(Sequence):
    """The locmem outbox as a recipient sees it: the mail queue is sent first.

    Mail is queued in the database with the event and sent by the worker; reading
    this sends what is due (as the worker would), then reads Django's outbox."""

    def _sent(self) -> list:
        from django.core import mail

        from portal.mail.queue import drain

        drain()
        return mail.outbox

    def __getitem__(self, index):
        return self._sent()[index]

    def __len__(self) -> int:
        return len(self._sent())

    def clear(self) -> None:
        self._sent().clear()


@pytest.fixture
def mailoutbox(mailoutbox):
    return _SentMail()


def pytest_collection_modifyitems(config, items):
    """Browser tests go last: Playwright's sync API keeps an event loop running in the
    main thread for the rest of the session, which async tests cannot share."""
    for item in items:
        if "tests/browser/" in item.nodeid:
            item.add_marker(pytest.mark.browser)
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


@pytest.fixture(autouse=True)
def _fresh_public_page_cache():
    """Public pages live in the shared Redis: each test starts with none stored."""
    from portal.core.page_cache import invalidate_public_pages

    invalidate_public_pages()
