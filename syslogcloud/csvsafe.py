"""CSV cells that a spreadsheet will not run as formulas (SPEC §9).

History, quarantine and trace CSVs carry text that users and log senders
chose; Excel and LibreOffice execute a cell that begins with ``=``, ``+``,
``-`` or ``@`` (and TAB / CR tricks). Such cells get a leading ``'``. The
monthly log downloads do not use this: they stay exact §3 records.
"""
from __future__ import annotations

from collections.abc import Iterable

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def safe_row(values: Iterable[object]) -> list[str]:
    return [safe_cell(v) for v in values]
