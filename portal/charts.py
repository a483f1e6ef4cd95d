"""Plotly figures as plain dicts, built from the selectors' output.

Templates pass them with `json_script`; static/js/charts.js draws them with
the vendored plotly.js. No numbers are computed here, only arranged.
"""
from __future__ import annotations

from django.utils.translation import get_language, pgettext
from django.utils.translation import gettext as _

from logformats import codes

BLUE, RED, GREEN, ORANGE, GREY = "#1f6fb4", "#d62728", "#2ca02c", "#ff7f0e", "#7f7f7f"
PALETTE = ["#1f6fb4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
           "#7f7f7f", "#bcbd22", "#17becf"]


DAY_AXIS = {"type": "date", "tickformat": "%m/%d", "hoverformat": "%Y/%m/%d"}


def _layout(title: str, **extra) -> dict:
    layout = {
        "title": {"text": title, "font": {"size": 15}},
        "margin": {"l": 55, "r": 20, "t": 40, "b": 45},
        "hovermode": "closest",
        "legend": {"orientation": "h", "y": -0.2},
        "height": 320,
    }
    layout.update(extra)
    return layout


def connections(data: dict) -> dict:
    """Daily connections; hover shows the distinct terminals too."""
    days = data["days"]
    return {
        "data": [{
            "type": "scatter", "mode": "lines+markers", "name": _("Connections"),
            "x": [d["date"] for d in days], "y": [d["connections"] for d in days],
            "customdata": [d["unique_terminals"] for d in days],
            "line": {"color": BLUE},
            "hovertemplate": "%{x|%Y/%m/%d}<br>" + _("Connections") + ": %{y}<br>"
            + _("Unique terminals") + ": %{customdata}<extra></extra>",
        }],
        "layout": _layout(_("Daily connections"), xaxis=DAY_AXIS, yaxis={"rangemode": "tozero"}),
    }


def _hms(seconds: float) -> str:
    s = int(round(seconds))
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"


def connection_time(data: dict) -> dict:
    """Average (blue) and maximum (red) connection time, in minutes."""
    days = data["days"]
    x = [d["date"] for d in days]

    def trace(name: str, key: str, color: str) -> dict:
        return {
            "type": "scatter", "mode": "lines+markers", "name": name, "x": x,
            "y": [round(d[key] / 60, 1) for d in days],
            "customdata": [_hms(d[key]) for d in days],
            "line": {"color": color},
            "hovertemplate": "%{x|%Y/%m/%d}<br>" + name + ": %{customdata}<extra></extra>",
        }

    return {
        "data": [trace(_("Maximum connection time"), "max_seconds", RED),
                 trace(_("Average connection time"), "avg_seconds", BLUE)],
        "layout": _layout(_("Connection time (average / maximum)"), xaxis=DAY_AXIS,
                          yaxis={"title": {"text": _("minutes")}, "rangemode": "tozero"}),
    }


def roaming_bars(data: dict, title: str) -> dict:
    rows = data["rows"]
    keys = [r["key"] or _("(no VLAN)") for r in rows]
    return {
        "data": [
            {"type": "bar", "name": _("Connected"), "x": keys,
             "y": [r["connected"] for r in rows], "marker": {"color": BLUE}},
            {"type": "bar", "name": _("Left"), "x": keys,
             "y": [r["left"] for r in rows], "marker": {"color": ORANGE}},
        ],
        "layout": _layout(title, barmode="group", xaxis={"type": "category"}),
    }


