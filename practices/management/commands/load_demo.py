"""Load the demonstration content; running it again duplicates nothing."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.db import transaction

from wagtail.models import Page, Site

from exchange.demo import ensure_demo_exchange
from portal.states.models import State
from portal.states.register import ensure_subscribing_states
from practices.models import HomePage

HOME_TITLE = "Strengthening Nuclear Security Implementation"
HOME_LEAD = (
    "Thirty-five States committed in 2014 to embed the IAEA Nuclear Security "
    "Fundamentals and recommendations in national rules, host peer reviews, and share "
    "good practices while respecting confidentiality. This portal shows their progress."
)


class Command(BaseCommand):
    help = "Load demonstration content (idempotent)."

    def handle(self, *args, **options) -> None:
        with transaction.atomic():
            ensure_subscribing_states(State)
            home = self.ensure_home_page()
        self.stdout.write(self.style.SUCCESS(f"Home page ready: {home.title}"))
        ensure_demo_exchange(write=self.stdout.write)

    def ensure_home_page(self) -> HomePage:
        home = HomePage.objects.first()
        if home is None:
            root = Page.get_first_root_node() or Page.add_root(
                instance=Page(title="Root", slug="root", live=True)
            )
            # Wagtail's first migration creates a placeholder welcome page: replace it.
            for placeholder in root.get_children():
                Site.objects.filter(root_page=placeholder).delete()
                placeholder.delete()
            home = root.add_child(
                instance=HomePage(title=HOME_TITLE, slug="home", lead=HOME_LEAD)
            )
            home.save_revision().publish()
        site = Site.objects.filter(is_default_site=True).first()
        if site is None:
            Site.objects.create(
                hostname="localhost",
                port=80,
                root_page=home,
                is_default_site=True,
                site_name="Nuclear Security Implementation Portal",
            )
        elif site.root_page_id != home.pk:
            site.root_page = home
            site.save()
        return home
