"""The exchange's verified-session gate, in one place so that it can be swapped.

Anonymous visitors go to the sign-in page; signed-in people whose session has not
passed a second factor go to the verification page. Neither learns anything about
the exchange's contents. The policy still decides every object on its own.
"""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.shortcuts import redirect

from portal.accounts.stepup import is_session_verified

VERIFY_URL = "/account/two-factor/verify/"


def verified_session_required(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        user = getattr(request, "user", None)
        query = urlencode({"next": request.get_full_path()})
        if user is None or not user.is_authenticated:
            return redirect(f"{settings.LOGIN_URL}?{query}")
        if not is_session_verified(request):
            return redirect(f"{VERIFY_URL}?{query}")
        return view(request, *args, **kwargs)

    return wrapper
