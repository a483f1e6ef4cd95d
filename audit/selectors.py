"""Reads of the histories, always scoped by `history_scope` first."""
from django.db.models import Q, QuerySet

from accounts.access import history_visible

from . import display, kinds
from .models import LoginHistory, OperationHistory
from .search import HistorySearchForm, period_bounds


def history_scope(qs: QuerySet, *, user, own_only: bool = False) -> QuerySet:
    """Rows `user` may see (`accounts.access.history_visible`): their
    account's (admins) or only their own rows; a platform operator without
    an account sees every account's rows."""
    return history_visible(qs, user=user, own_only=own_only)


def _text(qs: QuerySet, q: str) -> QuerySet:
    return qs.filter(Q(username__icontains=q) | Q(name__icontains=q)) if q else qs


def login_history_search(*, user, form: HistorySearchForm, own_only: bool = False) -> QuerySet:
    """Login history rows for a valid LoginSearchForm, sorted as asked."""
    start, end = period_bounds(form)
    qs = history_scope(LoginHistory.objects.all(), user=user, own_only=own_only)
    qs = _text(qs.filter(at__gte=start, at__lt=end), form.cleaned_data.get("q", ""))
    if form.cleaned_data.get("result"):
        qs = qs.filter(result__in=form.cleaned_data["result"])
    return qs.order_by(*form.order_by())


def operation_history_search(*, user, form: HistorySearchForm) -> QuerySet:
    """Operation history rows for a valid OperationSearchForm, sorted as asked."""
    start, end = period_bounds(form)
    qs = display.order_by_kind_name(history_scope(OperationHistory.objects.all(), user=user))
    qs = _text(qs.filter(at__gte=start, at__lt=end), form.cleaned_data.get("q", ""))
    if form.cleaned_data.get("kind"):
        qs = qs.filter(kind__in=kinds.kind_codes(form.cleaned_data["kind"]))
    return qs.order_by(*form.order_by())


def history_for_period(qs: QuerySet, *, user, form: HistorySearchForm,
                       own_only: bool = False) -> QuerySet:
    """The CSV's rows: the period only (manual §1.1.2), newest first."""
    start, end = period_bounds(form)
    qs = history_scope(qs, user=user, own_only=own_only)
    return qs.filter(at__gte=start, at__lt=end).order_by("-at", "-id")
