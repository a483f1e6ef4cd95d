"""Plotly figures and pivot tables as plain dicts, built from the selectors' output.

Templates pass figures with `json_script`; static/js/charts.js draws them with
the vendored plotly.js. No numbers are computed here, only arranged.

Plotly renders a small HTML subset in every label, legend entry, hover and
tick, so any text that comes from log data goes through `_text()` (SPEC §9).
Numbers use plotly's `,` format (the thousands separator is the same in
Japanese and English); every axis has a title with its unit.
"""
from __future__ import annotations

import math
from html import escape

from django.utils.translation import get_language, pgettext
from django.utils.translation import gettext as _

from . import labels

BLUE, RED, GREEN, ORANGE, GREY = "#1f6fb4", "#d62728", "#2ca02c", "#ff7f0e", "#7f7f7f"
PALETTE = ["#1f6fb4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
           "#7f7f7f", "#bcbd22", "#17becf"]
HEAT_LEVELS = 9
DAY_AXIS = {"type": "date", "tickformat": "%m/%d", "hoverformat": "%Y/%m/%d"}


def _text(value: str) -> str:
    """Log data as plotly text: `<`, `>` and `&` shown, never interpreted."""
    return escape(str(value), quote=False)


def _count_axis(title: str) -> dict:
    """A value axis from 0: 1,500 not 1500, and no repeated rounded ticks."""
    return {"title": {"text": title}, "rangemode": "tozero", "tickformat": ",~f"}


def _day_axis() -> dict:
    return {**DAY_AXIS, "title": {"text": _("Date")}}


def _layout(title: str, **extra) -> dict:
    layout = {
        "title": {"text": title, "font": {"size": 15}},
        "margin": {"l": 60, "r": 20, "t": 40, "b": 60},
        "hovermode": "closest",
        # Under the axis title, so a phone-wide chart keeps both readable.
        "legend": {"orientation": "h", "y": -0.3, "yanchor": "top"},
        "height": 340,
        "separators": ".,",
    }
    layout.update(extra)
    return layout


def empty(title: str) -> dict:
    """A chart with nothing to draw: the template shows "No data" instead of
    axes from 0 to 1 or a blank pie."""
    return {"empty": True, "title": title}


def _all_zero(days: list[dict], keys) -> bool:
    return not any(d[k] for d in days for k in keys)


def connections(data: dict) -> dict:
    """Daily connections; hover shows the distinct terminals too."""
    days = data["days"]
    title = _("Daily connections")
    if _all_zero(days, ("connections",)):
        return empty(title)
    return {
        "data": [{
            "type": "scatter", "mode": "lines+markers", "name": _("Connections"),
            "x": [d["date"] for d in days], "y": [d["connections"] for d in days],
            "customdata": [d["unique_terminals"] for d in days],
            "line": {"color": BLUE},
            "hovertemplate": "%{x|%Y/%m/%d}<br>" + _("Connections") + ": %{y:,}<br>"
            + _("Unique terminals") + ": %{customdata:,}<extra></extra>",
        }],
        "layout": _layout(title, xaxis=_day_axis(),
                          yaxis=_count_axis(_("Connections"))),
    }


def connection_time(data: dict) -> dict:
    """Average (blue) and maximum (red) connection time, in minutes (axis and hover)."""
    days = data["days"]
    title = _("Connection time (average / maximum)")
    if _all_zero(days, ("max_seconds", "avg_seconds")):
        return empty(title)
    x = [d["date"] for d in days]
    unit = _("min")

    def trace(name: str, key: str, color: str) -> dict:
        return {
            "type": "scatter", "mode": "lines+markers", "name": name, "x": x,
            "y": [round(d[key] / 60, 1) for d in days],
            "line": {"color": color},
            "hovertemplate": "%{x|%Y/%m/%d}<br>" + name + ": %{y:,.1f} " + unit
            + "<extra></extra>",
        }

    return {
        "data": [trace(_("Maximum connection time"), "max_seconds", RED),
                 trace(_("Average connection time"), "avg_seconds", BLUE)],
        "layout": _layout(title, xaxis=_day_axis(),
                          yaxis=_count_axis(_("Connection time (minutes)"))),
    }


