"""Screens: 機器の状態 (every user of the account), alert rules (admins, under
管理) and the alert history."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from accounts.views.common import admin_required, found
from audit.search import bind_search_form, paginate

from . import charts, selectors, services, texts
from .forms import AlertSearchForm, RuleForm, rule_initial


def _account(request: HttpRequest):
    if request.account is None:
        raise PermissionDenied
    return request.account


@login_required
def status(request: HttpRequest) -> HttpResponse:
    account = _account(request)
    rows = selectors.gateway_status_list(account=account, now=timezone.now())
    items = [{"row": row, "figure": fig, "figure_id": f"spark-{i}"}
             for i, (row, fig) in enumerate(zip(rows, charts.sparklines(rows), strict=True))]
    return render(request, "alerts/status.html", {"items": items})


@login_required
def history(request: HttpRequest) -> HttpResponse:
    account = _account(request)
    form = bind_search_form(AlertSearchForm, request.GET)
    page = None
    if form.is_valid():
        page = paginate(selectors.event_search(account=account, form=form), request)
    return render(request, "alerts/history.html", {"form": form, "page": page},
                  status=200 if form.is_valid() else 400)


@admin_required
def rule_list(request: HttpRequest) -> HttpResponse:
    rules = list(selectors.rule_list(account=request.account))
    for rule in rules:
        rule.text = texts.rule_text(rule, "en" if get_language() == "en" else "ja")
    return render(request, "alerts/rule_list.html", {"rules": rules})


def _secret_notice(request: HttpRequest, rule, secret: str) -> None:
    if secret and rule.webhooks:
        messages.info(request, _("Webhook secret of rule %(id)s (shown once): %(secret)s")
                      % {"id": rule.pk, "secret": secret})


@admin_required
def rule_create(request: HttpRequest) -> HttpResponse:
    form = RuleForm(request.POST or None, account=request.account)
    if request.method == "POST" and form.is_valid():
        rule, secret = services.rule_create(account=request.account, actor=request.user,
                                            request=request, **form.cleaned_data)
        messages.success(request, _("Saved rule %(id)s.") % {"id": rule.pk})
        _secret_notice(request, rule, secret)
        return redirect("alerts:rule-list")
    return render(request, "alerts/rule_form.html", {"form": form},
                  status=400 if request.method == "POST" else 200)


@admin_required
def rule_edit(request: HttpRequest, pk: int) -> HttpResponse:
    rule = found(selectors.rule_get(account=request.account, pk=pk))
    form = RuleForm(request.POST or None, account=request.account, initial=rule_initial(rule))
    if request.method == "POST" and form.is_valid():
        secret = services.rule_update(rule=rule, actor=request.user, request=request,
                                      **form.cleaned_data)
        messages.success(request, _("Saved rule %(id)s.") % {"id": rule.pk})
        _secret_notice(request, rule, secret)
        return redirect("alerts:rule-list")
    return render(request, "alerts/rule_form.html", {"form": form, "rule": rule},
                  status=400 if request.method == "POST" else 200)


@admin_required
def rule_delete(request: HttpRequest, pk: int) -> HttpResponse:
    rule = found(selectors.rule_get(account=request.account, pk=pk))
    if request.method == "POST":
        services.rule_delete(rule=rule, actor=request.user, request=request)
        messages.success(request, _("Deleted rule %(id)s.") % {"id": pk})
        return redirect("alerts:rule-list")
    return render(request, "alerts/rule_confirm_delete.html", {"rule": rule})
