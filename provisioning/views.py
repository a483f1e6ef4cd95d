"""Screens: connected services (admins), the provisioning history tab with
its CSV, a row's detail and the re-run of a failed push."""
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import admin_required, found, history_required
from audit.search import bind_search_form, csv_response, csv_time, paginate
from audit.tabs import tabs_for
from syslogcloud.csvsafe import safe_row

from . import selectors, services
from .forms import CSV_HEADER, ProvisioningSearchForm, ServiceForm, service_initial
from .texts import Result


@admin_required
def service_list(request: HttpRequest) -> HttpResponse:
    account = request.account
    return render(request, "provisioning/service_list.html",
                  {"services": selectors.service_list(account=account)})


@admin_required
def service_create(request: HttpRequest) -> HttpResponse:
    account = request.account
    form = ServiceForm(request.POST or None, account=account)
    if request.method == "POST" and form.is_valid():
        service = services.service_create(account=account, actor=request.user,
                                          request=request, **form.cleaned_data)
        messages.success(request, _("Registered %(name)s.") % {"name": service.name})
        return redirect("provisioning:service-list")
    status = 400 if request.method == "POST" else 200
    return render(request, "provisioning/service_form.html", {"form": form}, status=status)


@admin_required
def service_edit(request: HttpRequest, pk: int) -> HttpResponse:
    account = request.account
    service = found(selectors.service_get(account=account, pk=pk))
    form = ServiceForm(request.POST or None, account=account, service=service,
                       initial=service_initial(service))
    if request.method == "POST" and form.is_valid():
        services.service_update(service=service, actor=request.user, request=request,
                                **form.cleaned_data)
        messages.success(request, _("Saved %(name)s.") % {"name": service.name})
        return redirect("provisioning:service-list")
    status = 400 if request.method == "POST" else 200
    return render(request, "provisioning/service_form.html",
                  {"form": form, "service": service}, status=status)


@admin_required
def service_delete(request: HttpRequest, pk: int) -> HttpResponse:
    account = request.account
    service = found(selectors.service_get(account=account, pk=pk))
    if request.method == "POST":
        name = service.name
        services.service_delete(service=service, actor=request.user, request=request)
        messages.success(request, _("Removed %(name)s.") % {"name": name})
        return redirect("provisioning:service-list")
    return render(request, "provisioning/service_confirm_delete.html", {"service": service})


@admin_required
@require_POST
def service_sync(request: HttpRequest, pk: int) -> HttpResponse:
    """Provision every user and organisation to the service again."""
    account = request.account
    service = found(selectors.service_get(account=account, pk=pk))
    if not service.enabled:
        messages.error(request, _("Enable the service first."))
    else:
        services.service_full_sync(service=service)
        messages.success(request, _("Full sync started."))
    return redirect("provisioning:service-list")


def _search_form(request: HttpRequest) -> ProvisioningSearchForm:
    form = bind_search_form(ProvisioningSearchForm, request.GET)
    return form.with_services(selectors.service_names(user=request.user))


@history_required
def history(request: HttpRequest) -> HttpResponse:
    """サービス連携履歴 (manual §1.3.1)."""
    form = _search_form(request)
    valid = form.is_valid()
    rows = selectors.history_search(user=request.user, form=form) if valid else None
    context = {
        "form": form,
        "page": paginate(rows, request) if rows is not None else None,
        "tabs": tabs_for(request.user),
        "current": "provisioning:history",
        "sort": form.cleaned_data.get("sort", form.default_sort) if valid else "",
    }
    return render(request, "provisioning/history.html", context, status=200 if valid else 400)


def csv_rows(qs):
    """CSV rows with the manual's Japanese labels (the file is the manual's)."""
    with translation.override("ja"):
        for r in qs.iterator(chunk_size=2000):
            yield safe_row([csv_time(r.at), r.service_name, str(r.get_kind_display()),
                            r.target, str(r.get_result_display()), r.detail])


@history_required
def history_csv(request: HttpRequest) -> HttpResponse:
    """provisioning-log_yyyyMMdd.csv: the period only (manual §1.3.2)."""
    form = _search_form(request)
    if not form.is_valid():
        return history(request)
    qs = selectors.history_for_period(user=request.user, form=form)
    return csv_response("provisioning-log", CSV_HEADER, csv_rows(qs))


@history_required
def history_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A row's full detail, its per-organisation reasons, and re-run for NG."""
    record = found(selectors.history_get(user=request.user, pk=pk))
    can_rerun = (record.result == Result.NG and record.service_id is not None
                 and record.service.enabled and request.user.account_id == record.account_id)
    return render(request, "provisioning/history_detail.html",
                  {"record": record, "can_rerun": can_rerun, "reruns": record.reruns.all()})


@admin_required
@require_POST
def history_rerun(request: HttpRequest, pk: int) -> HttpResponse:
    """Re-run a failed push; the new attempt is its own history row."""
    account = request.account
    record = selectors.history_get(user=request.user, pk=pk)
    # Only the admin's own account's rows (an operator may read all rows).
    record = found(record if record and record.account_id == account.pk else None)
    try:
        new = services.push_rerun(record=record)
    except ValueError:
        messages.error(request, _("Only a failed push of an enabled service can be re-run."))
        return redirect("provisioning:history-detail", pk=record.pk)
    messages.success(request, _("The push was started again."))
    return redirect("provisioning:history-detail", pk=new.pk)
