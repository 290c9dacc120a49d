"""View gates: a verified session (password and second factor), and a role on top.

`role_required` is the one gate of every page that only a role may use; the table in
`portal/core/routes.py` says which pages those are, and a test holds every route to it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps
from typing import TYPE_CHECKING, Any, TypeVar, cast

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponseBase
from django.shortcuts import redirect
from django.views import View as ClassBasedView

from portal.accounts.roles import Role, has_role
from portal.accounts.stepup import is_session_verified
from portal.accounts.twofactor import second_factor_url

if TYPE_CHECKING:
    from portal.accounts.models import User


View = TypeVar("View", bound=Callable[..., HttpResponseBase])


class SignedInRequest(HttpRequest):
    """The request of a view behind `login_required` or one of these gates: its
    `user` is a signed-in person, never anonymous (what the type checker is told)."""

    user: User


def verified_session_required(view: View) -> View:
    """Anonymous: to the login page. Signed in without a second factor: to
    verification (or enrolment when there is no device). Never runs the view."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not is_session_verified(request):
            return redirect(second_factor_url(request.user, request.get_full_path()))
        return view(request, *args, **kwargs)

    return cast(View, wrapper)


def _roles(role: Role | str | Iterable[Role | str]) -> tuple[str, ...]:
    if isinstance(role, str):  # a Role is a str too
        return (str(role),)
    roles = tuple(str(r) for r in role)
    if not roles:
        raise ValueError("role_required needs at least one role")
    return roles


def role_required(
    role: Role | str | Iterable[Role | str], *, verified: bool = True
) -> Callable[[View], View]:
    """Only a holder of `role` (or of any of several roles) runs the view.

    Anonymous: to the login page. Signed in without a second factor (when
    `verified`, the default): to verification or enrolment. Signed in and verified
    without the role: 404, the same answer as for a page that does not exist, so
    the gate does not tell who holds which role.
    """
    roles = _roles(role)

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(
            request: HttpRequest, *args: Any, **kwargs: Any
        ) -> HttpResponseBase:
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if verified and not is_session_verified(request):
                return redirect(second_factor_url(user, request.get_full_path()))
            if not any(has_role(user, r) for r in roles):
                raise Http404("No such page.")
            return view(request, *args, **kwargs)

        wrapper.required_roles = roles  # type: ignore[attr-defined]
        return cast(View, wrapper)

    return decorator


# To the type checker the mixin is a view, whose `dispatch` it wraps; at run time
# it is a plain class placed before the view in the bases.
if TYPE_CHECKING:
    _MixinBase = ClassBasedView
else:
    _MixinBase = object


class RoleRequiredMixin(_MixinBase):
    """`role_required` for class-based views: set `required_role` (one role or a
    tuple of roles) and, rarely, `role_requires_verified = False`."""

    required_role: Role | str | tuple[Role | str, ...] = ()
    role_requires_verified: bool = True

    def dispatch(
        self, request: HttpRequest, *args: Any, **kwargs: Any
    ) -> HttpResponseBase:
        gate = role_required(self.required_role, verified=self.role_requires_verified)
        return gate(super().dispatch)(request, *args, **kwargs)
