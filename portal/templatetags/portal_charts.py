"""{% chart "name" figure %}: a Plotly container plus its figure as JSON."""
from django import template
from django.utils.html import escape, format_html, json_script
from django.utils.safestring import mark_safe

register = template.Library()


@register.simple_tag
def chart(name: str, figure: dict, css: str = "chart"):
    """The figure goes into a json_script block; static/js/charts.js draws it."""
    return format_html(
        '<div class="{}" id="chart-{}" data-figure="fig-{}"></div>{}',
        css, name, name, json_script(figure, f"fig-{name}"),
    )


@register.filter
def heat(value: int, peak: int) -> str:
    """Heatmap level 0–9 of a pivot cell (used only when 色を表示 is on)."""
    if not value or not peak:
        return "0"
    return str(min(9, 1 + 8 * value // peak))


@register.simple_tag
def pivot_table(table: dict, total_label: str, empty_label: str):
    """A pivot as an HTML table. Built in Python: the weekday pivot alone has
    4,000 cells, which the template engine renders ten times slower."""
    peak = table["peak"]
    head = "".join(f"<th>{escape(h)}</th>" for h in table["headers"])
    body = []
    for row in table["rows"]:
        cells = "".join(f'<td class="h{heat(n, peak)}">{n}</td>' for n in row["cells"])
        body.append(f'<tr><th>{escape(row["label"])}</th>{cells}'
                    f'<td class="total">{row["total"]}</td></tr>')
    if not body:
        body.append(f'<tr><td class="empty">{escape(empty_label)}</td></tr>')
    return mark_safe(  # noqa: S308 - every value above is escaped or an int
        f'<table class="pivot"><thead><tr><th></th>{head}<th>{escape(total_label)}</th></tr>'
        f'</thead><tbody>{"".join(body)}</tbody></table>'
    )
