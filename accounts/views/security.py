"""Security settings (manual §3.2.18, 3.2.21, 3.2.22) and the representative
admin (§3.2.29)."""
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .. import security, selectors, services
from ..forms_admin import (
    InhouseIpForm,
    LoginConditionForm,
    PasswordStrengthForm,
    RepresentativeForm,
)
from ..models import LoginCondition
from .common import admin_required, found


@admin_required
def security_settings(request: HttpRequest) -> HttpResponse:
    """One page, four forms told apart by `action`."""
    account, action = request.account, request.POST.get("action", "")
    policy = selectors.policy_get(account=account)
    post = request.POST if request.method == "POST" else None
    cond = LoginConditionForm(post if action == "condition" else None, account=account)
    inhouse = InhouseIpForm(post if action == "inhouse" else None, instance=policy)
    strength = PasswordStrengthForm(post if action == "strength" else None, instance=policy)
    rep = RepresentativeForm(post if action == "representative" else None, account=account,
                             initial={"user": policy.representative_id})
    done = ""
    if action == "condition" and cond.is_valid():
        security.login_condition_add(account=account, actor=request.user, request=request,
                                     **{f: cond.cleaned_data[f] for f in cond.Meta.fields})
        done = _("Login condition added.")
    elif action == "inhouse" and inhouse.is_valid():
        security.inhouse_ip_set(account=account, cidrs=inhouse.cleaned_data["inhouse_cidrs"],
                                actor=request.user, request=request)
        done = _("In-house IP ranges saved.")
    elif action == "strength" and strength.is_valid():
        security.password_strength_set(account=account, actor=request.user, request=request,
                                       **strength.cleaned_data)
        done = _("Password strength saved.")
    elif action == "representative" and rep.is_valid():
        services.representative_change(account=account, user=rep.cleaned_data["user"],
                                       actor=request.user, request=request)
        done = _("Representative admin changed.")
    if done:
        messages.success(request, done)
        return redirect("accounts:security")
    context = {"cond": cond, "inhouse": inhouse, "strength": strength, "rep": rep,
               "policy": policy, "conditions": selectors.login_condition_list(account=account)}
    return render(request, "accounts/security.html", context,
                  status=400 if request.method == "POST" else 200)


@admin_required
@require_POST
def login_condition_delete(request: HttpRequest, pk: int) -> HttpResponse:
    cond = found(LoginCondition.objects.filter(account=request.account, pk=pk).first())
    security.login_condition_delete(cond=cond, actor=request.user, request=request)
    messages.success(request, _("Login condition deleted."))
    return redirect("accounts:security")