def _roaming_key(key: str) -> str:
    return _text(key) if key else _("(no VLAN)")


def roaming_bars(data: dict, title: str, axis: str) -> dict:
    """Connected / left per gateway or VLAN (`axis` names which)."""
    rows = data["rows"]
    if not rows:
        return empty(title)
    keys = [_roaming_key(r["key"]) for r in rows]

    def bar(name: str, field: str, color: str) -> dict:
        return {"type": "bar", "name": name, "x": keys, "y": [r[field] for r in rows],
                "marker": {"color": color},
                "hovertemplate": "%{x}<br>" + name + ": %{y:,}<extra></extra>"}

    return {
        "data": [bar(_("Connected"), "connected", BLUE), bar(_("Left"), "left", ORANGE)],
        "layout": _layout(title, barmode="group",
                          xaxis={"type": "category", "title": {"text": axis}},
                          yaxis=_count_axis(_("Connections"))),
    }


def roaming_sankey(data: dict, title: str) -> dict:
    """Roaming flows between keys; a key appears as a source (left) and a
    destination (right) node so that A→B and B→A do not form a cycle."""
    if not data["flows"]:
        return empty(title)  # plotly's sankey cannot draw an empty link list
    keys = [r["key"] for r in data["rows"]]
    for f in data["flows"]:
        for k in (f["from"], f["to"]):
            if k not in keys:
                keys.append(k)
    names = [_roaming_key(k) for k in keys]
    n = len(keys)
    return {
        "data": [{
            "type": "sankey", "arrangement": "snap", "valueformat": ",d",
            "node": {"label": names + names, "pad": 12,
                     "color": [PALETTE[i % len(PALETTE)] for i in range(n)] * 2,
                     "hovertemplate": "%{label}<br>" + _("Users") + ": %{value:,}"
                     + "<extra></extra>"},
            "link": {
                "source": [keys.index(f["from"]) for f in data["flows"]],
                "target": [n + keys.index(f["to"]) for f in data["flows"]],
                "value": [f["count"] for f in data["flows"]],
                # plotly's default hover says "source:" / "target:" in English.
                "hovertemplate": _("From") + ": %{source.label}<br>" + _("To")
                + ": %{target.label}<br>" + _("Users") + ": %{value:,}<extra></extra>",
            },
        }],
        "layout": _layout(title, height=300),
    }


def distribution(data: dict, dimension: str, title: str, *, top: int = 10) -> dict:
    """A pie of one distribution; beyond `top` values the rest is "Other"."""
    items = data["items"]
    if not items:
        return empty(title)
    lang = get_language()
    labels_ = [_text(labels.label(dimension, i["key"], lang)) for i in items[:top]]
    values = [i["count"] for i in items[:top]]
    if len(items) > top:
        labels_.append(_("Other"))
        values.append(sum(i["count"] for i in items[top:]))
    return {
        "data": [{
            "type": "pie", "labels": labels_, "values": values, "hole": 0.4, "sort": False,
            "textinfo": "percent", "marker": {"colors": PALETTE},
            "hovertemplate": "%{label}<br>%{value:,} (%{percent})<extra></extra>",
        }],
        # The legend sits under the pie so a phone-wide panel keeps the pie whole.
        "layout": _layout(title, height=360, showlegend=True,
                          margin={"l": 10, "r": 10, "t": 40, "b": 10},
                          legend={"orientation": "h", "x": 0, "y": -0.05,
                                  "yanchor": "top"}),
    }


def control(data: dict) -> dict:
    """Daily session-control counts, stacked by kind."""
    days = data["days"]
    title = _("Session control per day")
    kinds = [("session", _("Session limit"), BLUE), ("spam", _("Spam limit"), ORANGE),
             ("bandwidth", _("Bandwidth limit"), GREEN)]
    if _all_zero(days, [k for k, _n, _c in kinds]):
        return empty(title)
    x = [d["date"] for d in days]
    return {
        "data": [{"type": "bar", "name": name, "x": x, "y": [d[key] for d in days],
                  "marker": {"color": color},
                  "hovertemplate": "%{x|%Y/%m/%d}<br>" + name + ": %{y:,}<extra></extra>"}
                 for key, name, color in kinds],
        "layout": _layout(title, barmode="stack", xaxis=_day_axis(),
                          yaxis=_count_axis(_("Records"))),
    }


