"""Reads for provisioning, always starting from the caller's account."""
from django.db.models import QuerySet

from accounts.access import history_visible
from audit.search import period_bounds

from .forms import ProvisioningSearchForm
from .models import ConnectedService, ProvisioningHistory


def history_scope(*, user) -> QuerySet:
    """Rows `user` may see (`accounts.access.history_visible`): an admin's
    account's; a platform operator without an account sees all; anyone
    else nothing."""
    qs = ProvisioningHistory.objects.select_related("service")
    return history_visible(qs, user=user, own_rows=False)


def history_search(*, user, form: ProvisioningSearchForm) -> QuerySet:
    """History rows for a valid search form, sorted as asked."""
    start, end = period_bounds(form)
    data = form.cleaned_data
    qs = history_scope(user=user).filter(at__gte=start, at__lt=end)
    if data.get("q"):
        qs = qs.filter(target__icontains=data["q"])
    if data.get("service"):
        qs = qs.filter(service_name=data["service"])
    if data.get("kind"):
        qs = qs.filter(kind=data["kind"])
    if data.get("result"):
        qs = qs.filter(result__in=data["result"])
    return qs.order_by(*form.order_by())


def history_for_period(*, user, form: ProvisioningSearchForm) -> QuerySet:
    """The CSV's rows: the period only (manual §1.3.2), newest first."""
    start, end = period_bounds(form)
    return history_scope(user=user).filter(at__gte=start, at__lt=end).order_by("-at", "-id")


def history_get(*, user, pk: int) -> ProvisioningHistory | None:
    """One row the user may see, or None (another account's looks unknown)."""
    return history_scope(user=user).filter(pk=pk).first()


def service_names(*, user) -> list[str]:
    """Names for the service drop-down: current services and those in the history."""
    names = set(history_scope(user=user).values_list("service_name", flat=True).distinct())
    if user.account_id:
        names |= set(service_list(account=user.account).values_list("name", flat=True))
    return sorted(names)


def service_list(*, account) -> QuerySet:
    """The account's connected services."""
    return ConnectedService.objects.filter(account=account).prefetch_related("organisations")


def service_get(*, account, pk: int) -> ConnectedService | None:
    return service_list(account=account).filter(pk=pk).first()
