"""A Dutch expert shares a PDF with Belgium; a Belgian expert downloads it watermarked.

A German expert, not reached by the sharing, gets a 404 and an empty list. The portal
is served by uvicorn, as in production, so upload and download take the ASGI path
(the download is an asynchronous stream there).
"""

from __future__ import annotations

import io

import pytest
from axe_playwright_python.sync_playwright import Axe
from pypdf import PdfReader

from exchange.pdf import make_text_pdf
from portal.audit.models import AuditEvent
from tests.browser.conftest import choose_by_name, signed_in_context
from tests.exchange.conftest import make_expert
from tests.support import artifact_path, served_test_portal

pytestmark = pytest.mark.browser

TITLE = "Transport security exercise 2026: after-action report"


def _no_accessibility_violations(page) -> None:
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_pdf_shared_with_another_state_is_downloaded_with_a_watermark(browser):
    with served_test_portal(log_name="exchange-server.log") as server:
        _share_download_and_deny(browser, server)


def _share_download_and_deny(browser, server):
    dutch = make_expert("NL", first_name="Pieter", last_name="de Vries")
    belgian = make_expert("BE", first_name="Anneke", last_name="Peeters")
    german = make_expert("DE", first_name="Jonas", last_name="Becker")

    # The Dutch expert uploads a PDF and shares it with Belgium.
    context = signed_in_context(browser, server.url, dutch)
    page = context.new_page()
    page.goto(f"{server.url}/exchange/new/")
    page.get_by_label("Title").fill(TITLE)
    page.get_by_label("Tier").select_option("confidential")
    page.get_by_label("File").set_input_files(
        {
            "name": "after-action report.pdf",
            "mimeType": "application/pdf",
            "buffer": make_text_pdf(TITLE, ["Findings and recommendations."]),
        }
    )
    choose_by_name(page, "Share with States", "belg", "Belgium")
    page.screenshot(path=artifact_path("exchange-upload.png"), full_page=True)
    _no_accessibility_violations(page)
    page.get_by_role("button", name="Share").click()
    page.wait_for_url("**/exchange/*/")
    assert page.locator("h1").inner_text() == TITLE
    detail_url = page.url
    context.close()

    # The Belgian expert finds it, opens it and downloads it.
    context = signed_in_context(browser, server.url, belgian)
    page = context.new_page()
    page.goto(f"{server.url}/exchange/")
    page.screenshot(path=artifact_path("exchange-list.png"), full_page=True)
    _no_accessibility_violations(page)
    page.get_by_role("link", name=TITLE).click()
    page.wait_for_url(detail_url)
    page.screenshot(path=artifact_path("exchange-detail.png"), full_page=True)
    _no_accessibility_violations(page)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="after-action report.pdf").click()
    download = download_info.value
    assert download.suggested_filename == "after-action report.pdf"
    path = download.path()
    with open(path, "rb") as handle:
        text = "\n".join(
            p.extract_text() for p in PdfReader(io.BytesIO(handle.read())).pages
        )
    event = AuditEvent.objects.get(action="exchange.document.downloaded")
    assert event.actor == belgian
    assert "Anneke Peeters" in text and "Belgium" in text
    assert event.details["download_id"] in text
    assert TITLE in text
    context.close()

    # The German expert is not reached by the sharing: 404, and nothing listed.
    context = signed_in_context(browser, server.url, german)
    page = context.new_page()
    response = page.goto(detail_url)
    assert response.status == 404
    assert TITLE not in page.content()
    page.goto(f"{server.url}/exchange/")
    assert TITLE not in page.content()
    assert "0 documents" in page.content()
    page.screenshot(path=artifact_path("exchange-third-state.png"), full_page=True)
    context.close()
