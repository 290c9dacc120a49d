"""An editor of one State edits only under that State, and uploads to its collection."""

from __future__ import annotations

from django.urls import reverse

from wagtail.documents.permissions import permission_policy as document_policy
from wagtail.images.permissions import permission_policy as image_policy

import pytest

from portal.accounts.roles import Role
from practices.models import GoodPracticePage, StatePage
from practices.permissions import (
    NoStateToEdit,
    grant_state_editing,
    revoke_state_editing,
    state_group_name,
)
from tests.practices import factories
from tests.practices.test_moderation import add_url, practice_form
from tests.support import login_verified

pytestmark = pytest.mark.django_db


@pytest.fixture
def dutch_editor(site):
    user = factories.user_with_role("editor@nl.example", Role.STATE_EDITOR, "NL")
    grant_state_editing(user)
    return user


def test_each_state_has_its_group_and_collection(site):
    page = factories.state_page("FI")
    assert page.collection.name == "Finland"
    group = page.collection.group_permissions.first().group
    assert group.name == state_group_name(page.state) == "Editors: Finland"
    codenames = set(
        group.page_permissions.filter(page=page).values_list(
            "permission__codename", flat=True
        )
    )
    assert codenames == {"add_page", "change_page"}  # never publish_page


def test_editor_can_draft_under_own_state(client, dutch_editor):
    login_verified(client, dutch_editor)
    form = client.get(add_url("NL"))
    assert form.status_code == 200
    assert b"What it serves" in form.content
    assert client.get(add_url("FI")).status_code in {302, 403}
    response = client.post(add_url("NL"), practice_form("own-state"))
    assert response.status_code == 302
    page = GoodPracticePage.objects.get(slug="own-state")
    assert page.get_parent().specific.state.iso_code == "NL"
    assert page.state.iso_code == "NL"


def test_editor_cannot_create_under_another_state(client, dutch_editor):
    login_verified(client, dutch_editor)
    response = client.post(add_url("FI"), practice_form("foreign"))
    assert response.status_code in {302, 403}
    assert not GoodPracticePage.objects.filter(slug="foreign").exists()


def test_editor_cannot_edit_or_publish_another_states_page(client, dutch_editor):
    finnish = factories.good_practice("FI", title="Finnish original")
    login_verified(client, dutch_editor)
    edit = reverse("wagtailadmin_pages:edit", args=(finnish.pk,))
    assert client.get(edit).status_code in {302, 403}
    data = practice_form(finnish.slug, action="action-publish")
    data["title"] = "Defaced"
    client.post(edit, data)
    finnish.refresh_from_db()
    assert finnish.title == "Finnish original"
    assert finnish.get_latest_revision().as_object().title == "Finnish original"
    perms = finnish.permissions_for_user(dutch_editor)
    assert not perms.can_edit() and not perms.can_publish()
    own = factories.state_page("NL").permissions_for_user(dutch_editor)
    assert own.can_add_subpage() and not own.can_publish()


def test_editor_uploads_only_to_own_collection(dutch_editor):
    nl = StatePage.objects.get(state__iso_code="NL").collection
    assert list(
        image_policy.collections_user_has_permission_for(dutch_editor, "add")
    ) == [nl]
    assert list(
        document_policy.collections_user_has_permission_for(dutch_editor, "add")
    ) == [nl]


def test_grant_refuses_users_without_an_editing_role(site):
    expert = factories.user_with_role("expert@nl.example", Role.VETTED_EXPERT, "NL")
    with pytest.raises(NoStateToEdit):
        grant_state_editing(expert)
    stateless = factories.user_with_role("x@example.org", Role.STATE_EDITOR)
    with pytest.raises(NoStateToEdit):
        grant_state_editing(stateless)


def test_grant_moves_and_revoke_removes(site):
    user = factories.user_with_role("fp@fi.example", Role.FOCAL_POINT, "NL")
    grant_state_editing(user)
    user.state = factories.state_page("FI").state
    user.save()
    grant_state_editing(user)
    names = set(user.groups.values_list("name", flat=True))
    assert "Editors: Finland" in names and "Editors: Netherlands" not in names
    assert revoke_state_editing(user) == 1
    assert not user.groups.filter(name__startswith="Editors: ").exists()


def test_state_page_created_in_the_admin_gets_its_group_and_collection(client, site):
    from django.contrib.auth.models import Group

    from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text

    from portal.accounts.models import User
    from portal.states.models import State

    admin = User.objects.create_superuser(
        email="admin@secretariat.example", password="correct horse battery staple"
    )
    login_verified(client, admin)
    url = reverse(
        "wagtailadmin_pages:add",
        args=("practices", "statepage", site.states_index.pk),
    )
    germany = State.objects.get(iso_code="DE")
    data = nested_form_data(
        {
            "title": "Germany",
            "slug": "de",
            "state": germany.pk,
            "competent_authority": "",
            "contact_email": "",
            "profile": rich_text("<p>Profile.</p>"),
            "comments": inline_formset([]),
        }
    )
    data["action-publish"] = "1"
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    page = StatePage.objects.get(state=germany)
    assert page.collection.name == "Germany"
    assert Group.objects.filter(name="Editors: Germany").exists()
