"""Error reports (debug pages, error mails, logs) that never show a secret."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.datastructures import MultiValueDict
from django.views.debug import SafeExceptionReporterFilter

# Django's own names (API, AUTH, TOKEN, KEY, SECRET, PASS, ...) miss the exchange's
# key-encryption keys and every URL that carries credentials: extend them.
HIDDEN_NAMES = re.compile(
    SafeExceptionReporterFilter.hidden_settings.pattern
    + r"|KEK|CREDENTIAL|PRIVATE|DSN|_URL$|^URL$|EMAIL_HOST_USER|CLAMD"
    r"|DATABASES|CACHES|CHANNEL_LAYERS",
    flags=re.IGNORECASE,
)

SUBSTITUTE = SafeExceptionReporterFilter.cleansed_substitute


def _strings(value: Any) -> Iterable[str]:
    """Every string inside a setting's value, nested dicts and lists included."""
    if isinstance(value, str):
        yield value
        if "://" in value:
            # A URL's password alone may be echoed elsewhere (a driver's message).
            parts = urlsplit(value)
            if parts.password:
                yield parts.password
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            yield from _strings(item)


def secret_values() -> list[str]:
    """The values of every hidden setting and environment variable, longest first."""
    found: set[str] = set()
    for name in dir(settings):
        if name.isupper() and HIDDEN_NAMES.search(name):
            found.update(_strings(getattr(settings, name, None)))
    for name, value in os.environ.items():
        if HIDDEN_NAMES.search(name):
            found.update(_strings(value))
    # Short values ("", "0", a port) would blank out innocent text.
    return sorted((v for v in found if len(v) >= 6), key=len, reverse=True)


def scrub(value: Any, secrets: list[str]) -> Any:
    """The value with every secret replaced, wherever it sits."""
    if isinstance(value, str):
        for secret in secrets:
            if secret in value:
                value = value.replace(secret, SUBSTITUTE)
        return value
    if isinstance(value, dict):
        return {key: scrub(item, secrets) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return type(value)(scrub(item, secrets) for item in value)
    return value


class PortalExceptionReporterFilter(SafeExceptionReporterFilter):
    """Hides secrets by name and, wherever else they show up, by value.

    Each part of a report is scrubbed once as a whole, not inside
    `cleanse_setting`, which Django calls again for every nested value.
    """

    hidden_settings = HIDDEN_NAMES

    def get_safe_settings(self) -> dict[str, Any]:
        return scrub(super().get_safe_settings(), secret_values())

    def get_safe_request_meta(self, request: Any) -> dict[str, Any]:
        # Under runserver META carries the whole process environment.
        return scrub(super().get_safe_request_meta(request), secret_values())

    def get_safe_cookies(self, request: Any) -> dict[str, Any]:
        return scrub(super().get_safe_cookies(request), secret_values())

    def get_post_parameters(self, request: Any) -> Any:
        params = super().get_post_parameters(request)
        secrets = secret_values()
        if isinstance(params, MultiValueDict):
            params = params.copy()
            for key, values in params.lists():
                params.setlist(key, [scrub(v, secrets) for v in values])
        return params

    def get_traceback_frame_variables(self, request: Any, tb_frame: Any) -> Any:
        secrets = secret_values()
        return [
            (name, SUBSTITUTE if HIDDEN_NAMES.search(name) else scrub(value, secrets))
            for name, value in super().get_traceback_frame_variables(request, tb_frame)
        ]
