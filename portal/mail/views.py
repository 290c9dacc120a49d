"""Mail choices (a verified session) and unsubscribing by a mail's signed link."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from portal.accounts.decorators import verified_session_required
from portal.mail import actions
from portal.mail.forms import MailPreferencesForm
from portal.mail.kinds import SHOWN_SECURITY_KINDS, Kind
from portal.mail.queue import read_unsubscribe_token


@verified_session_required
def preferences_view(request: HttpRequest) -> HttpResponse:
    """Shown on the account page; here only a form with errors comes back."""
    if request.method != "POST":
        return redirect("/account/#mail")
    current = actions.preferences_of(request.user)
    form = MailPreferencesForm(request.POST, initial_choices=current)
    if form.is_valid():
        changed = actions.set_preferences(
            request.user, form.cleaned_data, request=request
        )
        messages.success(
            request,
            _("Your mail choices are saved.") if changed else _("Nothing changed."),
        )
        return redirect("/account/#mail")
    return render(
        request,
        "mail/preferences.html",
        {"form": form, "security_kinds": security_kind_labels()},
        status=400,
    )


def security_kind_labels() -> list[str]:
    return [str(Kind(kind).label) for kind in SHOWN_SECURITY_KINDS]


@csrf_exempt  # RFC 8058 one-click: the mail client posts without a session
def unsubscribe_view(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows what the link does and a button; POST (the button, or the mail
    client's one-click) turns the kind off. The link is signed, so it only ever
    turns off mail for the person it was sent to."""
    found = read_unsubscribe_token(token)
    user = None
    if found is not None:
        user = get_user_model().objects.filter(pk=found[0], is_active=True).first()
    if found is None or user is None:
        return render(request, "mail/unsubscribe_invalid.html", status=410)
    kind = Kind(found[1])
    if request.method == "POST":
        actions.unsubscribe(user, kind, request=request)
        return render(request, "mail/unsubscribed.html", {"kind": kind})
    return render(request, "mail/unsubscribe.html", {"kind": kind, "token": token})
