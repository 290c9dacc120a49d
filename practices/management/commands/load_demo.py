"""Load the demonstration content; running it again duplicates nothing."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.db import transaction

from wagtail.models import Page, Site

from exchange.coordination.demo import ensure_demo_coordination
from exchange.demo import ensure_demo_exchange
from portal.accounts.demo import ensure_demo_accounts
from portal.states.models import State
from portal.states.register import ensure_subscribing_states
from practices.models import HomePage
from practices.progress.demo import ensure_demo_progress
from search.demo import demo_indexing

HOME_TITLE = "Strengthening Nuclear Security Implementation"
HOME_LEAD = (
    "Thirty-five States committed in 2014 to embed the IAEA Nuclear Security "
    "Fundamentals and recommendations in national rules, host peer reviews, and share "
    "good practices while respecting confidentiality. This portal shows their progress."
)


class Command(BaseCommand):
    help = "Load demonstration content (idempotent)."

    def handle(self, *args, **options) -> None:
        with demo_indexing(self.stdout.write):
            self.load_everything()

    def load_everything(self) -> None:
        with transaction.atomic():
            ensure_subscribing_states(State)
            home = self.ensure_home_page()
        self.stdout.write(self.style.SUCCESS(f"Home page ready: {home.title}"))
        self.load_public_content(home)
        # After the State pages: editors are granted their State's pages on creation.
        with transaction.atomic():
            logins = ensure_demo_accounts()
        ensure_demo_exchange(write=self.stdout.write)
        ensure_demo_coordination(write=self.stdout.write)
        self.stdout.write(
            f"Progress records created: {ensure_demo_progress() or 'none'}"
        )
        self.write_demo_logins(logins)

    def load_public_content(self, home: HomePage) -> None:
        from practices.demo import load_demo_content

        load_demo_content(home, self.stdout.write)

    def write_demo_logins(self, logins) -> None:
        self.stdout.write("Demo accounts (sign in at /accounts/login/):")
        for login in logins:
            roles = ", ".join(role.value for role in login.account.roles)
            self.stdout.write(
                f"  {roles:<36} {login.account.email:<34} "
                f"password {login.account.password:<30} TOTP secret {login.secret}"
            )
        self.stdout.write(
            "Current code: ./.venv/bin/python manage.py demo_totp <email>"
        )

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
