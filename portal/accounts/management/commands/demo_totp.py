"""`manage.py demo_totp <email>`: print the current code of a user's authenticator."""

import time
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice


class Command(BaseCommand):
    help = "Print the current TOTP code of a (demo) account's authenticator device."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("email")

    def handle(self, *args: Any, email: str, **options: Any) -> None:
        device = (
            TOTPDevice.objects.filter(user__email__iexact=email, confirmed=True)
            .order_by("id")
            .first()
        )
        if device is None:
            raise CommandError(f"No confirmed authenticator device for {email}.")
        totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        totp.time = time.time()
        remaining = device.step - int(totp.time - device.t0) % device.step
        code = str(totp.token()).zfill(device.digits)
        self.stdout.write(code)
        self.stderr.write(f"(valid for {remaining} more seconds)")
