"""`user|can_trace` for the navigation: the same rule as the views."""
from django import template

from accounts.access import can_trace as _can_trace

register = template.Library()


@register.filter
def can_trace(user) -> bool:
    return _can_trace(user)
