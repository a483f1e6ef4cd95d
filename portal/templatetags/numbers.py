"""{{ value|thousands }}: counts written for people, 1,234,567 (both of the
portal's languages group digits by three with a comma)."""
from django import template

register = template.Library()


@register.filter
def thousands(value) -> str:
    try:
        return f"{int(value):,}"
    except (TypeError, ValueError):
        return value
