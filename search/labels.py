"""Facet values in words: "2b. ..." for commitment 2b, "English" for en.

The index stores codes, which filters and links keep; people read the names. The
names come from the taxonomy in the database, looked up once per search for the
values shown only.
"""

from __future__ import annotations

from django.apps import apps

from search.query import FacetValue

# facet name -> (model label, field holding the code); str(model) is the label.
TAXONOMY_FACETS = {
    "commitments": ("practices.Commitment", "code"),
    "actions": ("practices.AdditionalAction", "number"),
    "iaea_documents": ("practices.IAEADocument", "slug"),
    "language": ("practices.Language", "code"),
}
# Index values that read as words once underscores are spaces ("good_practice").
WORDED_FACETS = {"type", "tier"}


def worded(value: str) -> str:
    return str(value).replace("_", " ").capitalize()


def label_facets(facets: dict[str, list[FacetValue]]) -> None:
    """Set each facet value's `label`, in place; unknown codes keep the code."""
    for name, values in facets.items():
        if name in WORDED_FACETS:
            names = {v.value: worded(v.value) for v in values}
        elif name in TAXONOMY_FACETS:
            label, field = TAXONOMY_FACETS[name]
            model = apps.get_model(label)
            wanted = [v.value for v in values]
            names = {
                str(getattr(obj, field)): str(obj)
                for obj in model.objects.filter(**{f"{field}__in": wanted})
            }
        else:
            names = {}
        for value in values:
            value.label = names.get(value.value, value.value)
