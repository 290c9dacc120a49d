"""The portal's URLs: health, accounts, the admin, then Wagtail's pages."""

from django.conf import settings
from django.urls import include, path

from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from portal.core import views as core_views

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("readyz", core_views.readyz, name="readyz"),
    path("", include("portal.accounts.urls")),
    path("audit/", include("portal.audit.urls")),
    path("account/passkeys/", include("portal.accounts.passkeys")),
    path("search/", include("search.urls")),
    path("exchange/", include("exchange.urls")),
    # The portal's narrower versions of some admin views come first.
    path("admin/", include("practices.admin_urls")),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("", include("exchange.coordination.urls")),
    path("progress/", include("practices.progress.urls")),
    path("", include("practices.urls")),
]

if settings.DEBUG:
    from pathlib import Path

    from django.conf.urls.static import static

    # Only image renditions: documents go through Wagtail's serve view and its
    # checks, and original images are never served (as in production).
    urlpatterns += static(
        f"{settings.MEDIA_URL}images/",
        document_root=Path(settings.MEDIA_ROOT) / "images",
    )

urlpatterns += [path("", include(wagtail_urls))]
