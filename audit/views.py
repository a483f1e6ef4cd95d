"""History screens (KDDI manual ch. 1) and their CSV downloads."""
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.access import history_required, may_read_account_history
from syslogcloud.csvsafe import safe_row

from . import selectors
from .forms import LOGIN_CSV_HEADER, OPERATION_CSV_HEADER, LoginSearchForm, OperationSearchForm
from .models import LoginHistory, OperationHistory
from .search import bind_search_form, csv_response, csv_time, paginate
from .tabs import tabs_for


def _screen(request, template, form, rows, *, current, extra=None) -> HttpResponse:
    context = {
        "form": form,
        "page": paginate(rows, request) if rows is not None else None,
        "tabs": tabs_for(request.user),
        "current": current,
        "sort": form.cleaned_data.get("sort", form.default_sort) if form.is_valid() else "",
        **(extra or {}),
    }
    return render(request, template, context, status=200 if form.is_valid() else 400)


@login_required
def login_history(request: HttpRequest, own: bool = False) -> HttpResponse:
    """ログイン履歴: the account's (admins) or one's own attempts."""
    own = own or not may_read_account_history(request.user)
    form = bind_search_form(LoginSearchForm, request.GET)
    rows = None
    if form.is_valid():
        rows = selectors.login_history_search(user=request.user, form=form, own_only=own)
    current = "audit:my-login-history" if own else "audit:login-history"
    return _screen(request, "audit/login_history.html", form, rows, current=current,
                   extra={"own": own})


@login_required
def login_history_csv(request: HttpRequest, own: bool = False) -> HttpResponse:
    """access-log_yyyyMMdd.csv: the period only, whatever other filters say."""
    own = own or not may_read_account_history(request.user)
    form = bind_search_form(LoginSearchForm, request.GET)
    if not form.is_valid():
        return login_history(request, own=own)
    qs = selectors.history_for_period(LoginHistory.objects.all(), user=request.user, form=form,
                                      own_only=own)
    rows = (safe_row([csv_time(r.at), r.username, r.name, r.result_label, r.detail])
            for r in qs.iterator(chunk_size=2000))
    return csv_response("access-log", LOGIN_CSV_HEADER, rows)


@history_required
def operation_history(request: HttpRequest) -> HttpResponse:
    """操作履歴 of the account."""
    form = bind_search_form(OperationSearchForm, request.GET)
    rows = selectors.operation_history_search(user=request.user, form=form) \
        if form.is_valid() else None
    return _screen(request, "audit/operation_history.html", form, rows,
                   current="audit:operation-history")


@history_required
def operation_history_csv(request: HttpRequest) -> HttpResponse:
    """operation-log_yyyyMMdd.csv: the period only."""
    form = bind_search_form(OperationSearchForm, request.GET)
    if not form.is_valid():
        return operation_history(request)
    qs = selectors.history_for_period(OperationHistory.objects.all(), user=request.user,
                                      form=form)
    rows = (safe_row([csv_time(r.at), r.kind_label, r.username, r.name, r.detail])
            for r in qs.iterator(chunk_size=2000))
    return csv_response("operation-log", OPERATION_CSV_HEADER, rows)
