"""Query-string validation shared by the pages and the JSON API. Every
failure is a `ParamError` naming the parameter (answered with 400)."""
from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext as _

from .periods import Month, today_jst
from .scope import ParamError, Scope, scope_resolve


def month_param(request: HttpRequest, *, required: bool = True) -> Month | None:
    text = request.GET.get("month", "")
    if not text:
        if required:
            raise ParamError("month", _("month is required (YYYY-MM)"))
        return None
    try:
        month = Month.parse(text)
    except ValueError:
        raise ParamError("month", _("month must be YYYY-MM")) from None
    first, last = month_limits()
    if not first <= (month.year, month.month) <= last:
        raise ParamError("month", _("month must be between %(first)s and %(last)s") % {
            "first": f"{first[0]:04d}-{first[1]:02d}", "last": f"{last[0]:04d}-{last[1]:02d}"})
    return month


def month_limits() -> tuple[tuple[int, int], tuple[int, int]]:
    """(year, month) of the first and last month a request may name: logs are
    from 2000 on, and a month past next year cannot have data (nor can a
    computation near year 9999 overflow the calendar)."""
    return (2000, 1), (today_jst().year + 1, 12)


def scope_param(request: HttpRequest) -> Scope:
    return scope_resolve(account=request.account, gateway_id=request.GET.get("gateway") or None)


def choice_param(request: HttpRequest, name: str, choices: tuple[str, ...],
                 default: str | None = None) -> str:
    value = request.GET.get(name) or default
    if value not in choices:
        raise ParamError(
            name, _("%(name)s must be one of: %(choices)s")
            % {"name": name, "choices": ", ".join(choices)},
        )
    return value