def system_series(data: dict) -> list[tuple[str, dict]]:
    """Session count, traffic RX/TX (Mbps) and active users per day (mean and peak)."""
    days = data["days"]
    x = [d["date"] for d in days]

    def fig(title: str, axis: str, series: list[tuple[str, str, str]], *,
            scale: float = 1, unit: str = "", fmt: str = ",") -> dict:
        if _all_zero(days, [key for key, _n, _c in series]):
            return empty(title)
        suffix = f" {unit}" if unit else ""
        return {
            "data": [{"type": "scatter", "mode": "lines+markers", "name": name, "x": x,
                      "y": [round(d[key] / scale, 3) for d in days], "line": {"color": color},
                      "hovertemplate": "%{x|%Y/%m/%d}<br>" + name + ": %{y:" + fmt + "}"
                      + suffix + "<extra></extra>"}
                     for key, name, color in series],
            "layout": _layout(title, xaxis=_day_axis(),
                              yaxis=_count_axis(axis)),
        }

    return [
        ("sessions", fig(pgettext("chart", "Sessions"), pgettext("chart", "Sessions"),
                         [("sessions_avg", _("Average"), BLUE),
                          ("sessions_max", _("Peak"), RED)])),
        ("traffic", fig(_("Traffic (Mbps)"), _("Mbps"),
                        [("rx_avg", _("RX average"), BLUE), ("rx_max", _("RX peak"), GREEN),
                         ("tx_avg", _("TX average"), ORANGE), ("tx_max", _("TX peak"), RED)],
                        scale=1_000_000, unit="Mbps", fmt=",.2f")),
        ("users", fig(_("Active unauthenticated users"), _("Users"),
                      [("users_avg", _("Average"), BLUE), ("users_max", _("Peak"), RED)])),
    ]


# --- Pivot tables (connection trend, §4) -----------------------------------

def _unknown_column(column) -> bool:
    """The demographic column of unknown gender and age: it holds most records
    when gateways send no profile, so it must not set the colour scale."""
    return column == "/"


def heat_level(value: int, peak: int) -> int:
    """Heatmap level 0–HEAT_LEVELS on a log scale, so that a few large cells
    do not leave the rest in the palest shade; 0 means no records."""
    if value <= 0 or peak <= 0:
        return 0
    level = 1 + int((HEAT_LEVELS - 1) * math.log1p(value) / math.log1p(peak))
    return min(HEAT_LEVELS, level)


def heat_legend(peak: int) -> list[tuple[int, int]]:
    """(level, smallest count shown in it) of each level a count up to
    `peak` can reach, for the legend; small peaks use only a few levels."""
    out = []
    for level in range(1, HEAT_LEVELS + 1):
        low = max(1, math.floor(math.expm1(math.log1p(peak) * (level - 1) / (HEAT_LEVELS - 1))))
        while low <= peak and heat_level(low, peak) < level:
            low += 1
        if low <= peak and heat_level(low, peak) == level:
            out.append((level, low))
    return out


def pivot_table(pivot: dict, view: str) -> dict:
    """Header labels, rows (label, cells with their heat level, total) and the
    colour legend of one pivot (selectors.connection_pivot)."""
    lang = get_language()
    columns = pivot["columns"]
    if view == "day-hour":
        headers = [f"{c:02d}" if isinstance(c, int) else str(c) for c in columns]
    else:
        headers = [labels.label("demographic", c, lang) for c in columns]
    scaled = [i for i, c in enumerate(columns) if not _unknown_column(c)]
    peak = max((cells[i] for cells in pivot["cells"] for i in scaled), default=0)
    rows = []
    for key, cells in zip(pivot["rows"], pivot["cells"], strict=True):
        if view == "day-hour":
            row_label = key.replace("-", "/")
        else:
            row_label = labels.label(view, key, lang)
        rows.append({"label": row_label, "total": sum(cells),
                     "cells": [(n, heat_level(n, peak)) for n in cells]})
    return {"headers": headers, "rows": rows, "peak": peak, "legend": heat_legend(peak)}
