"""Passkeys (WebAuthn) as a second factor, through django-otp-webauthn.

The library's views are kept; these subclasses add what the portal requires of every
second factor: the session key rotates and the verified-at time is stamped at each
success, every attempt is audited, and adding a passkey to an account that already
has a device is device management, which needs a recent verification (step-up).
Passwordless sign-in is off (`OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN = False`): a
passkey is a second factor after the password, which django-axes guards.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.urls import path, reverse
from django.views.i18n import JavaScriptCatalog

from django_otp_webauthn import exceptions
from django_otp_webauthn.views import (
    BeginCredentialAuthenticationView,
    BeginCredentialRegistrationView,
    CompleteCredentialAuthenticationView,
    CompleteCredentialRegistrationView,
)

from portal.accounts.stepup import is_recently_verified, mark_verified
from portal.accounts.twofactor import has_device
from portal.audit.actions import record
from portal.audit.models import Outcome
from portal.mail.kinds import Kind
from portal.mail.messages import Notice
from portal.mail.queue import deliver

if TYPE_CHECKING:
    from django.http import HttpRequest, HttpResponse

    from django_otp_webauthn.models import WebAuthnCredential


class StepUpRequired(exceptions.OTPWebAuthnApiError):
    status_code = 403
    default_detail = (
        "Confirm with a fresh code first: reload this page after the step-up."
    )
    default_code = "step_up_required"


class BeginPasskeyRegistrationView(BeginCredentialRegistrationView):
    def check_can_register(self) -> None:
        super().check_can_register()
        if has_device(self.request.user) and not is_recently_verified(self.request):
            raise StepUpRequired()


class CompletePasskeyRegistrationView(CompleteCredentialRegistrationView):
    def check_can_register(self) -> None:
        super().check_can_register()
        if has_device(self.request.user) and not is_recently_verified(self.request):
            raise StepUpRequired()

    def post(self, *args: Any, **kwargs: Any) -> HttpResponse:
        was_verified = self.request.user.is_verified()
        # The new passkey and its audit event commit together, or neither does.
        with transaction.atomic():
            response: HttpResponse = super().post(*args, **kwargs)
            record(
                "otp.device_enrolled",
                actor=self.request.user,
                request=self.request,
                target_type="django_otp_webauthn.webauthncredential",
                target_id=_json_id(response),
                details={"kind": "webauthn"},
            )
            if response.status_code < 400:
                deliver(
                    self.request.user,
                    Notice(
                        Kind.FACTOR_ADDED,
                        link=reverse("accounts:profile"),
                        stage="passkey",
                    ),
                )
        device = self.request.user.otp_device if not was_verified else None
        if device is not None:
            # The first device verifies the session, as a first TOTP device does.
            self.request.session.cycle_key()
            mark_verified(self.request)
        return response

    def handle_exception(self, exc: Exception) -> HttpResponse:
        _record_failure(self.request, "otp.device_enrolled", exc)
        response: HttpResponse = super().handle_exception(exc)
        return response


class CompletePasskeyVerificationView(CompleteCredentialAuthenticationView):
    def complete_auth(self, device: WebAuthnCredential) -> None:
        with transaction.atomic():
            super().complete_auth(device)
            record(
                "otp.verify",
                actor=device.user,
                target=device,
                request=self.request,
                details={"device": device.persistent_id, "kind": "webauthn"},
            )
        self.request.session.cycle_key()
        mark_verified(self.request)

    def handle_exception(self, exc: Exception) -> HttpResponse:
        _record_failure(self.request, "otp.verify", exc)
        response: HttpResponse = super().handle_exception(exc)
        return response


def _json_id(response: HttpResponse) -> str:
    try:
        return str(json.loads(response.content).get("id", ""))
    except ValueError:
        return ""


def _record_failure(request: HttpRequest, action: str, exc: Exception) -> None:
    record(
        action,
        outcome=Outcome.FAILURE,
        request=request,
        details={"kind": "webauthn", "error": getattr(exc, "code", type(exc).__name__)},
    )


# The library's templates and scripts reverse these names in the `otp_webauthn`
# namespace, so the URLs keep them.
app_name = "otp_webauthn"
urlpatterns = [
    path(
        "registration/begin/",
        BeginPasskeyRegistrationView.as_view(),
        name="credential-registration-begin",
    ),
    path(
        "registration/complete/",
        CompletePasskeyRegistrationView.as_view(),
        name="credential-registration-complete",
    ),
    path(
        "authentication/begin/",
        BeginCredentialAuthenticationView.as_view(),
        name="credential-authentication-begin",
    ),
    path(
        "authentication/complete/",
        CompletePasskeyVerificationView.as_view(),
        name="credential-authentication-complete",
    ),
    path(
        "jsi18n/",
        JavaScriptCatalog.as_view(packages=["django_otp_webauthn"]),
        name="js-i18n-catalog",
    ),
]
