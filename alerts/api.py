"""JSON of SPEC §8: /api/v1/gateways/status and /api/v1/alerts."""
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache

from audit.search import api_error, bind_search_form, iso_jst
from portal.api import api_view

from . import selectors
from .forms import AlertSearchForm

MAX_ROWS = 10000


def _iso(dt):
    return iso_jst(dt) if dt else None


@never_cache
@api_view
def gateways_status(request: HttpRequest) -> JsonResponse:
    """`{"gateways": [{gateway, label, state, last_seen, last_seen_by_type,
    last_hour, last_24h, hourly, silent_minutes}]}`; state is `receiving`
    (受信中), `silent` (停止) or `never` (未受信)."""
    rows = selectors.gateway_status_list(account=request.account, now=timezone.now())
    body = {"gateways": [
        {"gateway": s.gateway_id, "label": s.label, "state": s.state,
         "last_seen": _iso(s.last_seen),
         "last_seen_by_type": {t: _iso(v) for t, v in s.last_seen_by_type.items()},
         "last_hour": s.last_hour, "last_24h": s.last_24h, "hourly": s.hourly,
         "silent_minutes": s.silent_minutes, "never_seen_alerts": s.never_seen_alerts}
        for s in rows]}
    return JsonResponse(body, json_dumps_params={"ensure_ascii": False})


def event_row(event) -> dict:
    return {
        "id": event.pk, "opened_at": _iso(event.opened_at), "resolved_at": _iso(event.resolved_at),
        "rule_id": event.rule_id, "rule": event.rule_text, "gateway": event.gateway.gateway_id,
        "label": event.gateway.label, "detail": event.detail, "last_seen": _iso(event.last_seen),
        "deliveries": [
            {"phase": d.phase, "channel": d.channel, "target": d.target, "status": d.status,
             "attempts": d.attempts, "result": d.result, "finished_at": _iso(d.finished_at)}
            for d in event.deliveries.all()],
    }


@never_cache
@api_view
def alerts(request: HttpRequest) -> JsonResponse:
    """`{"rows": [event...]}` opened in [from, to] (JST days), newest first;
    the period rules of the other histories (400 naming the parameter)."""
    form = bind_search_form(AlertSearchForm, request.GET)
    if not form.is_valid():
        return api_error(form)
    events = list(selectors.event_search(account=request.account, form=form)[:MAX_ROWS + 1])
    body: dict = {"rows": [event_row(e) for e in events[:MAX_ROWS]]}
    if len(events) > MAX_ROWS:
        body["truncated"] = True
    return JsonResponse(body, json_dumps_params={"ensure_ascii": False})
