"""Plotly figures (plain dicts) for the status screen's hourly sparklines,
drawn by static/js/charts.js like every other chart of the portal."""
from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from audit.search import JST

from .selectors import GatewayStatus


def hour_labels(now=None) -> list[str]:
    """JST labels of the 24 hours ending now, oldest first (`MM/DD HH時`)."""
    now = (now or timezone.now()).astimezone(JST).replace(minute=0, second=0, microsecond=0)
    return [(now - timedelta(hours=23 - i)).strftime("%m/%d %H:00") for i in range(24)]


def sparkline(row: GatewayStatus, labels: list[str]) -> dict:
    return {
        "data": [{"type": "bar", "x": labels, "y": row.hourly, "marker": {"color": "#2b6cb0"},
                  "hovertemplate": "%{x}: %{y}<extra></extra>"}],
        "layout": {"height": 48, "margin": {"l": 0, "r": 0, "t": 0, "b": 0},
                   "xaxis": {"visible": False}, "yaxis": {"visible": False, "rangemode": "tozero"},
                   "bargap": 0.1, "showlegend": False, "paper_bgcolor": "rgba(0,0,0,0)",
                   "plot_bgcolor": "rgba(0,0,0,0)"},
    }


def sparklines(rows: list[GatewayStatus]) -> list[dict]:
    labels = hour_labels()
    return [sparkline(r, labels) for r in rows]
