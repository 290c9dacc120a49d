"""The admin under the portal's Content-Security-Policy."""

from django.templatetags.static import static
from django.utils.html import format_html

from wagtail import hooks


@hooks.register("insert_global_admin_js")
def start_pickers_without_inline_scripts() -> str:
    return format_html('<script src="{}"></script>', static("portal/admin-csp.js"))


@hooks.register("insert_global_admin_js")
def name_script_built_inputs() -> str:
    return format_html('<script src="{}"></script>', static("portal/admin-labels.js"))


@hooks.register("insert_global_admin_css")
def admin_accessibility_styles() -> str:
    return format_html('<link rel="stylesheet" href="{}">', static("portal/admin.css"))
