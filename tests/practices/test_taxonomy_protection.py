"""A taxonomy term that pages use cannot be deleted; the refusal names the pages."""

from __future__ import annotations

from django.contrib.messages import get_messages
from django.db.models import ProtectedError
from django.urls import reverse

import pytest
from taggit.models import Tag

from portal.accounts.models import User
from practices.models import AdditionalAction, Commitment, IAEADocument, Language
from tests.practices import factories
from tests.support import login_verified

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_user(site):
    return User.objects.create_superuser(
        email="admin@secretariat.example", password="correct horse battery staple"
    )


def test_model_level_refusal_names_the_pages(site):
    factories.good_practice("NL", title="Threat review", commitments=["2a"])
    factories.good_practice(
        "FI", title="Culture survey", commitments=["2a"], publish=False
    )
    with pytest.raises(ProtectedError) as refused:
        Commitment.objects.get(code="2a").delete()
    message = refused.value.args[0]
    assert '"Culture survey"' in message and '"Threat review"' in message
    assert Commitment.objects.filter(code="2a").exists()


@pytest.mark.parametrize(
    ("model", "lookup", "page_kwargs"),
    [
        (AdditionalAction, {"number": 7}, {"actions": [7]}),
        (IAEADocument, {"slug": "nss-15"}, {"documents": ["nss-15"]}),
        (Language, {"code": "fr"}, {"language": "fr"}),
    ],
)
def test_other_terms_in_use_are_protected(site, model, lookup, page_kwargs):
    factories.good_practice("NL", title="User of the term", **page_kwargs)
    with pytest.raises(ProtectedError):
        model.objects.get(**lookup).delete()


def test_topic_in_use_is_protected(site):
    factories.good_practice("NL", title="Tagged", topics=["cyber security"])
    with pytest.raises(ProtectedError):
        Tag.objects.get(name="cyber security").delete()


def test_guidance_document_is_protected(site):
    factories.guidance("NL", document="code-of-conduct")
    with pytest.raises(ProtectedError):
        IAEADocument.objects.get(slug="code-of-conduct").delete()


def test_unused_term_can_be_deleted(site):
    IAEADocument.objects.create(slug="nss-99", short_name="NSS 99", title="Unused")
    IAEADocument.objects.get(slug="nss-99").delete()
    assert not IAEADocument.objects.filter(slug="nss-99").exists()


def test_admin_delete_is_refused_with_a_message_naming_the_pages(client, admin_user):
    factories.good_practice("NL", title="Threat review", actions=[5])
    action = AdditionalAction.objects.get(number=5)
    login_verified(client, admin_user)
    url = reverse(
        "wagtailsnippets_practices_additionalaction:delete", args=(action.pk,)
    )
    response = client.post(url)
    assert response.status_code == 302
    messages = [str(m) for m in get_messages(response.wsgi_request)]
    assert any('"Threat review"' in m and "cannot be deleted" in m for m in messages)
    assert AdditionalAction.objects.filter(number=5).exists()
    # An unused term is deleted as usual.
    unused = AdditionalAction.objects.get(number=13)
    url = reverse(
        "wagtailsnippets_practices_additionalaction:delete", args=(unused.pk,)
    )
    client.post(url)
    assert not AdditionalAction.objects.filter(number=13).exists()
