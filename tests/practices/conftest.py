"""A small public site: the home page, the indexes and three State pages."""

from __future__ import annotations

import pytest

from practices.actions import ensure_site_structure
from practices.management.commands.load_demo import Command

SITE_STATES = ["NL", "FI", "FR"]


@pytest.fixture
def site(db):
    home = Command().ensure_home_page()
    return ensure_site_structure(home, iso_codes=SITE_STATES)
