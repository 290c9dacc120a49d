"""Image renditions, served by the portal to those who may see the image.

Renditions are files under MEDIA_ROOT/images/; nothing else under MEDIA_ROOT has a
URL (documents go through Wagtail's serve view, original images are never served).
A rendition of an image that only drafts or restricted pages use is a 404 for
those who may not see such a page, as its document would be.
"""

from __future__ import annotations

import mimetypes

from django.http import FileResponse, Http404

from wagtail.images import get_image_model

from practices.permissions import image_visible_to


def serve_rendition(request, path: str):
    rendition = (
        get_image_model()
        .get_rendition_model()
        .objects.filter(file=f"images/{path}")
        .select_related("image__collection")
        .first()
    )
    if rendition is None or not image_visible_to(request, rendition.image):
        raise Http404
    content_type, _ = mimetypes.guess_type(path)
    response = FileResponse(
        rendition.file.open("rb"), content_type=content_type or "image/png"
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
