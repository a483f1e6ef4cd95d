"""{% chart "name" figure %} and {% pivot_table %}; `thousands` comes from numbers.py."""
from django import template
from django.utils.html import escape, format_html, json_script
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from .numbers import thousands

register = template.Library()
register.filter("thousands", thousands)


@register.simple_tag
def chart(name: str, figure: dict, css: str = "chart"):
    """The figure goes into a json_script block; static/js/charts.js draws it.
    An empty figure (charts.empty) says so in words instead of drawing axes."""
    if figure.get("empty"):
        return format_html(
            '<div class="{} chart-empty" id="chart-{}" data-empty="1"><p><strong>{}</strong>{}'
            "</p></div>", css, name, figure["title"], _("No data"))
    return format_html(
        '<div class="{}" id="chart-{}" data-figure="fig-{}"></div>{}',
        css, name, name, json_script(figure, f"fig-{name}"),
    )


@register.simple_tag
def pivot_table(table: dict, total_label: str, empty_label: str, caption: str = ""):
    """A pivot as an HTML table. Built in Python: the weekday pivot alone has
    4,000 cells, which the template engine renders ten times slower."""
    head = "".join(f'<th scope="col">{escape(h)}</th>' for h in table["headers"])
    body = []
    for row in table["rows"]:
        cells = "".join(f'<td class="h{level}">{n:,}</td>' for n, level in row["cells"])
        body.append(f'<tr><th scope="row">{escape(row["label"])}</th>{cells}'
                    f'<td class="total">{row["total"]:,}</td></tr>')
    if not body:
        body.append(f'<tr><td class="empty">{escape(empty_label)}</td></tr>')
    cap = f'<caption class="sr-only">{escape(caption)}</caption>' if caption else ""
    return mark_safe(  # noqa: S308 - every value above is escaped or an int
        f'<table class="pivot">{cap}<thead><tr><th></th>{head}'
        f'<th scope="col">{escape(total_label)}</th></tr>'
        f'</thead><tbody>{"".join(body)}</tbody></table>'
    )
