"""The notification bell of the header, with its unread count under the policy."""

from django import template
from django.utils.html import format_html

from exchange.policy import viewer_for, visible_notifications

register = template.Library()


@register.simple_tag(takes_context=True)
def notification_bell(context):
    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return ""
    count = (
        visible_notifications(viewer_for(request)).filter(read_at__isnull=True).count()
    )
    return format_html(
        '<a class="bell" href="/notifications/" data-socket-url="/ws/notifications/">'
        '<span aria-hidden="true">&#128276;</span> Notifications '
        '<span class="bell-count" data-count="{}">{}'
        '<span class="visually-hidden"> unread</span></span></a>',
        count,
        count,
    )
