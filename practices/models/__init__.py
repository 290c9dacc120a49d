"""Wagtail page types and taxonomy of the public portal, a module per concern."""

from practices.models.home import HomePage
from practices.models.taxonomy import AdditionalAction, Commitment

__all__ = ["AdditionalAction", "Commitment", "HomePage"]
