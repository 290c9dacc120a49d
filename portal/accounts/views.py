"""Account pages: sign-in, two-factor, profile, invitations and vetting. Thin:
the writes are in `portal.accounts.actions`."""

from __future__ import annotations

import base64
import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    HttpResponseRedirect,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

import django_otp
import segno
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.accounts import actions, home
from portal.accounts.decorators import (
    SignedInRequest,
    role_required,
    verified_session_required,
)
from portal.accounts.forms import (
    AcceptInvitationForm,
    ChangePasswordForm,
    CodeForm,
    EnrolForm,
    FactorResetRequestForm,
    InvitationForm,
    LoginForm,
    NewPasswordForm,
    PasswordResetRequestForm,
    TimeZoneForm,
    VettingForm,
    device_label,
)
from portal.accounts.roles import Role, has_role, roles_of
from portal.accounts.stepup import (
    is_recently_verified,
    is_session_verified,
    mark_verified,
    step_up_required,
)
from portal.accounts.twofactor import (
    code_devices,
    confirmed_devices,
    has_passkey,
    safe_next,
    second_factor_url,
)
from portal.mail import actions as mail_actions
from portal.mail.forms import MailPreferencesForm
from portal.mail.views import security_kind_labels

if TYPE_CHECKING:
    from portal.accounts.models import User


def _complete_verification(request: HttpRequest, device: Device) -> None:
    """Bind the device to the session, rotate the session key, stamp the time."""
    django_otp.login(request, device)
    request.session.cycle_key()
    mark_verified(request)


