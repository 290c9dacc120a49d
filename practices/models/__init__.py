"""Wagtail page types and taxonomy of the public portal, a module per concern."""

from practices.models.taxonomy import (  # isort: skip  (pages import the taxonomy)
    AdditionalAction,
    Commitment,
    IAEADocument,
    Language,
)
from practices.models.events import EventIndexPage, EventPage, EventType
from practices.models.good_practices import (
    GoodPracticeIndexPage,
    GoodPracticePage,
    GoodPracticePageTag,
)
from practices.models.guidance import (
    GuidanceContributionPage,
    GuidanceIndexPage,
    GuidanceStage,
)
from practices.models.home import HomePage
from practices.models.information import InformationPage
from practices.models.states import StatePage, StatesIndexPage

__all__ = [
    "AdditionalAction",
    "Commitment",
    "EventIndexPage",
    "EventPage",
    "EventType",
    "GoodPracticeIndexPage",
    "GoodPracticePage",
    "GoodPracticePageTag",
    "GuidanceContributionPage",
    "GuidanceIndexPage",
    "GuidanceStage",
    "HomePage",
    "IAEADocument",
    "InformationPage",
    "Language",
    "StatePage",
    "StatesIndexPage",
]
