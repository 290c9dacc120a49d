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
        '<svg class="bell-icon" aria-hidden="true" focusable="false" width="18" '
        'height="18" viewBox="0 0 24 24"><path fill="currentColor" d="M12 22a2.5 2.5 0 '
        "0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22zm7-6v-5a7 7 0 0 0-5-6.71V3a2 2 0 0 0-4 "
        '0v1.29A7 7 0 0 0 5 11v5l-2 2v1h18v-1z"/></svg> Notifications '
        '<span class="bell-count" data-count="{}">{}'
        '<span class="visually-hidden"> unread</span></span></a>',
        count,
        count,
    )
