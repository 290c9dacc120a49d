"""System checks of the exchange's deployment settings."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def check_malware_scanner(app_configs, **kwargs) -> list[Warning]:
    """A deployment without clamd refuses every upload (or, in the demo, scans none)."""
    if settings.CLAMD_URL:
        return []
    return [
        Warning(
            "CLAMD_URL is not set: exchange uploads cannot be scanned for malware"
            + (
                ", so every upload is refused."
                if settings.EXCHANGE_SCAN_REQUIRED
                else ", and they are stored unscanned."
            ),
            hint="Run ClamAV's clamd and set CLAMD_URL (docs/deployment.md).",
            id="exchange.W001",
        )
    ]
