"""Atom feeds of newly published good practices, for all States and for one State.

Only live, public pages are ever listed: drafts and pages awaiting moderation are
not in the queryset at all.
"""

from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.utils.feedgenerator import Atom1Feed

from portal.states.models import State
from practices.models import GoodPracticePage

FEED_SIZE = 50


class GoodPracticesFeed(Feed):
    feed_type = Atom1Feed
    description_template = None

    def get_object(self, request, iso_code=None):
        self.request = request
        if iso_code is None:
            return None
        return get_object_or_404(State, iso_code=iso_code.upper(), is_subscriber=True)

    def title(self, state):
        if state is None:
            return "Good practices: Nuclear Security Implementation Portal"
        return f"Good practices of {state.name}: Nuclear Security Implementation Portal"

    def subtitle(self, state):
        return "Newly published good practices of the subscribing States."

    def link(self, state):
        return (
            f"/feeds/good-practices/{state.iso_code.lower()}/"
            if state
            else "/feeds/good-practices/"
        )

    def items(self, state):
        pages = GoodPracticePage.objects.live().public().select_related("state")
        if state is not None:
            pages = pages.filter(state=state)
        return pages.order_by("-first_published_at")[:FEED_SIZE]

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        return item.summary

    def item_link(self, item):
        return item.get_url(request=self.request)

    def item_pubdate(self, item):
        return item.first_published_at

    def item_updateddate(self, item):
        return item.last_published_at

    def item_author_name(self, item):
        return item.state.name if item.state_id else None

    def item_categories(self, item):
        return [f"Commitment {c.code}" for c in item.commitments.all()]
