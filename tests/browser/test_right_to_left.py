"""Arabic reads right to left: the same stylesheet mirrors the layout.

The stylesheet is written with logical properties (`border-inline-start`,
`padding-inline-start`, `text-align: start`...), so a page under `/ar/` mirrors
without a second stylesheet: the accent bar of an entry point is on the right,
the text starts on the right, the skip link appears at the right edge. Screenshots
of the home page in English and in Arabic are kept beside the run.
"""

from __future__ import annotations

import pytest

from practices.actions import ensure_site_structure
from practices.management.commands.load_demo import Command
from tests.browser.test_practices_pages import assert_accessible, shoot
from tests.practices import factories

pytestmark = pytest.mark.browser

ENTRY_POINT = """() => {
  const link = document.querySelector('.entry-points a');
  const box = link.getBoundingClientRect();
  const style = getComputedStyle(link);
  return {
    dir: document.documentElement.dir,
    lang: document.documentElement.lang,
    left: parseFloat(style.borderLeftWidth),
    right: parseFloat(style.borderRightWidth),
    align: style.textAlign,
    width: window.innerWidth,
    box: [box.left, box.right],
  };
}"""

SKIP_LINK = """() => {
  const box = document.querySelector('.skip-link').getBoundingClientRect();
  return [box.left, box.right, window.innerWidth];
}"""


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_arabic_pages_mirror_the_layout(live_server, page):
    home = Command().ensure_home_page()
    ensure_site_structure(home, iso_codes=["NL", "FI"])
    factories.good_practice("NL", title="Securing radioactive sources in transit")
    page.set_viewport_size({"width": 1280, "height": 900})

    page.goto(live_server.url + "/")
    english = page.evaluate(ENTRY_POINT)
    assert (english["dir"], english["lang"]) == ("ltr", "en")
    assert english["left"] == 5 and english["right"] == 1
    shoot(page, "home-en")

    page.goto(live_server.url + "/ar/")
    arabic = page.evaluate(ENTRY_POINT)
    assert (arabic["dir"], arabic["lang"]) == ("rtl", "ar")
    # The accent bar moved to the right; the text starts at the right.
    assert arabic["left"] == 1 and arabic["right"] == 5
    assert arabic["align"] in ("start", "right")
    shoot(page, "home-ar")
    assert_accessible(page, "home-ar")

    # Focused, the skip link shows at the start of the line: the right edge.
    page.keyboard.press("Tab")
    left, right, width = page.evaluate(SKIP_LINK)
    assert right == pytest.approx(width, abs=2) and left > width / 2

    page.goto(live_server.url + "/ar/good-practices/")
    assert page.evaluate("document.documentElement.dir") == "rtl"
    shoot(page, "good-practices-ar")
