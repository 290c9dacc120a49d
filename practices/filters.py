"""Filters of the listing pages: validated from the URL, applied across all States.

The filters live in the query string so a filtered listing is a shareable link. A
value that does not exist gives an empty listing with a message naming the value,
never an error page.
"""

from __future__ import annotations

from django import forms
from django.core.paginator import Paginator
from django.db.models import Q
from django.utils.translation import gettext_lazy

from taggit.models import Tag

from portal.states.models import State
from practices.models.taxonomy import (
    AdditionalAction,
    Commitment,
    IAEADocument,
    Language,
)

PAGE_SIZE = 12

SORT_CHOICES = [
    ("-date", gettext_lazy("Newest first")),
    ("date", gettext_lazy("Oldest first")),
    ("title", gettext_lazy("Title (A to Z)")),
]


def _choice(label, queryset, field, empty_label, invalid):
    return forms.ModelChoiceField(
        label=label,
        queryset=queryset,
        to_field_name=field,
        required=False,
        empty_label=empty_label,
        error_messages={"invalid_choice": invalid},
    )


class ListingFilterForm(forms.Form):
    """Every filter any listing offers; each listing keeps the ones that apply."""

    state = _choice(
        gettext_lazy("State"),
        State.objects.filter(is_subscriber=True),
        "iso_code",
        gettext_lazy("All States"),
        gettext_lazy('No subscribing State has the code "%(value)s".'),
    )
    commitment = _choice(
        gettext_lazy("Commitment"),
        Commitment.objects.all(),
        "code",
        gettext_lazy("All commitments"),
        gettext_lazy(
            'There is no commitment "%(value)s" (use 1, 2, 2a to 2c, 3, 3a to 3c or 4).'
        ),
    )
    action = _choice(
        gettext_lazy("Additional action"),
        AdditionalAction.objects.all(),
        "number",
        gettext_lazy("All additional actions"),
        gettext_lazy(
            'There is no additional action "%(value)s" (they are numbered 1 to 14).'
        ),
    )
    document = _choice(
        gettext_lazy("IAEA document"),
        IAEADocument.objects.all(),
        "slug",
        gettext_lazy("All IAEA documents"),
        gettext_lazy('No IAEA document is known as "%(value)s".'),
    )
    topic = _choice(
        gettext_lazy("Topic"),
        Tag.objects.none(),  # set per request: only topics in use
        "slug",
        gettext_lazy("All topics"),
        gettext_lazy('No good practice has the topic "%(value)s".'),
    )
    language = _choice(
        gettext_lazy("Language"),
        Language.objects.all(),
        "code",
        gettext_lazy("All languages"),
        gettext_lazy('No language has the code "%(value)s".'),
    )
    event_type = forms.ChoiceField(
        required=False,
        label=gettext_lazy("Type"),
        error_messages={
            "invalid_choice": gettext_lazy('There is no event type "%(value)s".')
        },
    )
    stage = forms.ChoiceField(
        label=gettext_lazy("Stage"),
        required=False,
        error_messages={
            "invalid_choice": gettext_lazy('There is no stage "%(value)s".')
        },
    )
    year = forms.IntegerField(
        label=gettext_lazy("Year"),
        required=False,
        min_value=1950,
        max_value=2100,
        error_messages={
            "invalid": gettext_lazy("The year must be a number such as 2024."),
            "min_value": gettext_lazy("The year must be 1950 or later."),
            "max_value": gettext_lazy("The year must be 2100 or earlier."),
        },
    )
    sort = forms.ChoiceField(
        choices=SORT_CHOICES,
        required=False,
        label=gettext_lazy("Sort by"),
        error_messages={
            "invalid_choice": gettext_lazy(
                'Listings sort by "-date", "date" or "title", not "%(value)s".'
            )
        },
    )

    def __init__(self, data, *, filters, choices=None):
        super().__init__(data)
        if "topic" in filters:
            self.fields["topic"].queryset = public_topics()
        for name in list(self.fields):
            if name not in filters and name != "sort":
                del self.fields[name]
        for name, (empty_label, field_choices) in (choices or {}).items():
            if name in self.fields:
                self.fields[name].choices = [("", empty_label), *field_choices]


def public_topics():
    """The topics of live, public good practices only.

    A draft's or a view-restricted page's tags would otherwise name, in every
    visitor's topic list, subjects that are not published yet.
    """
    from practices.models import GoodPracticePage

    published = GoodPracticePage.objects.live().public().values("pk")
    return (
        Tag.objects.filter(
            practices_goodpracticepagetag_items__content_object__in=published
        )
        .distinct()
        .order_by("name")
    )


def apply_filters(queryset, cleaned_data, *, lookups, date_field):
    """Narrow `queryset` by every filter given; a filter may match several lookups.

    Multi-valued lookups (States involved, commitments and their parents) are
    combined through a sub-query on primary keys, so no row is repeated and no
    DISTINCT is needed on the page table.
    """
    model = queryset.model
    for name, value in cleaned_data.items():
        if name in {"sort", "year"} or value in (None, ""):
            continue
        match = Q()
        for lookup in lookups[name]:
            match |= Q(**{lookup: value})
        queryset = queryset.filter(pk__in=model.objects.filter(match).values("pk"))
    year = cleaned_data.get("year")
    if year:
        queryset = queryset.filter(**{f"{date_field}__year": year})
    sort = cleaned_data.get("sort") or "-date"
    if sort == "title":
        return queryset.order_by("title", "pk")
    prefix = "-" if sort.startswith("-") else ""
    return queryset.order_by(f"{prefix}{date_field}", "title", "pk")


def listing_context(request, queryset, *, filters, lookups, date_field, choices=None):
    """The context of a listing page: its form, errors, active filters and one page."""
    form = ListingFilterForm(request.GET or None, filters=filters, choices=choices)
    if form.is_bound and not form.is_valid():
        errors = [
            f"{form.fields[name].label or name.capitalize()}: {message}"
            for name, messages in form.errors.items()
            for message in messages
        ]
        results = queryset.none()
        active = []
    else:
        cleaned = form.cleaned_data if form.is_bound else {}
        errors = []
        results = apply_filters(
            queryset, cleaned, lookups=lookups, date_field=date_field
        )
        active = [
            (form.fields[name].label or name.capitalize(), _label(form, name, value))
            for name, value in cleaned.items()
            if name != "sort" and value not in (None, "")
        ]
    paginator = Paginator(results, PAGE_SIZE)
    page_obj = paginator.get_page(request.GET.get("page"))
    return {
        "filter_form": form,
        "filter_errors": errors,
        "active_filters": active,
        "page_obj": page_obj,
        "results": page_obj.object_list,
        "result_count": paginator.count,
    }


def _label(form, name, value) -> str:
    field = form.fields[name]
    if isinstance(field, forms.ChoiceField) and not isinstance(
        field, forms.ModelChoiceField
    ):
        # A form field's choices are normalised to pairs; the stubs type them as
        # whatever may be passed in.
        return dict(field.choices).get(value, str(value))  # type: ignore[arg-type]
    return str(value)
