"""JSON history for scripts and SIEM (SPEC §6): session or API token."""
from django.http import HttpRequest, JsonResponse

from accounts.access import api_view

from . import selectors
from .forms import LoginSearchForm, OperationSearchForm
from .search import api_error, bind_search_form, iso_jst

MAX_ROWS = 10000


def _rows_response(rows: list[dict]) -> JsonResponse:
    """`{"rows": [...]}`; at most MAX_ROWS, with `"truncated": true` when more
    matched (narrow the period to fetch the rest)."""
    body: dict = {"rows": rows[:MAX_ROWS]}
    if len(rows) > MAX_ROWS:
        body["truncated"] = True
    return JsonResponse(body, json_dumps_params={"ensure_ascii": False})


@api_view(account=False)
def login_history(request: HttpRequest) -> JsonResponse:
    """`{"rows": [{time, user_id, name, result, detail}]}` newest first.
    Plain users get their own attempts, admins their account's."""
    form = bind_search_form(LoginSearchForm, request.GET)
    if not form.is_valid():
        return api_error(form)
    qs = selectors.login_history_search(user=request.user, form=form)
    rows = [
        {"time": iso_jst(r.at), "user_id": r.username, "name": r.name,
         "result": r.result_label, "detail": r.detail}
        for r in qs[:MAX_ROWS + 1]
    ]
    return _rows_response(rows)


@api_view(account=False, history=True)
def operation_history(request: HttpRequest) -> JsonResponse:
    """`{"rows": [{time, kind, user_id, name, detail}]}` newest first (admins)."""
    form = bind_search_form(OperationSearchForm, request.GET)
    if not form.is_valid():
        return api_error(form)
    qs = selectors.operation_history_search(user=request.user, form=form)
    rows = [
        {"time": iso_jst(r.at), "kind": r.kind_label, "user_id": r.username, "name": r.name,
         "detail": r.detail}
        for r in qs[:MAX_ROWS + 1]
    ]
    return _rows_response(rows)
