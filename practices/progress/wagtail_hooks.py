"""The admin's way in to progress records: a menu item for State editors.

Progress records are edited on the portal's own forms (`/progress/manage/`) rather
than through a `ModelViewSet`: each form is bound to the editor's State and the
visibility filter, and saves through `practices.progress.actions`, so history,
audit and the date rules hold whichever way a record is changed. A generic model
viewset would list every State's records to anyone with the model permission,
secretariat included, which the exchange policy forbids for restricted records.
"""

from django.urls import reverse

from wagtail import hooks
from wagtail.admin.menu import MenuItem

from practices.progress.actions import is_progress_editor


class ProgressMenuItem(MenuItem):
    def is_shown(self, request):
        return is_progress_editor(request.user)


@hooks.register("register_admin_menu_item")
def register_progress_menu_item():
    return ProgressMenuItem(
        "Progress records", reverse("progress:manage"), icon_name="table", order=250
    )
