"""The JSON API of SPEC §5: /api/v1/stats/… and /api/v1/downloads/<type>.

Session login or `Authorization: Bearer <token>`; `accounts.access.api_view`
(re-exported here for older imports) answers anonymous calls 401 JSON, bad
parameters 400 JSON naming the parameter, and marks every answer no-store.
"""
from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import get_language
from django.utils.translation import gettext as _

import logformats
from accounts.access import api_view

from . import downloads, selectors
from .params import choice_param, month_param, scope_param
from .scope import ParamError


def _stats(request: HttpRequest, selector: Callable, **extra) -> JsonResponse:
    month = month_param(request)
    scope = scope_param(request)
    return JsonResponse(selector(scope=scope, month=month, **extra),
                        json_dumps_params={"ensure_ascii": False})


@api_view
def connections(request: HttpRequest) -> JsonResponse:
    return _stats(request, selectors.connections_daily)


@api_view
def connection_time(request: HttpRequest) -> JsonResponse:
    return _stats(request, selectors.connection_time_daily)


@api_view
def roaming(request: HttpRequest) -> JsonResponse:
    by = choice_param(request, "by", selectors.ROAMING_BY)
    return _stats(request, selectors.roaming, by=by)


@api_view
def connection_pivot(request: HttpRequest) -> JsonResponse:
    view = choice_param(request, "view", selectors.PIVOT_VIEWS)
    return _stats(request, selectors.connection_pivot, view=view)


@api_view
def distribution(request: HttpRequest) -> JsonResponse:
    dimension = choice_param(request, "dimension", selectors.DIMENSIONS)
    return _stats(request, selectors.distribution, dimension=dimension, lang=get_language())


@api_view
def control(request: HttpRequest) -> JsonResponse:
    return _stats(request, selectors.control_daily)


@api_view
def system_series(request: HttpRequest) -> JsonResponse:
    return _stats(request, selectors.system_series_daily)


@api_view
def download(request: HttpRequest, log_type: str) -> HttpResponse:
    if log_type not in logformats.LOG_TYPES:
        raise ParamError("type", _("unknown log type"))
    month = month_param(request)
    scope = scope_param(request)
    return downloads.download_response(scope=scope, month=month, log_type=log_type)
