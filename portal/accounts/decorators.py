"""View decorators: a verified session (password and second factor) or nothing."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect

from portal.accounts.stepup import is_session_verified
from portal.accounts.twofactor import second_factor_url


def verified_session_required(view):
    """Anonymous: to the login page. Signed in without a second factor: to
    verification (or enrolment when there is no device). Never runs the view."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not is_session_verified(request):
            return redirect(second_factor_url(request.user, request.get_full_path()))
        return view(request, *args, **kwargs)

    return wrapper
