"""Portal pages: home and the five Syslog@Cloud screens (manual §2–§7).

Views validate the query string (one shared helper), call selectors and
hand chart dicts to the templates; a bad parameter renders a 400 page that
names it.
"""
from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import render
from django.templatetags.static import static
from django.utils.translation import get_language
from django.utils.translation import gettext as _

import logformats

from . import charts, selectors
from .labels import LOG_TYPE_NAMES
from .params import choice_param, month_param, scope_param
from .periods import Month
from .rollups import facts_cache
from .scope import ParamError


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Portal home with the シスログ＠Cloud entry (manual §2.1)."""
    return render(request, "portal/home.html")


def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico before reading any page (and for CSVs and
    JSON, which have no <link rel=icon>): send them to the static icon."""
    return HttpResponsePermanentRedirect(static("favicon.svg"))


def dashboard(template: str, params: dict | None = None):
    """Wraps a screen: resolves scope and month (default: newest month with
    data, else this month) and the screen's own choice parameters
    (name → (choices, default)), and adds the selectors' context."""
    params = params or {}

    def decorate(build):
        @login_required
        def view(request: HttpRequest) -> HttpResponse:
            if request.account is None:
                return render(request, "portal/no_account.html", status=403)
            try:
                scope = scope_param(request)
                month = month_param(request, required=False)
                extra = {n: choice_param(request, n, choices, default)
                         for n, (choices, default) in params.items()}
            except ParamError as exc:
                return render(request, "portal/bad_request.html",
                              {"parameter": exc.parameter, "message": exc.message}, status=400)
            months = selectors.months_with_data(scope=scope)
            if month is None:
                month = months[0] if months else Month.current()
            choices = sorted(set(months) | {month}, key=lambda m: (m.year, m.month),
                             reverse=True)
            query = {"month": str(month)}
            if scope.gateway:
                query["gateway"] = scope.gateway.gateway_id
            context = {
                "scope": scope,
                "month": month,
                "months": choices,
                "has_data": month in months,
                "gateways": scope.gateways,
                "query": urlencode(query),
                "screen": build.__name__,
            }
            with facts_cache():
                context.update(build(request, scope=scope, month=month, **extra))
            return render(request, template, context)

        view.__name__ = build.__name__
        return view

    return decorate


@dashboard("portal/summary.html")
def summary(request, *, scope, month) -> dict:
    """§3: daily connections, compact user distribution, daily system log."""
    lang = get_language()
    dims = [("device", _("Device type")), ("browser", _("Browser")), ("os", _("OS")),
            ("country", _("Country")), ("language", _("Language")), ("age", _("Age"))]
    return {
        "fig_connections": charts.connections(
            selectors.connections_daily(scope=scope, month=month)),
        "fig_distributions": [
            (dim, charts.distribution(
                selectors.distribution(scope=scope, month=month, dimension=dim, lang=lang),
                dim, title, top=6))
            for dim, title in dims
        ],
        "fig_control": charts.control(selectors.control_daily(scope=scope, month=month)),
    }


# The pivot tab and the 色を表示 toggle live in the URL, so a month or device
# change, a reload or a shared link keeps them.
@dashboard("portal/trend.html", {"by": (selectors.ROAMING_BY, "gateway"),
                                 "tab": (selectors.PIVOT_VIEWS, "day-hour"),
                                 "heat": (("0", "1"), "0")})
def trend(request, *, scope, month, by, tab, heat) -> dict:
    """§4: connections, connection time, roaming, the four pivots."""
    roaming = selectors.roaming(scope=scope, month=month, by=by)
    title = _("Roaming by gateway") if by == "gateway" else _("Roaming by VLAN")
    tabs = [("day-hour", _("Day / hour")), ("country", _("Country / gender / age")),
            ("language", _("Language / gender / age")),
            ("weekday-hour", _("Weekday / hour / gender / age"))]
    return {
        "fig_connections": charts.connections(
            selectors.connections_daily(scope=scope, month=month)),
        "fig_ctime": charts.connection_time(
            selectors.connection_time_daily(scope=scope, month=month)),
        "roaming_by": by,
        "roaming": roaming,
        "fig_roaming": charts.roaming_bars(
            roaming, title, _("Gateway") if by == "gateway" else "VLAN"),
        "fig_flows": charts.roaming_sankey(roaming, _("Roaming flows")),
        "tab": tab,
        "heat": heat,
        "pivots": [(view, name, charts.pivot_table(
            selectors.connection_pivot(scope=scope, month=month, view=view), view))
            for view, name in tabs],
    }


@dashboard("portal/users.html")
def users(request, *, scope, month) -> dict:
    """§5: the nine distributions."""
    lang = get_language()
    dims = [("device", _("Device type")), ("browser", _("Browser")), ("os", _("OS")),
            ("country", _("Country")), ("language", _("Language")), ("age", _("Age")),
            ("gender", _("Gender")), ("auth_method", _("Authentication method")),
            ("openid", _("OpenID provider"))]
    return {"fig_distributions": [
        (dim, charts.distribution(
            selectors.distribution(scope=scope, month=month, dimension=dim, lang=lang),
            dim, title))
        for dim, title in dims
    ]}


@dashboard("portal/system.html")
def system(request, *, scope, month) -> dict:
    """§6: daily session control by kind, plus the gauge logs' series."""
    return {
        "fig_control": charts.control(selectors.control_daily(scope=scope, month=month)),
        "fig_series": charts.system_series(
            selectors.system_series_daily(scope=scope, month=month)),
    }


@dashboard("portal/download.html")
def download(request, *, scope, month) -> dict:
    """§7: one button per log type for the scope and month."""
    return {"log_types": [(t, LOG_TYPE_NAMES[t]) for t in logformats.LOG_TYPES]}
