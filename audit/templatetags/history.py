"""Template helpers of the history screens: sortable headers, page links."""
from django import template
from django.utils.html import format_html

from audit import display

register = template.Library()


@register.simple_tag(takes_context=True)
def sort_header(context, key: str, label: str):
    """A column header link that sorts by `key`, toggling the direction; the
    other search parameters are kept and the page goes back to 1."""
    request = context["request"]
    current = context.get("sort") or "-time"
    params = request.GET.copy()
    params.pop("page", None)
    if current == key:
        params["sort"], arrow = f"-{key}", " ▲"
    elif current == f"-{key}":
        params["sort"], arrow = key, " ▼"
    else:
        params["sort"], arrow = (f"-{key}" if key == "time" else key), ""
    return format_html('<a class="sort" data-sort="{}" href="?{}">{}{}</a>', key,
                       params.urlencode(), label, arrow)


@register.simple_tag(takes_context=True)
def page_url(context, number: int) -> str:
    params = context["request"].GET.copy()
    params["page"] = number
    return "?" + params.urlencode()


@register.simple_tag(takes_context=True)
def query_string(context) -> str:
    """The current search without page/sort, for the CSV link."""
    params = context["request"].GET.copy()
    return params.urlencode()


@register.filter
def kind_name(code: str) -> str:
    """The kind's label in the reader's language (audit.display)."""
    return display.kind_name(code)


@register.filter
def result_name(code: str) -> str:
    """The login result in the reader's language (audit.display)."""
    return display.result_name(code)
