"""The public content of the portal: States, good practices, guidance and events."""

from django.apps import AppConfig

# Page types found by the portal's search box, and the result type they show as.
SEARCH_PAGE_TYPES = {
    "practices.GoodPracticePage": "good_practice",
    "practices.GuidanceContributionPage": "guidance",
    "practices.EventPage": "event",
    "practices.StatePage": "state",
}


class PracticesConfig(AppConfig):
    name = "practices"
    verbose_name = "Good practices"

    def ready(self):
        from practices import protection, signals

        protection.connect_signals()
        signals.connect_signals()
        self.register_search_types()

    @staticmethod
    def register_search_types() -> None:
        # The content app tells search which of its pages are public results, not
        # the other way round: search stays a generic service that knows no content
        # model, and a new page type is indexed by a change here alone.
        from search.documents import register_page_type

        for label, type_name in SEARCH_PAGE_TYPES.items():
            register_page_type(label, type_name)
