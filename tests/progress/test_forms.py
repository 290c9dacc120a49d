"""The record form names people by name, and only those the editor may choose."""

from __future__ import annotations

import pytest

from exchange.actions import change_partner_group
from exchange.models import PartnerGroup
from portal.accounts.roles import Role
from practices.progress import actions
from practices.progress.models import CommitmentStatus
from tests.progress.conftest import make_person, verified_viewer
from tests.support import login_verified

pytestmark = pytest.mark.django_db
ADD = "/progress/manage/commitments/add/"
HC = "highly_confidential"


@pytest.fixture
def cast():
    editor = make_person(
        "NL", roles=(Role.STATE_EDITOR,), clearance=HC, name="Eva Editor"
    )
    compatriot = make_person("NL", clearance=HC, name="Noor Dekker")
    partner = make_person("FR", clearance=HC, name="Paul Martin")
    stranger = make_person("BE", clearance=HC, name="Sara Stranger")
    lapsed = make_person("NL", clearance=HC, vetted=False, name="Lars Lapsed")
    below = make_person("NL", clearance="confidential", name="Bram Below")
    group = PartnerGroup.objects.create(name="Transport", slug="transport")
    change_partner_group(group, add_members=[editor, partner], by=None)
    return {
        "editor": editor,
        "compatriot": compatriot,
        "partner": partner,
        "stranger": stranger,
        "lapsed": lapsed,
        "below": below,
    }


def _choices(client, url=ADD) -> str:
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    start = html.index('name="shared_with_users"')
    return html[start : html.index("</select>", start)]


def test_the_form_lists_names_not_addresses(client, cast):
    choices = _choices(login_verified(client, cast["editor"]))
    assert "Noor Dekker (NL)" in choices
    assert "Paul Martin (FR)" in choices
    assert "@" not in choices
    page = client.get(ADD).content.decode()
    for person in ("compatriot", "partner", "stranger", "lapsed", "below"):
        assert cast[person].email not in page


def test_only_people_the_editor_works_with_and_cleared_to_it_are_listed(client, cast):
    choices = _choices(login_verified(client, cast["editor"]))
    for absent in ("Sara Stranger", "Lars Lapsed", "Bram Below"):
        assert absent not in choices


def test_an_editor_who_cannot_set_the_tier_is_offered_nobody(client, cast):
    editor = make_person("NL", roles=(Role.STATE_EDITOR,), clearance="confidential")
    choices = _choices(login_verified(client, editor))
    assert "<option" not in choices


def test_naming_someone_not_offered_is_refused_and_nothing_is_stored(client, cast):
    login_verified(client, cast["editor"])
    response = client.post(
        ADD,
        {
            "commitment": "1",
            "status": "implemented",
            "tier": HC,
            "shared_with_users": [str(cast["stranger"].pk)],
        },
    )
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert not CommitmentStatus.objects.exists()

    response = client.post(
        ADD,
        {
            "commitment": "1",
            "status": "implemented",
            "tier": HC,
            "shared_with_users": [str(cast["partner"].pk)],
        },
    )
    assert response.status_code == 302
    record = CommitmentStatus.objects.get()
    assert set(record.shared_with_users.all()) == {cast["editor"], cast["partner"]}


def test_people_a_record_already_names_stay_listed_and_named(client, cast):
    editor = cast["editor"]
    record = actions.create_record(
        CommitmentStatus,
        by=editor,
        viewer=verified_viewer(editor),
        values={
            "commitment": "2a",
            "status": "in_progress",
            "statement": "",
            "evidence": "",
            "tier": HC,
        },
        sharing={"shared_with_users": [cast["partner"].pk]},
    )
    # The partner leaves the group: no longer offered, but still named on the record.
    change_partner_group(
        PartnerGroup.objects.get(slug="transport"),
        remove_members=[cast["partner"]],
        by=None,
    )
    url = f"/progress/manage/commitments/{record.pk}/"
    choices = _choices(login_verified(client, editor), url)
    assert "Paul Martin (FR)" in choices
    response = client.post(
        url,
        {
            "commitment": "2a",
            "status": "implemented",
            "tier": HC,
            "shared_with_users": [str(editor.pk), str(cast["partner"].pk)],
        },
    )
    assert response.status_code == 302
    assert cast["partner"] in record.shared_with_users.all()
