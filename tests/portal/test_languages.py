"""The portal in six languages: public pages under a prefix (English without one),
the browser's language on a first visit, the switcher, Django's language view, and
the account's language on pages without a prefix (docs/languages.md)."""

from __future__ import annotations

import re

from django.conf import settings
from django.utils import translation
from django.utils.html import escape

import pytest

from portal.audit.models import AuditEvent
from tests.exchange.conftest import make_expert
from tests.support import login_verified

pytestmark = pytest.mark.django_db


_OPTION = re.compile(
    r'<option value="([a-z-]+)" lang="\1"( selected)?>([^<]+)</option>'
)
_LINK = re.compile(
    r'<a href="([^"]+)" hreflang="([a-z-]+)" lang="\2">([^<]+)</a>'
    r'|<span lang="([a-z-]+)" aria-current="true">([^<]+)</span>'
)


def switcher_options(response) -> list[tuple[str, bool, str]]:
    """(code, selected, name) of each language the header's form switcher offers."""
    return [
        (code, bool(selected), name)
        for code, selected, name in _OPTION.findall(response.content.decode())
    ]


def switcher_links(response) -> list[tuple[str, str, str]]:
    """(code, address, name) of each language a public page's switcher links to;
    the current language has no address."""
    return [
        (code or current, url, name or current_name)
        for url, code, name, current, current_name in _LINK.findall(
            response.content.decode()
        )
    ]


@pytest.mark.parametrize(
    ("path", "lang", "direction"),
    [
        ("/search/", "en", "ltr"),
        ("/fr/search/", "fr", "ltr"),
        ("/es/search/", "es", "ltr"),
        ("/ru/search/", "ru", "ltr"),
        ("/zh-hans/search/", "zh-hans", "ltr"),
        ("/ar/search/", "ar", "rtl"),
    ],
)
def test_a_public_page_speaks_the_language_of_its_prefix(
    client, home_page, path, lang, direction
):
    response = client.get(path)
    assert response.status_code == 200
    assert f'<html lang="{lang}" dir="{direction}">' in response.content.decode()
    assert response["Content-Language"] == lang
    # A public page links to itself in each language: no form, so nothing in it
    # differs between visitors.
    assert switcher_options(response) == []
    links = switcher_links(response)
    assert [code for code, _url, _name in links] == [
        code for code, _name in settings.LANGUAGES
    ]
    for code, url, _name in links:
        if code == lang:
            assert url == ""
        else:
            assert url == ("/search/" if code == "en" else f"/{code}/search/")
            assert client.get(url)["Content-Language"] == code


def test_the_switcher_names_each_language_in_itself(client, home_page):
    names = {code: name for code, _url, name in switcher_links(client.get("/"))}
    # Pages without a prefix offer the same list in a form.
    options = switcher_options(client.get("/accounts/login/"))
    assert names == {code: name for code, _selected, name in options}
    assert names == {
        "ar": "العربيّة",
        "en": "English",
        "es": "Español",
        "fr": "Français",
        "ru": "Русский",
        "zh-hans": "简体中文",
    }


def test_a_first_visit_follows_the_browser_to_its_language_and_keeps_the_query(
    client, home_page
):
    response = client.get("/search/", {"q": "insider"}, HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 302
    assert response["Location"] == "/fr/search/?q=insider"
    # A browser asking for English, or for a language the portal lacks, stays.
    for asked in ("en-GB,en;q=0.9", "de"):
        response = client.get("/search/", HTTP_ACCEPT_LANGUAGE=asked)
        assert response.status_code == 200, asked
        assert response["Content-Language"] == "en", asked


def test_a_page_without_prefix_speaks_the_browsers_language(client):
    response = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="ru")
    assert response.status_code == 200
    assert response["Content-Language"] == "ru"


@pytest.mark.parametrize(
    ("language", "next_path", "location"),
    [
        ("fr", "/search/?q=x", "/fr/search/?q=x"),
        ("en", "/fr/search/?q=x", "/search/?q=x"),
        ("ar", "/fr/search/", "/ar/search/"),
        # Pages without a prefix keep their address.
        ("ru", "/accounts/login/", "/accounts/login/"),
    ],
)
def test_the_language_view_goes_back_to_the_same_page_in_the_chosen_language(
    client, home_page, language, next_path, location
):
    response = client.post("/i18n/setlang/", {"language": language, "next": next_path})
    assert response.status_code == 302
    assert response["Location"] == location
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == language
    # The cookie then wins over the browser on unprefixed pages.
    followed = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="es")
    assert followed["Content-Language"] == language


