"""Every portal view reached through the URL resolver keeps its own name and docs.

A decorator that returns a bare inner function hides the view from tracebacks, the
audit's and the logs' view names, Django's `view_class`/`csrf_exempt` flags and
anything that reads `__wrapped__`; `functools.wraps` keeps them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import wraps

from django.urls import URLPattern, URLResolver, get_resolver

PORTAL_PACKAGES = ("portal.", "exchange.", "practices.", "search.")
ANONYMOUS_NAMES = {"wrapper", "wrapped", "_wrapped", "_wrapped_view", "inner", "view"}


def url_callbacks(patterns=None, prefix: str = "") -> Iterator[tuple[str, Callable]]:
    """(full pattern, callback) of every URL pattern, included ones too."""
    if patterns is None:
        patterns = get_resolver().url_patterns
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from url_callbacks(entry.url_patterns, prefix + str(entry.pattern))
        else:
            assert isinstance(entry, URLPattern)
            yield prefix + str(entry.pattern), entry.callback


def _view_class(function: Callable) -> type | None:
    """The class behind a class-based view (Django's `view_class`, DRF's `cls`)."""
    return getattr(function, "view_class", None) or getattr(function, "cls", None)


def wrapping_chain(callback: Callable) -> list[Callable]:
    """The callback, then each function it wraps (`__wrapped__`), innermost last;
    a class-based view ends the chain (its `__wrapped__` is its `dispatch`)."""
    chain = [callback]
    while hasattr(chain[-1], "__wrapped__") and not _view_class(chain[-1]):
        chain.append(chain[-1].__wrapped__)
    return chain


def _identity(function: Callable) -> tuple[str, str | None]:
    named = _view_class(function) or _named(function)
    return named.__name__, named.__doc__


def _named(function: Callable):
    """What carries the name: the function, or the class of a callable instance
    (such as a syndication feed)."""
    return function if hasattr(function, "__qualname__") else type(function)


def _is_portal_code(function: Callable) -> bool:
    module = (_view_class(function) or _named(function)).__module__ or ""
    return module.startswith(PORTAL_PACKAGES)


def _anonymous(function: Callable) -> bool:
    """A function named for how it was made rather than what it does; the `view`
    function of a class-based view is named by its `view_class` instead."""
    if _view_class(function):
        return False
    named = _named(function)
    return named.__name__ in ANONYMOUS_NAMES or "<locals>" in named.__qualname__


def test_every_portal_view_keeps_its_name_and_docstring():
    checked, problems = 0, []
    for pattern, callback in url_callbacks():
        chain = wrapping_chain(callback)
        if not any(_is_portal_code(function) for function in chain):
            continue
        checked += 1
        for function in chain:
            if _anonymous(function):
                named = _named(function)
                problems.append(
                    f"{pattern}: {named.__module__}.{named.__qualname__} "
                    "(a decorator without functools.wraps)"
                )
        served, written = _identity(callback), _identity(chain[-1])
        if served != written:
            problems.append(
                f"{pattern}: served as {served[0]!r}, written as {written[0]!r}"
            )
    assert checked > 20, f"only {checked} portal views found: is the walk right?"
    problems = list(dict.fromkeys(problems))  # a wrapper shows through each wraps()
    assert not problems, "Views that lost their identity:\n  " + "\n  ".join(problems)


def document_list(request):
    """The documents."""


def test_the_check_sees_a_decorator_without_wraps():
    def careless(view):
        def wrapper(request, *args, **kwargs):
            return view(request, *args, **kwargs)

        wrapper.__name__ = view.__name__
        wrapper.__doc__ = view.__doc__
        return wrapper

    def careful(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            return view(request, *args, **kwargs)

        return wrapper

    assert _anonymous(careless(document_list))
    assert not any(map(_anonymous, wrapping_chain(careful(document_list))))
    assert _identity(careful(document_list)) == ("document_list", "The documents.")
