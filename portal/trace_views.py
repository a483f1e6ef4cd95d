"""Terminal lookup (端末照会, SPEC §7): the JSON API, the screen, its CSV, and
the admin's switch that lets a user look up.

Every lookup is checked by `can_trace`, scoped through `portal.scope`, and
written to the operation history before any record is returned.
"""
from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import selectors as account_selectors
from accounts.access import api_view, trace_required
from accounts.views.common import admin_required, found
from audit.search import csv_response, iso_jst
from syslogcloud.csvsafe import safe_row

from . import trace, trace_rows
from .params import scope_param
from .scope import ParamError, Scope, account_gateways
from .trace_access import trace_audit_ip, trace_audit_mac, trace_permission_set
from .trace_params import IpQuery, MacQuery, trace_query


def _run(request: HttpRequest, query: IpQuery | MacQuery, scope: Scope):
    """Audit first, then look up: no answer leaves without its history row."""
    if isinstance(query, IpQuery):
        trace_audit_ip(request=request, ip=query.ip, at=query.at)
        return trace.trace_by_ip(scope=scope, ip=query.ip, at=query.at)
    trace_audit_mac(request=request, mac=query.mac, day_from=query.day_from,
                    day_to=query.day_to)
    return trace.trace_by_mac(scope=scope, mac=query.mac, day_from=query.day_from,
                              day_to=query.day_to)


# --- JSON ------------------------------------------------------------------

def _iso(value):
    return iso_jst(value) if hasattr(value, "astimezone") else value


def session_json(s: trace.Session) -> dict:
    out = {"type": s.type, "gateway": s.gateway.gateway_id, "port": s.port, "mac": s.mac,
           "ip": s.ip, "start": iso_jst(s.start), "end": _iso(s.end)}
    if s.type == "auth":
        out["auth_method"] = s.auth_method
    else:
        out.update(status=s.status, usage_seconds=s.usage_seconds)
    return out


def lease_json(lease: trace.Lease) -> dict:
    return {"time": iso_jst(lease.time), "gateway": lease.gateway.gateway_id, "mac": lease.mac,
            "ip": lease.ip}


def record_json(r: trace.MacRecord) -> dict:
    return {"type": r.type, "time": iso_jst(r.time), "gateway": r.gateway.gateway_id,
            "ip": r.ip, **{k: _iso(v) for k, v in r.fields.items()}}


@api_view(trace=True)
def trace_api(request: HttpRequest) -> JsonResponse:
    """GET /api/v1/trace?ip=&at=[&gateway=] or ?mac=&from=&to=[&gateway=]."""
    query = trace_query(request.GET)
    result = _run(request, query, scope_param(request))
    if isinstance(query, IpQuery):
        body = {"sessions": [session_json(s) for s in result.sessions],
                "leases": [lease_json(le) for le in result.leases]}
    else:
        body = {"records": [record_json(r) for r in result]}
    return JsonResponse(body, json_dumps_params={"ensure_ascii": False})


# --- Screen and CSV ----------------------------------------------------------

@trace_required
def trace_screen(request: HttpRequest) -> HttpResponse:
    """端末照会: the two search forms and, once asked, the result tables."""
    context = {"gateways": account_gateways(account=request.account), "values": request.GET,
               "mode": "mac" if request.GET.get("mac") else "ip", "errors": {}}
    asked = any(request.GET.get(k) for k in ("ip", "at", "mac", "from", "to"))
    if not asked:
        return render(request, "portal/trace.html", context)
    try:
        query = trace_query(request.GET)
        result = _run(request, query, scope_param(request))
    except ParamError as exc:
        context["errors"] = {exc.parameter: exc.message}
        return render(request, "portal/trace.html", context, status=400)
    if isinstance(query, IpQuery):
        context["sessions"], context["leases"] = trace_rows.ip_rows(result)
    else:
        context["records"] = trace_rows.mac_rows(result)
    context.update(query=query, csv_query=urlencode(
        [(k, v) for k, v in request.GET.items() if k in CSV_PARAMS and v]))
    return render(request, "portal/trace.html", context)


CSV_PARAMS = ("ip", "at", "mac", "from", "to", "gateway")


@trace_required
def trace_csv(request: HttpRequest) -> HttpResponse:
    """The screen's results as CSV (UTF-8 with BOM, formula-safe cells)."""
    try:
        query = trace_query(request.GET)
        result = _run(request, query, scope_param(request))
    except ParamError:
        return trace_screen(request)
    if isinstance(query, IpQuery):
        sessions, leases = trace_rows.ip_rows(result)
        rows = sessions + leases
    else:
        rows = trace_rows.mac_rows(result)
    response = csv_response("terminal-lookup", trace_rows.csv_header(),
                            (safe_row(r) for r in trace_rows.csv_rows(rows)))
    response["Cache-Control"] = "no-store"
    return response


# --- Permission --------------------------------------------------------------

@admin_required
@require_POST
def trace_permission(request: HttpRequest, pk: int) -> HttpResponse:
    """The user detail screen's checkbox: may this user look up terminals?"""
    user = found(account_selectors.user_get(account=request.account, pk=pk))
    permitted = request.POST.get("trace_permitted") == "on"
    if trace_permission_set(user=user, permitted=permitted, actor=request.user,
                            request=request):
        messages.success(request, _("Terminal lookup permission granted.") if permitted
                         else _("Terminal lookup permission removed."))
    return redirect("accounts:user-detail", pk=user.pk)