@sensitive_post_parameters("password")
def login_view(request: HttpRequest) -> HttpResponse:
    next_url = safe_next(request, reverse("accounts:home"))
    if request.user.is_authenticated and is_session_verified(request):
        return redirect(next_url)
    form = LoginForm(request, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        # Django's login rotates the session key; the sign-in and its audit event
        # commit together.
        with transaction.atomic():
            auth_login(request, form.get_user())
        return redirect(second_factor_url(request.user, next_url))
    return render(request, "accounts/login.html", {"form": form, "next": next_url})


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    auth_logout(request)
    messages.success(request, _("You are signed out."))
    return redirect(settings.LOGOUT_REDIRECT_URL)


@login_required
def verify_view(request: SignedInRequest, *, step_up: bool = False) -> HttpResponse:
    """Ask for a code from the device the person chooses (login and step-up)."""
    # Signing in lands on the person's home; a step-up returns to the account.
    fallback = "accounts:profile" if step_up else "accounts:home"
    next_url = safe_next(request, reverse(fallback))
    if not confirmed_devices(request.user):
        return redirect(second_factor_url(request.user, next_url))
    devices = code_devices(request.user)
    form = CodeForm(request.POST or None, devices=devices)
    if request.method == "POST" and form.is_valid():
        device = form.chosen_device()
        accepted, throttled = actions.verify_code(
            request.user, device, form.cleaned_data["code"], request=request
        )
        if accepted:
            _complete_verification(request, device)
            return redirect(next_url)
        if throttled:
            form.add_error(
                "code",
                _("Too many wrong codes: wait a little before trying again."),
            )
        else:
            form.add_error(
                "code", _("That code is not right, or it has already been used.")
            )
    template = "accounts/step_up.html" if step_up else "accounts/verify.html"
    context = {
        "form": form if devices else None,
        "next": next_url,
        "passkeys": has_passkey(request.user),
        # The page speaks of the "Backup code" choice only when it offers one
        # that still has codes.
        "backup_codes_left": sum(
            device.token_set.count()
            for device in devices
            if isinstance(device, StaticDevice)
        ),
    }
    return render(request, template, context)


@login_required
def enrol_view(request: SignedInRequest) -> HttpResponse:
    """Set up an authenticator app: QR code and secret; active after one good code."""
    next_url = safe_next(request, reverse("accounts:backup_codes"))
    if confirmed_devices(request.user) and not is_session_verified(request):
        # Adding a device is device management: prove the existing one first.
        return redirect(second_factor_url(request.user, request.get_full_path()))
    if confirmed_devices(request.user):
        return _enrol_with_step_up(request, next_url)
    return _enrol(request, next_url)


@step_up_required
def _enrol_with_step_up(request: SignedInRequest, next_url: str) -> HttpResponse:
    return _enrol(request, next_url)


def _enrol(request: SignedInRequest, next_url: str) -> HttpResponse:
    device = actions.start_totp_enrolment(request.user)
    form = EnrolForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        accepted, throttled = actions.verify_code(
            request.user, device, form.cleaned_data["code"], request=request
        )
        if accepted:
            actions.confirm_totp_device(request.user, device, request=request)
            _complete_verification(request, device)
            messages.success(request, _("Your authenticator app is set up."))
            return redirect(next_url)
        form.add_error(
            "code",
            "Too many wrong codes: wait a little before trying again."
            if throttled
            else "That code is not right. Check the time on your phone and try "
            "the current code.",
        )
    secret = _base32(device)
    qr_svg = segno.make(device.config_url, error="m").svg_inline(
        scale=5, title="QR code for your authenticator app"
    )
    return render(
        request,
        "accounts/enrol.html",
        {"form": form, "secret": secret, "qr_svg": qr_svg, "next": next_url},
    )


def _base32(device: TOTPDevice) -> str:
    raw = base64.b32encode(device.bin_key).decode()
    return " ".join(raw[i : i + 4] for i in range(0, len(raw), 4))


@verified_session_required
def backup_codes_view(request: SignedInRequest) -> HttpResponse:
    device = StaticDevice.objects.filter(user=request.user, name="Backup codes").first()
    remaining = device.token_set.count() if device else 0
    return render(
        request,
        "accounts/backup_codes.html",
        {"remaining": remaining, "has_codes": device is not None},
    )


@require_POST
@verified_session_required
def regenerate_backup_codes_view(request: SignedInRequest) -> HttpResponse:
    has_codes = StaticDevice.objects.filter(user=request.user).exists()
    if has_codes and not is_recently_verified(request):
        return redirect(_step_up_url(reverse("accounts:backup_codes")))
    codes = actions.regenerate_backup_codes(request.user, request=request)
    # Shown once: the response is the only place the codes ever appear.
    response = render(request, "accounts/backup_codes_new.html", {"codes": codes})
    response["Cache-Control"] = "no-store"
    return response


def _step_up_url(next_url: str) -> str:
    return f"{settings.STEP_UP_URL}?{urlencode({'next': next_url})}"


@login_required
def home_view(request: SignedInRequest) -> HttpResponse:
    """The person's home after sign-in: their work, by role, each item linked to
    where it is done. Before the second factor it only asks for it."""
    verified = is_session_verified(request)
    return render(
        request,
        "accounts/home.html",
        {
            "verified": verified,
            "sections": home.sections_for(request) if verified else [],
            "second_factor_url": second_factor_url(
                request.user, reverse("accounts:home")
            ),
            "roles": roles_of(request.user),
        },
    )


@verified_session_required
def profile_view(request: SignedInRequest) -> HttpResponse:
    devices = confirmed_devices(request.user)
    return render(
        request,
        "accounts/profile.html",
        {
            "devices": [(device, device_label(device)) for device in devices],
            "roles": roles_of(request.user),
            "vetted": request.user.is_vetted(),
            "has_backup_codes": StaticDevice.objects.filter(
                user=request.user, name="Backup codes"
            ).exists(),
            "tools": _tools(request.user),
            "mail_form": MailPreferencesForm(
                initial_choices=mail_actions.preferences_of(request.user)
            ),
            "security_kinds": security_kind_labels(),
            "time_zone_form": TimeZoneForm(
                initial={"time_zone": request.user.time_zone}
            ),
        },
    )


@require_POST
@verified_session_required
def time_zone_view(request: SignedInRequest) -> HttpResponse:
    form = TimeZoneForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a time zone from the list."))
        return redirect("accounts:profile")
    zone = form.cleaned_data["time_zone"]
    if actions.set_time_zone(request.user, zone, request=request):
        messages.success(
            request, _("Times are now shown in %(zone)s.") % {"zone": zone}
        )
    return redirect("accounts:profile")


def _tools(user: User) -> list[tuple[str, str]]:
    """The pages a person's roles open to them."""
    tools = []
    if has_role(user, Role.FOCAL_POINT):
        tools.append((reverse("accounts:invite"), "Invite experts of your State"))
        tools.append(
            (reverse("accounts:vetting_approvals"), "Approve vettings of your experts")
        )
        tools.append(
            (reverse("accounts:factor_resets"), _("Reset a lost second factor"))
        )
    if has_role(user, Role.SECRETARIAT):
        tools.append((reverse("accounts:vetting_list"), "Vet experts"))
        tools.append(
            (reverse("accounts:factor_resets"), _("Confirm second-factor resets"))
        )
    if has_role(user, Role.SECURITY_OFFICER):
        tools.append((reverse("audit:events"), "Audit trail"))
    return tools


@require_POST
@verified_session_required
@step_up_required
def remove_device_view(request: SignedInRequest) -> HttpResponse:
    persistent_id = request.POST.get("device", "")
    device = Device.from_persistent_id(persistent_id) if "/" in persistent_id else None
    if device is None or device.user_id != request.user.pk:
        raise Http404
    actions.remove_device(request.user, device, request=request)
    messages.success(request, _("The device was removed."))
    return redirect("accounts:profile")


@require_POST
@verified_session_required
def sign_out_everywhere_view(request: SignedInRequest) -> HttpResponse:
    actions.sign_out_everywhere(request.user, request=request)
    auth_logout(request)
    messages.success(request, _("All your sessions have ended, this one included."))
    return redirect(settings.LOGIN_URL)


# --- Passwords ---------------------------------------------------------------------


def password_reset_view(request: HttpRequest) -> HttpResponse:
    """Ask for a reset link. The answer is the same whether or not the address has
    an account; only too many requests get another (for any address alike)."""
    form = PasswordResetRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.request_password_reset(
                form.cleaned_data["email"],
                request=request,
                reset_url_for=lambda uidb64, token: request.build_absolute_uri(
                    reverse("accounts:password_reset_confirm", args=[uidb64, token])
                ),
            )
        except actions.ResetUnavailable:
            # The limits are counted in Redis; without them nothing is sent. Not
            # 503: nginx counts a 503 as a failed process and would stop sending
            # it anything for a while (deploy/nginx.conf.template, max_fails).
            return _reset_refused(
                request,
                form,
                _(
                    "Password reset is unavailable for a few minutes. "
                    "Please ask again shortly."
                ),
                retry_after=60,
            )
        except actions.ResetLimited:
            return _reset_refused(
                request,
                form,
                "Too many reset requests for this address or from this network. "
                "Wait an hour, then ask again.",
                retry_after=60 * 60,
            )
        return render(request, "accounts/password_reset_sent.html")
    return render(request, "accounts/password_reset.html", {"form": form})


def _reset_refused(
    request: HttpRequest,
    form: PasswordResetRequestForm,
    message: str,
    *,
    retry_after: int,
) -> HttpResponse:
    form.add_error(None, message)
    response = render(
        request, "accounts/password_reset.html", {"form": form}, status=429
    )
    response["Retry-After"] = str(retry_after)
    return response


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Django's single-use, expiring link (the token changes with the password);
    the new password is set by the audited action, and nobody is signed in: the
    person signs in with it and their second factor."""

    template_name = "accounts/password_reset_confirm.html"
    form_class = NewPasswordForm
    post_reset_login = False
    success_url = reverse_lazy("accounts:login")

    def dispatch(self, *args: Any, **kwargs: Any) -> HttpResponseBase:
        response = super().dispatch(*args, **kwargs)
        # A good link first redirects to the form (keeping the token out of
        # Referer headers); anything else that is not the form is a bad link.
        if not self.validlink and response.status_code != 302:
            actions.record_rejected_reset_link(request=self.request)
            response.status_code = 410
        return response

    def form_valid(self, form: NewPasswordForm) -> HttpResponse:
        actions.reset_password(
            self.user, form.cleaned_data["new_password1"], request=self.request
        )
        del self.request.session[auth_views.INTERNAL_RESET_SESSION_TOKEN]
        messages.success(
            self.request,
            _(
                "Your password is changed. Sign in with it, then give your second "
                "factor."
            ),
        )
        return HttpResponseRedirect(self.get_success_url())


@sensitive_post_parameters("old_password", "new_password1", "new_password2")
@verified_session_required
@step_up_required
def password_change_view(request: SignedInRequest) -> HttpResponse:
    form = ChangePasswordForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        actions.change_password(
            request.user, form.cleaned_data["new_password1"], request=request
        )
        # This session stays signed in; every other one has ended.
        update_session_auth_hash(request, request.user)
        messages.success(
            request, _("Your password is changed; your other sessions have ended.")
        )
        return redirect("accounts:profile")
    return render(request, "accounts/password_change.html", {"form": form})


# --- Invitations -------------------------------------------------------------------


@role_required(Role.FOCAL_POINT)
def invite_view(request: SignedInRequest) -> HttpResponse:
    if request.user.state_id is None:
        raise Http404
    form = InvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.invite_expert(
                form.cleaned_data["email"],
                by=request.user,
                request=request,
                accept_url_for=lambda token: request.build_absolute_uri(
                    reverse("accounts:accept_invitation", args=[token])
                ),
            )
        except ValidationError as error:
            form.add_error("email", error)
        else:
            messages.success(
                request,
                _(
                    "An invitation was sent to %(email)s; the link works once, "
                    "for 72 hours."
                )
                % {"email": form.cleaned_data["email"]},
            )
            return redirect("accounts:invite")
    sent = request.user.invitations_sent.select_related("accepted_user")[:50]
    return render(
        request,
        "accounts/invite.html",
        {"form": form, "sent": sent, "now": timezone.now()},
    )


@sensitive_post_parameters("password1", "password2")
def accept_invitation_view(request: HttpRequest, token: str) -> HttpResponse:
    try:
        invitation = actions.find_invitation(token)
    except actions.InvitationError as error:
        actions.record_rejected_invitation(str(error), request=request)
        return render(
            request, "accounts/invitation_invalid.html", {"error": error}, status=410
        )
    form = AcceptInvitationForm(request.POST or None, email=invitation.email)
    if request.method == "POST" and form.is_valid():
        try:
            actions.accept_invitation(
                token,
                password=form.cleaned_data["password1"],
                first_name=form.cleaned_data["first_name"],
                last_name=form.cleaned_data["last_name"],
                request=request,
            )
        except actions.InvitationError as error:
            return render(
                request,
                "accounts/invitation_invalid.html",
                {"error": error},
                status=410,
            )
        messages.success(
            request,
            _("Your account is ready. Sign in, then set up two-factor authentication."),
        )
        return redirect(settings.LOGIN_URL)
    return render(
        request,
        "accounts/accept_invitation.html",
        {"form": form, "invitation": invitation},
    )


# --- Vetting (secretariat) ---------------------------------------------------------


@role_required(Role.SECRETARIAT)
def vetting_list_view(request: SignedInRequest) -> HttpResponse:
    today = timezone.localdate()
    return render(
        request,
        "accounts/vetting_list.html",
        {"experts": actions.experts(), "today": today},
    )


@role_required(Role.SECRETARIAT)
def vetting_edit_view(request: SignedInRequest, pk: int) -> HttpResponse:
    expert = get_object_or_404(actions.experts(), pk=pk)
    initial = {
        "clearance": expert.clearance,
        "vetted_until": expert.vetted_until
        or timezone.localdate() + datetime.timedelta(days=365),
    }
    form = VettingForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            actions.vet_expert(
                expert,
                clearance=form.cleaned_data["clearance"],
                vetted_until=form.cleaned_data["vetted_until"],
                by=request.user,
                request=request,
            )
        except PermissionDenied as refusal:
            form.add_error(None, str(refusal))
        else:
            if actions.pending_vetting(expert) is not None:
                if expert.state is None:
                    text = _(
                        "Your approval of %(expert)s for highly confidential was "
                        "recorded. It takes effect once the focal point of their "
                        "State approves it too."
                    ) % {"expert": expert}
                else:
                    text = _(
                        "Your approval of %(expert)s for highly confidential was "
                        "recorded. It takes effect once the focal point of "
                        "%(state)s approves it too."
                    ) % {"expert": expert, "state": expert.state}
                messages.success(request, text)
            else:
                messages.success(
                    request,
                    _("The vetting of %(expert)s was recorded.") % {"expert": expert},
                )
            return redirect("accounts:vetting_list")
    return render(
        request,
        "accounts/vetting_edit.html",
        {
            "form": form,
            "expert": expert,
            "pending": actions.pending_vetting(expert),
        },
    )


@role_required((Role.FOCAL_POINT, Role.SECRETARIAT))
def vetting_approvals_view(request: SignedInRequest) -> HttpResponse:
    """Vettings to highly confidential awaiting this person's approval: the focal
    point's for experts of their State, or the secretariat's."""
    pending = actions.vetting_approvals_for(request.user)
    if request.method == "POST":
        approval = get_object_or_404(pending, pk=request.POST.get("approval") or 0)
        try:
            actions.approve_vetting(approval, by=request.user, request=request)
        except PermissionDenied as refusal:
            messages.error(request, str(refusal))
        else:
            approval.refresh_from_db()
            messages.success(
                request,
                f"{approval.expert} is now vetted for highly confidential."
                if approval.is_complete
                else f"Your approval of {approval.expert} was recorded; it takes "
                "effect once the second approver approves too.",
            )
        return redirect("accounts:vetting_approvals")
    return render(request, "accounts/vetting_approvals.html", {"pending": pending})


# --- Lost second factors -----------------------------------------------------------


@role_required((Role.FOCAL_POINT, Role.SECRETARIAT))
@step_up_required
def factor_resets_view(request: SignedInRequest) -> HttpResponse:
    """The focal point asks to reset the factors of a person of their State; the
    secretariat confirms a reset another person asked for. Both after a fresh code."""
    user = request.user
    candidates = actions.factor_reset_candidates(user)
    is_focal_point = has_role(user, Role.FOCAL_POINT) and user.state_id is not None
    form = FactorResetRequestForm(
        request.POST if request.POST.get("step") == "request" else None,
        candidates=candidates,
    )
    if request.method == "POST":
        try:
            if request.POST.get("step") == "confirm":
                if not has_role(user, Role.SECRETARIAT):
                    raise Http404
                reset = get_object_or_404(
                    actions.pending_factor_resets(), pk=request.POST.get("reset") or 0
                )
                actions.confirm_factor_reset(reset, by=user, request=request)
                messages.success(
                    request,
                    _(
                        "The second factors of %(name)s are removed and their "
                        "sessions ended; they set up a new one at their next sign-in."
                    )
                    % {"name": reset.account.display_name},
                )
                return redirect("accounts:factor_resets")
            if not is_focal_point:
                raise Http404
            if form.is_valid():
                account = form.cleaned_data["account"]
                actions.request_factor_reset(account, by=user, request=request)
                messages.success(
                    request,
                    _(
                        "The reset for %(name)s waits for the secretariat's "
                        "confirmation."
                    )
                    % {"name": account.display_name},
                )
                return redirect("accounts:factor_resets")
        except PermissionDenied as refusal:
            if request.POST.get("step") == "request":
                form.add_error(None, str(refusal))
            else:
                messages.error(request, str(refusal))
                return redirect("accounts:factor_resets")
    pending = actions.pending_factor_resets()
    if not has_role(user, Role.SECRETARIAT):
        pending = pending.filter(requested_by=user)
    return render(
        request,
        "accounts/factor_resets.html",
        {
            "form": form if is_focal_point else None,
            "pending": pending,
            "can_confirm": has_role(user, Role.SECRETARIAT),
        },
        status=400 if form.errors else 200,
    )
