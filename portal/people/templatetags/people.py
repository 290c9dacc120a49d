"""The account page's summary of the person's own directory entry."""

from django import template

from portal.people.actions import entry_of

register = template.Library()


@register.simple_tag
def directory_entry_of(user):
    return entry_of(user)
