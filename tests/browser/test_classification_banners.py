"""The classification banner in a browser: readable, accessible, and on paper.

A Belgian expert opens a confidential document's page. The banner at its top and
bottom names the tier in words (not colour alone), passes axe-core, and printing
keeps both: under print media they are shown and fixed to every sheet, and the PDF
Chromium prints carries the tier on each of its pages.
"""

from __future__ import annotations

import io

import pytest
from axe_playwright_python.sync_playwright import Axe
from pypdf import PdfReader

from tests.browser.conftest import signed_in_context
from tests.exchange.conftest import make_expert, share
from tests.support import artifact_path, served_test_portal

pytestmark = pytest.mark.browser

TITLE = "Insider threat programme review"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_banner_is_read_in_words_and_kept_when_printing(browser):
    with served_test_portal(log_name="classification-server.log") as server:
        owner = make_expert("NL", clearance="highly_confidential")
        reader = make_expert("BE", first_name="Anneke", last_name="Peeters")
        document = share(
            owner,
            tier="confidential",
            title=TITLE,
            description="\n\n".join(
                f"Finding {n}: a long paragraph." for n in range(90)
            ),
            states=[reader.state],
        )
        context = signed_in_context(browser, server.url, reader)
        page = context.new_page()
        page.goto(f"{server.url}{document.get_absolute_url()}")
        top = page.locator("header .classification-top")
        bottom = page.locator("footer .classification-bottom")
        for banner in (top, bottom):
            assert banner.is_visible()
            assert banner.locator(".classification-tier").inner_text() == "CONFIDENTIAL"
            assert banner.get_attribute("role") == "note"
        page.screenshot(path=artifact_path("classification-screen.png"), full_page=True)
        results = Axe().run(page)  # colour contrast included
        assert results.violations_count == 0, results.generate_report()

        page.emulate_media(media="print")
        for banner, edge in ((top, "top"), (bottom, "bottom")):
            assert banner.is_visible()
            style = banner.evaluate(
                "(e, edge) => { const s = getComputedStyle(e);"
                " return [s.position, s[edge], s.printColorAdjust]; }",
                edge,
            )
            assert style == ["fixed", "0px", "exact"]
        printed = page.pdf(format="A4", print_background=True)
        artifact_path("classification-print.pdf").write_bytes(printed)
        pages = PdfReader(io.BytesIO(printed)).pages
        assert len(pages) > 1
        for number, sheet in enumerate(pages, start=1):
            text = sheet.extract_text()
            assert text.count("CONFIDENTIAL") >= 2, f"sheet {number}: {text[:200]}"
        context.close()
