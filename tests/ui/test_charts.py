"""Chart and pivot dicts (portal/charts.py): escaping, number formats, units,
empty months, the heat scale, labels in the UI language."""
import json

import pytest
from django.utils import translation

from portal import charts, labels

DAYS = [{"date": f"2024-02-{d:02d}", "connections": 1500 * d, "unique_terminals": 3,
         "avg_seconds": 600, "max_seconds": 3600, "session": 1, "spam": 0, "bandwidth": 0,
         "sessions_avg": 2, "sessions_max": 4, "rx_avg": 3_850_832, "rx_max": 9_000_000,
         "tx_avg": 1_000_000, "tx_max": 2_000_000, "users_avg": 1, "users_max": 2}
        for d in (1, 2)]
ZERO_DAYS = [{k: (v if k == "date" else 0) for k, v in d.items()} for d in DAYS]


def all_figures(days):
    roaming = {"rows": [{"key": "GW<1>", "connected": 2, "left": 1}],
               "flows": [{"from": "GW<1>", "to": "", "count": 1}]}
    figs = [charts.connections({"days": days}), charts.connection_time({"days": days}),
            charts.control({"days": days}), charts.roaming_bars(roaming, "t", "VLAN"),
            charts.roaming_sankey(roaming, "t")]
    return figs + [f for _n, f in charts.system_series({"days": days})]


def test_log_text_is_escaped_in_every_label():
    data = {"items": [{"key": "<a href=//x>phish</a>", "label": "", "count": 3}]}
    pie = charts.distribution(data, "browser", "Browser")
    assert pie["data"][0]["labels"] == ["&lt;a href=//x&gt;phish&lt;/a&gt;"]
    text = json.dumps(all_figures(DAYS))
    assert "GW<1>" not in text and "GW&lt;1&gt;" in text


def test_numbers_have_thousands_separators_and_units():
    with translation.override("ja"):
        figs = all_figures(DAYS)
        traffic = dict(charts.system_series({"days": DAYS}))["traffic"]
    for fig in figs:
        for trace in fig["data"]:
            template = trace.get("hovertemplate") or trace["link"]["hovertemplate"]
            assert ":,"in template, template
        if "xaxis" in fig["layout"]:
            assert fig["layout"]["xaxis"]["title"]["text"]
            assert fig["layout"]["yaxis"]["title"]["text"]
            assert fig["layout"]["yaxis"]["tickformat"].startswith(",")
    assert traffic["data"][0]["y"][0] == 3.851 and "Mbps" in traffic["data"][0]["hovertemplate"]
    ctime = charts.connection_time({"days": DAYS})
    assert "分" in ctime["data"][0]["hovertemplate"] or "min" in ctime["data"][0]["hovertemplate"]


def test_the_sankey_hover_is_translated():
    with translation.override("ja"):
        link = charts.roaming_sankey(
            {"rows": [], "flows": [{"from": "a", "to": "b", "count": 1}]}, "t")["data"][0]["link"]
    assert "source" not in link["hovertemplate"].lower().replace("%{source.label}", "")
    assert "移動元" in link["hovertemplate"]


def test_an_empty_month_draws_no_axes():
    figs = all_figures(ZERO_DAYS)[:3] + [f for _n, f in charts.system_series({"days": ZERO_DAYS})]
    assert all(f.get("empty") for f in figs)
    assert charts.distribution({"items": []}, "os", "OS")["empty"]


def test_the_heat_scale_leaves_out_the_unknown_column_and_is_logarithmic():
    columns = ["0/1", "1/1", "/"]
    pivot = {"rows": ["JP", "US", ""], "columns": columns,
             "cells": [[40, 3, 5000], [1, 2, 900], [0, 0, 7000]]}
    table = charts.pivot_table(pivot, "country")
    levels = [[lvl for _n, lvl in r["cells"]] for r in table["rows"]]
    assert table["peak"] == 40  # not 7000
    assert levels[0][0] == 9 and levels[0][2] == 9 and levels[1][0] >= 2
    assert len({lvl for row in levels for lvl in row[:2] if lvl}) >= 3
    assert table["legend"][0][1] == 1 and table["legend"][-1][0] == 9


@pytest.mark.parametrize(("lang", "row"), [("ja", "月 07"), ("en", "Mon 07")])
def test_weekday_rows_read_in_the_ui_language(lang, row):
    with translation.override(lang):
        table = charts.pivot_table({"rows": ["Mon 07"], "columns": ["0/1"], "cells": [[1]]},
                                   "weekday-hour")
    assert table["rows"][0]["label"] == row
    assert labels.label("country", "JP", lang).endswith("(JP)")


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_counts_are_grouped_by_three(lang):
    from portal.templatetags.numbers import thousands

    with translation.override(lang):
        assert thousands(1234567) == "1,234,567" and thousands(12) == "12"