def roaming_sankey(data: dict, title: str) -> dict:
    """Roaming flows between keys; a key appears as a source (left) and a
    destination (right) node so that A→B and B→A do not form a cycle."""
    if not data["flows"]:
        # plotly's sankey cannot draw an empty link list.
        return {"data": [], "layout": _layout(
            title, height=300, xaxis={"visible": False}, yaxis={"visible": False},
            annotations=[{"text": _("No roaming between them this month"),
                          "showarrow": False, "font": {"size": 14, "color": GREY}}])}
    keys = [r["key"] for r in data["rows"]]
    for f in data["flows"]:
        for k in (f["from"], f["to"]):
            if k not in keys:
                keys.append(k)
    names = [k or _("(no VLAN)") for k in keys]
    n = len(keys)
    return {
        "data": [{
            "type": "sankey", "arrangement": "snap",
            "node": {"label": names + names, "pad": 12,
                     "color": [PALETTE[i % len(PALETTE)] for i in range(n)] * 2},
            "link": {
                "source": [keys.index(f["from"]) for f in data["flows"]],
                "target": [n + keys.index(f["to"]) for f in data["flows"]],
                "value": [f["count"] for f in data["flows"]],
            },
        }],
        "layout": _layout(title, height=300),
    }


def _display_label(dimension: str, item: dict, lang: str) -> str:
    key = item["key"]
    if dimension in ("country", "language") and key:
        table = "country" if dimension == "country" else "language"
        name = codes.label(table, key, lang)
        return f"{name} ({key})" if name != key else key
    return item["label"]


def distribution(data: dict, dimension: str, title: str, *, top: int = 10) -> dict:
    """A pie of one distribution; beyond `top` values the rest is "Other"."""
    lang = get_language() or "ja"
    items = data["items"]
    labels = [_display_label(dimension, i, lang) for i in items[:top]]
    values = [i["count"] for i in items[:top]]
    if len(items) > top:
        labels.append(_("Other"))
        values.append(sum(i["count"] for i in items[top:]))
    return {
        "data": [{
            "type": "pie", "labels": labels, "values": values, "hole": 0.4, "sort": False,
            "textinfo": "percent", "marker": {"colors": PALETTE},
            "hovertemplate": "%{label}<br>%{value} (%{percent})<extra></extra>",
        }],
        "layout": _layout(title, height=300, showlegend=True,
                          legend={"orientation": "v", "x": 1.02, "y": 0.5}),
    }


def control(data: dict) -> dict:
    """Daily session-control counts, stacked by kind."""
    days = data["days"]
    x = [d["date"] for d in days]
    kinds = [("session", _("Session limit"), BLUE), ("spam", _("Spam limit"), ORANGE),
             ("bandwidth", _("Bandwidth limit"), GREEN)]
    return {
        "data": [{"type": "bar", "name": name, "x": x, "y": [d[key] for d in days],
                  "marker": {"color": color},
                  "hovertemplate": "%{x|%Y/%m/%d}<br>" + name + ": %{y}<extra></extra>"}
                 for key, name, color in kinds],
        "layout": _layout(_("Session control per day"), barmode="stack", xaxis=DAY_AXIS,
                          yaxis={"rangemode": "tozero"}),
    }


def system_series(data: dict) -> list[tuple[str, dict]]:
    """Session count, traffic RX/TX and active users per day (mean and peak)."""
    days = data["days"]
    x = [d["date"] for d in days]

    def fig(title: str, series: list[tuple[str, str, str]], unit: str = "") -> dict:
        return {
            "data": [{"type": "scatter", "mode": "lines+markers", "name": name, "x": x,
                      "y": [d[key] for d in days], "line": {"color": color},
                      "hovertemplate": "%{x|%Y/%m/%d}<br>" + name + ": %{y}" + unit
                      + "<extra></extra>"}
                     for key, name, color in series],
            "layout": _layout(title, xaxis=DAY_AXIS, yaxis={"rangemode": "tozero"}),
        }

    return [
        ("sessions", fig(pgettext("chart", "Sessions"), [("sessions_avg", _("Average"), BLUE),
                                          ("sessions_max", _("Peak"), RED)])),
        ("traffic", fig(_("Traffic (bps)"), [("rx_avg", _("RX average"), BLUE),
                                             ("rx_max", _("RX peak"), GREEN),
                                             ("tx_avg", _("TX average"), ORANGE),
                                             ("tx_max", _("TX peak"), RED)], " bps")),
        ("users", fig(_("Active unauthenticated users"),
                      [("users_avg", _("Average"), BLUE), ("users_max", _("Peak"), RED)])),
    ]
