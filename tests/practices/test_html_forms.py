"""The fields read from a form's HTML are what a browser would send: posting them
back saves a Wagtail page as its edit form does (the load benchmark's editors)."""

from __future__ import annotations

from django.urls import reverse

import pytest

from portal.accounts.roles import Role
from portal.core.html_forms import form_fields
from practices.models import StatePage
from practices.permissions import grant_state_editing
from tests.practices import factories
from tests.support import login_verified

FORM = """
<form id="other"><input name="elsewhere" value="no"></form>
<form id="edit" method="post">
  <input type="hidden" name="csrfmiddlewaretoken" value="token">
  <input name="title" value="A &amp; B">
  <input type="checkbox" name="ticked" checked>
  <input type="checkbox" name="unticked" value="1">
  <input name="off" value="x" disabled>
  <input type="submit" name="action-publish" value="Publish">
  <textarea name="notes">
first line</textarea>
  <select name="language"><option value="en">English</option>
    <option value="fr">French</option></select>
  <select name="state"><option value="1">NL</option>
    <option value="2" selected>FI</option></select>
</form>
<input name="outside" value="yes" form="edit">
"""


def test_fields_are_those_a_browser_submits():
    assert form_fields(FORM, "edit") == [
        ("csrfmiddlewaretoken", "token"),
        ("title", "A & B"),
        ("ticked", "on"),
        ("notes", "first line"),
        ("language", "en"),
        ("state", "2"),
        ("outside", "yes"),
    ]


@pytest.mark.django_db
def test_posting_the_edit_form_back_saves_a_draft(client, site):
    editor = factories.user_with_role("editor@nl.example", Role.STATE_EDITOR, "NL")
    grant_state_editing(editor)
    login_verified(client, editor)
    page = StatePage.objects.get(state__iso_code="NL")
    page.profile = "<p>The national <b>regime</b>.</p>"
    page.save_revision().publish()
    url = reverse("wagtailadmin_pages:edit", args=(page.pk,))
    fields = [
        (name, "Authority for the draft" if name == "competent_authority" else value)
        for name, value in form_fields(
            client.get(url).content.decode(), "page-edit-form"
        )
    ]
    data: dict[str, list[str]] = {}
    for name, value in fields:
        data.setdefault(name, []).append(value)

    response = client.post(url, data)

    assert response.status_code == 302, response.content.decode()[:2000]
    page.refresh_from_db()
    draft = page.get_latest_revision_as_object()
    assert draft.competent_authority == "Authority for the draft"
    # The rich text went through the editor's hidden field and came back whole.
    assert "The national <b>regime</b>." in draft.profile
    assert page.competent_authority != "Authority for the draft"  # a draft, not live
