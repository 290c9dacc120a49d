"""The upload form preselects no tier: the expert chooses one every time."""

from __future__ import annotations

import re

from django.test import Client
from django.urls import reverse

import pytest

from exchange.models import Document
from tests.exchange.conftest import make_expert, text_upload
from tests.support import login_verified

pytestmark = pytest.mark.django_db


def test_the_upload_form_has_no_tier_chosen():
    client = login_verified(Client(), make_expert("NL"))
    html = client.get(reverse("exchange:create")).content.decode()
    select = re.search(r'<select name="tier".*?</select>', html, re.S).group(0)
    # Only the prompt is selected: no tier is.
    assert re.findall(r"<option[^>]*selected[^>]*>([^<]*)<", select) == [
        "Choose a tier"
    ]
    assert 'value="public"' in select and 'value="confidential"' in select


def test_an_upload_without_a_tier_is_refused_and_keeps_what_was_typed():
    client = login_verified(Client(), make_expert("NL"))
    response = client.post(
        reverse("exchange:create"),
        {"title": "Exercise findings", "description": "Kept", "file": text_upload()},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Choose the tier of this document." in html
    assert 'value="Exercise findings"' in html and "Kept</textarea>" in html
    assert not Document.objects.exists()

    chosen = client.post(
        reverse("exchange:create"),
        {"title": "Exercise findings", "tier": "restricted", "file": text_upload()},
    )
    assert chosen.status_code == 302
    assert Document.objects.get().tier == "restricted"
