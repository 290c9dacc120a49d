"""The portal's URLs: health, accounts, the admin, then the public pages (search and
Wagtail's pages) under a language prefix (docs/languages.md)."""

import re

from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.urls import include, path, re_path
from django.views.generic import RedirectView
from django.views.i18n import JavaScriptCatalog

from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from portal.audit import views as audit_views
from portal.core import views as core_views
from portal.core.languages import set_language
from practices.media import serve_rendition

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    # The language switcher (Django's set_language, remembered in the account) and
    # the JavaScript catalogue of the portal's scripts.
    path("i18n/setlang/", set_language, name="set_language"),
    path("i18n/js/", JavaScriptCatalog.as_view(), name="javascript_catalog"),
    path("readyz", core_views.readyz, name="readyz"),
    path("", include("portal.accounts.urls")),
    path("", include("portal.people.urls")),
    path("audit/", include("portal.audit.urls")),
    path("", include("portal.mail.urls")),
    path(
        ".well-known/portal-audit-keys.json",
        audit_views.public_keys,
        name="audit_public_keys",
    ),
    path("account/passkeys/", include("portal.accounts.passkeys")),
    # The versioned JSON API (docs/api.md); the older paths below stay its aliases.
    path("api/portal/v1/", include("portal.api.urls")),
    path("exchange/", include("exchange.urls")),
    path("admin/failwhale/", core_views.admin_error_test),
    path(
        "admin/pages/<int:page_to_move_id>/set_position/",
        core_views.admin_set_page_position,
    ),
    # The portal's narrower versions of some admin views come first.
    path("admin/", include("practices.admin_urls")),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    # Of the media, only image renditions have URLs, checked like documents: no
    # original image or document file is served from MEDIA_ROOT, in DEBUG neither.
    re_path(
        rf"^{re.escape(settings.MEDIA_URL.lstrip('/'))}images/(?P<path>[^/]+)$",
        serve_rendition,
    ),
    path("", include("exchange.coordination.urls")),
    path("", include("practices.urls")),
]

urlpatterns += [
    # Wagtail's own password-only sign-in form would sidestep the second factor and
    # the lockout's form field: it sends people to the portal's sign-in instead.
    path(
        "_util/login/",
        RedirectView.as_view(pattern_name="accounts:login", query_string=True),
    ),
]

# Public pages in each language: English unprefixed, the others under /<code>/.
# Progress too: its dashboard and State pages are public (its editors' pages then
# have prefixed addresses as well).
urlpatterns += i18n_patterns(
    path("search/", include("search.urls")),
    path("progress/", include("practices.progress.urls")),
    path("", include(wagtail_urls)),
    prefix_default_language=False,
)

handler500 = "portal.core.views.server_error"
