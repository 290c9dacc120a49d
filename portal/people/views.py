"""The people directory, a person's own entry in it, and the sharing type-ahead.

Who appears is `exchange.policy.visible_people`; who may look is
`exchange.policy.may_see_people`. Anyone else gets the 404 of a missing page (the
JSON endpoint a JSON 404), so the pages do not tell who is an expert.
"""

from __future__ import annotations

from functools import reduce
from operator import and_

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from exchange import policy
from portal.accounts.decorators import role_required, verified_session_required
from portal.accounts.roles import Role
from portal.api.views import not_found_json
from portal.people.actions import entry_of, update_directory_entry
from portal.people.forms import DirectoryEntryForm, DirectoryFilterForm
from portal.tiers import TIER_ORDER, Tier

PAGE_SIZE = 50
SUGGESTIONS = 20


def matching(people: QuerySet, text: str, *, areas: bool = False) -> QuerySet:
    """`people` whose names (and areas, when asked) hold every word of `text`."""
    words = text.split()[:5]
    if not words:
        return people

    def word(w: str) -> Q:
        q = Q(first_name__icontains=w) | Q(last_name__icontains=w)
        if areas:
            q |= Q(directory_entry__areas__icontains=w)
        return q

    return people.filter(reduce(and_, (word(w) for w in words)))


def _ordered(people: QuerySet) -> QuerySet:
    return people.select_related("state", "directory_entry").order_by(
        "last_name", "first_name", "pk"
    )


@require_GET
@role_required(Role.VETTED_EXPERT)
def directory(request: HttpRequest) -> HttpResponse:
    viewer = policy.viewer_for(request)
    if not policy.may_see_people(viewer):
        # The role without a current vetting: the page does not exist for them.
        raise Http404("No such page.")
    form = DirectoryFilterForm(request.GET or None)
    people = policy.visible_people(viewer)
    if form.is_valid():
        people = matching(people, form.cleaned_data["q"], areas=True)
        if form.cleaned_data["state"] is not None:
            people = people.filter(state=form.cleaned_data["state"])
    page = Paginator(_ordered(people), PAGE_SIZE).get_page(request.GET.get("page"))
    shared = policy.shared_groups_by_person(viewer, page)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "people/directory.html",
        {
            "form": form,
            "page": page,
            "rows": [(person, shared[person.pk]) for person in page],
            "query": query.urlencode(),
        },
    )


@require_http_methods(["GET", "POST"])
@verified_session_required
def directory_entry(request: HttpRequest) -> HttpResponse:
    """The person's own entry: listed or not, and the areas they give."""
    entry = entry_of(request.user)
    form = DirectoryEntryForm(request.POST or None, instance=entry)
    if request.method == "POST" and form.is_valid():
        update_directory_entry(
            request.user,
            listed=form.cleaned_data["listed"],
            areas=form.cleaned_data["areas"],
            request=request,
        )
        messages.success(request, _("Your directory entry is saved."))
        return redirect("accounts:profile")
    return render(
        request,
        "people/directory_entry.html",
        {"form": form},
        status=400 if form.errors else 200,
    )


def person_choice(person, *, you: int | None = None) -> dict:
    """A person as the sharing form's type-ahead shows them: name, State, and for
    each tier whether a document of it would reach them by name."""
    return {
        "id": person.pk,
        "name": person.display_name,
        "you": person.pk == you,
        "state": person.state.name if person.state else "",
        "state_code": person.state.iso_code if person.state else "",
        "fits": {tier: policy.may_be_named_at(person, tier) for tier in TIER_ORDER},
    }


@require_GET
def people_search(request: HttpRequest) -> JsonResponse:
    """Vetted experts whose names hold the words typed, for the sharing form.

    A JSON 404 to anyone the directory is not for: no redirect, nothing listed.
    """
    viewer = policy.viewer_for(request)
    if not policy.may_see_people(viewer):
        return not_found_json()
    text = request.GET.get("q", "").strip()[:100]
    people = matching(policy.visible_people(viewer), text) if text else None
    results = [] if people is None else list(_ordered(people)[:SUGGESTIONS])
    tier = request.GET.get("tier", "")
    return JsonResponse(
        {
            "tier": tier if tier in Tier.values else None,
            "results": [person_choice(p, you=viewer.user_id) for p in results],
        }
    )