def test_the_language_view_never_sends_anyone_off_the_portal(client):
    response = client.post(
        "/i18n/setlang/", {"language": "fr", "next": "https://elsewhere.example/"}
    )
    assert response.status_code == 302
    assert "elsewhere.example" not in response["Location"]


def test_the_language_view_refuses_an_unknown_language_and_changes_nothing(client):
    expert = make_expert("NL")
    login_verified(client, expert)
    response = client.post("/i18n/setlang/", {"language": "xx", "next": "/"})
    assert response.status_code == 302
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
    expert.refresh_from_db()
    assert expert.language == ""
    assert not AuditEvent.objects.filter(action="account.language_changed").exists()


def test_the_language_view_only_answers_posts(client):
    assert client.get("/i18n/setlang/", {"language": "fr"}).status_code == 405


def test_a_signed_in_persons_choice_is_remembered_in_the_account(client):
    expert = make_expert("NL")
    login_verified(client, expert)
    client.post("/i18n/setlang/", {"language": "es", "next": "/exchange/"})
    expert.refresh_from_db()
    assert expert.language == "es"
    event = AuditEvent.objects.get(action="account.language_changed")
    assert event.details == {"from": "", "to": "es"}
    # Another browser, without the cookie and asking for French: the account wins
    # on role pages.
    other = type(client)()
    login_verified(other, expert)
    response = other.get("/exchange/", HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 200
    assert response["Content-Language"] == "es"


def test_the_scripts_catalogue_is_served_in_the_active_language(client):
    response = client.get("/i18n/js/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert "django.gettext" in response.content.decode()


def test_the_header_form_goes_back_to_the_page_it_was_sent_from(client, home_page):
    # The form sends no `next`: the page is the Referer, in the language it was read in.
    response = client.post(
        "/i18n/setlang/",
        {"language": "en"},
        HTTP_REFERER="http://testserver/fr/search/?q=x",
    )
    assert response.status_code == 302
    assert response["Location"] == "http://testserver/search/?q=x"


def test_a_public_pages_links_keep_the_query(client, home_page):
    response = client.get("/fr/search/?q=insider")
    links = {code: url for code, url, _name in switcher_links(response)}
    assert links["en"] == "/search/?q=insider"
    assert links["ar"] == "/ar/search/?q=insider"


@pytest.mark.parametrize(
    ("code", "label"),
    [
        ("fr", "Rechercher sur le portail"),
        ("es", None),
        ("ru", None),
        ("ar", None),
        ("zh-hans", None),
    ],
)
def test_a_public_page_reads_in_the_compiled_catalogue_of_its_language(
    client, home_page, code, label
):
    # The catalogues are compiled by the test command (compilemessages).
    with translation.override(code):
        expected = translation.gettext("Search the portal")
    assert expected != "Search the portal", f"no compiled catalogue for {code}"
    if label is not None:
        assert expected == label
    body = client.get(f"/{code}/search/").content.decode()
    assert f'<label for="search-q">{escape(expected)}</label>' in body


def test_states_are_named_in_the_viewers_language_from_the_cldr(client, home_page):
    from portal.states.models import State

    netherlands = State.objects.get(iso_code="NL")
    names = {}
    for code in ("en", "fr", "es", "ru", "ar", "zh-hans"):
        with translation.override(code):
            names[code] = netherlands.local_name
    # English keeps the register's names; the others are the CLDR's.
    assert names == {
        "en": "Netherlands",
        "fr": "Pays-Bas",
        "es": "Países Bajos",
        "ru": "Нидерланды",
        "ar": "هولندا",
        "zh-hans": "荷兰",
    }
    assert "Pays-Bas" in client.get("/fr/progress/").content.decode()
    english = client.get("/progress/").content.decode()
    assert "Netherlands" in english and "Pays-Bas" not in english
