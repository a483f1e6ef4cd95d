"""The one place a stored key becomes the text a person reads.

Distribution keys, pivot rows and columns, and the weekday names all go
through `label()`; the API keeps country and language codes (`names=False`),
the screens add the name: 日本 (JP).
"""
from __future__ import annotations

from django.utils.translation import gettext_lazy

from logformats import codes

# The screens' name of each log type; keys are logformats.LOG_TYPES (the one
# registry) and tests/logformats/test_one_registry.py checks they stay equal.
LOG_TYPE_NAMES = {
    "auth": gettext_lazy("Authentication log"), "active": gettext_lazy("Active connection log"),
    "control": gettext_lazy("Control log"), "dhcp": gettext_lazy("DHCP log"),
    "session": gettext_lazy("Session log"), "traffic": gettext_lazy("Traffic log"),
    "mail": gettext_lazy("Mail log"), "activeuser": gettext_lazy("Active user log"),
}

# Table of logformats.codes for each dimension whose keys are codes.
_CODE_TABLES = {
    "gender": "gender", "auth_method": "auth_method", "openid": "openid_provider",
    "age": "age_band", "country": "country", "language": "language",
}
# selectors.WEEKDAYS keys (the API's spelling) → (ja, en).
_WEEKDAYS = {"Mon": ("月", "Mon"), "Tue": ("火", "Tue"), "Wed": ("水", "Wed"),
             "Thu": ("木", "Thu"), "Fri": ("金", "Fri"), "Sat": ("土", "Sat"),
             "Sun": ("日", "Sun")}


def _english(lang: str | None) -> bool:
    return (lang or "ja")[:2] == "en"


def label(dimension: str, key: str, lang: str | None, *, names: bool = True) -> str:
    """Display text of `key` in one dimension (a distribution, a pivot axis).

    - country / language: "日本 (JP)" (just "JP" with names=False);
    - demographic pivot columns "g/a": "男性 20–29";
    - weekday-hour pivot rows "Mon 07": "月 07" in Japanese;
    - empty keys are 不明 / Unknown."""
    en = _english(lang)
    lang = "en" if en else "ja"
    if dimension == "demographic":
        g, _slash, a = key.partition("/")
        return f"{label('gender', g, lang)} {label('age', a, lang)}"
    if dimension == "weekday-hour":
        day, _space, hour = key.partition(" ")
        return f"{_WEEKDAYS.get(day, (day, day))[en]} {hour}"
    if not key:
        return codes.UNKNOWN[en]
    if dimension in ("country", "language"):
        if not names:
            return key
        name = codes.label(_CODE_TABLES[dimension], key, lang)
        return f"{name} ({key})" if name != key else key
    table = _CODE_TABLES.get(dimension)
    return codes.label(table, key, lang) if table else key
