"""No secret setting or environment value appears in any error report."""

import sys
from uuid import uuid4

from django.core import mail
from django.test import RequestFactory, override_settings
from django.urls import path
from django.views.debug import ExceptionReporter

import pytest

# Made at run time: the traceback shows this file's source lines.
U = {
    n: f"{n}-{uuid4().hex}"
    for n in (
        "sk2b",
        "kek0a",
        "oldkek3c",
        "oldkek6f",
        "dbpwaa",
        "redispwbb",
        "smtppwcc",
        "envtokendd",
    )
}
SECRETS = {
    "SECRET_KEY": U["sk2b"],
    "EXCHANGE_KEK": U["kek0a"],
    "EXCHANGE_PREVIOUS_KEKS": [U["oldkek3c"], U["oldkek6f"]],
    "DATABASE_URL": f"postgres://portal:{U['dbpwaa']}@db.example/portal",
    "REDIS_URL": f"redis://:{U['redispwbb']}@redis.example/0",
    "EMAIL_HOST_PASSWORD": U["smtppwcc"],
}
ENV_SECRET = U["envtokendd"]
VALUES = [*U.values()]


def failing_view(request):
    kek = SECRETS["EXCHANGE_KEK"]  # a secret in a frame's locals
    raise RuntimeError("failed while holding the key " + kek[:3])


urlpatterns = [path("boom/", failing_view)]


def assert_no_secret(text):
    for value in VALUES:
        assert value not in text, value


@pytest.fixture
def secrets_set(monkeypatch):
    monkeypatch.setenv("PORTAL_API_TOKEN", ENV_SECRET)
    with override_settings(**SECRETS):
        yield


def test_debug_report_html_and_text_hide_every_secret(secrets_set):
    request = RequestFactory().get("/boom/", HTTP_X_ECHO=ENV_SECRET)
    request.META.update({"PORTAL_API_TOKEN": ENV_SECRET, "OTHER": ENV_SECRET})
    try:
        failing_view(request)
    except RuntimeError:
        reporter = ExceptionReporter(request, *sys.exc_info())
    html = reporter.get_traceback_html()
    text = reporter.get_traceback_text()
    assert "EXCHANGE_KEK" in html  # the setting is listed, its value is not
    assert_no_secret(html)
    assert_no_secret(text)


@override_settings(ROOT_URLCONF=__name__, DEBUG=True)
def test_debug_page_of_a_failing_view_hides_every_secret(secrets_set, client):
    client.raise_request_exception = False
    response = client.get("/boom/")
    assert response.status_code == 500
    body = response.content.decode()
    assert "RuntimeError" in body
    assert_no_secret(body)


@override_settings(
    ROOT_URLCONF=__name__,
    DEBUG=False,
    ADMINS=[("Ops", "ops@example.org")],
    EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
)
def test_error_mail_hides_every_secret(secrets_set, client):
    client.raise_request_exception = False
    response = client.get("/boom/")
    assert response.status_code == 500
    assert mail.outbox
    message = mail.outbox[-1]
    bodies = [message.body] + [str(a[0]) for a in message.alternatives]
    assert "RuntimeError" in message.body
    for body in bodies:
        assert_no_secret(body)
