"""System checks of the audit trail's settings: the checkpoint signing key."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig
from django.core.checks import Error, Tags, register
from django.core.exceptions import ImproperlyConfigured


@register(Tags.security)
def check_signing_key(
    app_configs: Sequence[AppConfig] | None, **kwargs: Any
) -> list[Error]:
    """Checkpoints cannot be signed, nor old ones verified, without sound keys."""
    from portal.audit import signing

    try:
        signing.signing_key()
        signing.retired_public_keys()
    except ImproperlyConfigured as error:
        return [
            Error(
                str(error),
                hint="Set AUDIT_SIGNING_KEY to the base64 of 32 random bytes "
                "(docs/deployment.md, Keys).",
                id="audit.E001",
            )
        ]
    return []
