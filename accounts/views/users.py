"""User administration (manual §3.2.1-3.2.6): list, add, detail, bulk CSV."""
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .. import bulk, selectors, services
from ..forms_admin import CsvUploadForm, UserAddForm, UserInfoForm, UserSearchForm, UserStatusForm
from ..forms_auth import PasswordSetForm
from .common import admin_required, found


@admin_required
def user_list(request: HttpRequest) -> HttpResponse:
    """ユーザー一覧 with search and a bulk delete of the ticked users."""
    form = UserSearchForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    users = selectors.user_list(account=request.account, **filters)
    page = Paginator(users, 50).get_page(request.GET.get("page"))
    return render(request, "accounts/user_list.html", {"form": form, "page": page},
                  status=400 if form.errors else 200)


@admin_required
def user_add(request: HttpRequest) -> HttpResponse:
    form = UserAddForm(request.POST or None, account=request.account)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        user = services.user_create(
            account=request.account, user_id=data["username"], password=data["password"] or None,
            name=data["name"], admin=data["is_account_admin"], actor=request.user,
            request=request, email=data["email"], notification_email=data["notification_email"],
            no_outside_access=data["no_outside_access"],
        )
        if not data["password"]:
            services.user_password_reset_mail(user=user, actor=request.user, request=request,
                                              setup=True)
        messages.success(request, _("User %(id)s added.") % {"id": user.username})
        return redirect("accounts:user-detail", pk=user.pk)
    return render(request, "accounts/user_add.html", {"form": form},
                  status=400 if form.errors else 200)


@admin_required
def user_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """ユーザ詳細: info, status, password, delete."""
    user = found(selectors.user_get(account=request.account, pk=pk))
    action = request.POST.get("action", "")
    info = UserInfoForm(request.POST if action == "info" else None, instance=user)
    status = UserStatusForm(request.POST if action == "status" else None,
                            initial={"status": user.status})
    password = PasswordSetForm(request.POST if action == "password" else None, user=user)
    if request.method == "POST":
        done = _detail_action(request, user, action, info, status, password)
        if done:
            messages.success(request, done)
            return redirect("accounts:user-detail", pk=user.pk)
    context = {"target": user, "info": info, "status_form": status, "password": password}
    bad = request.method == "POST" and any(f.errors for f in (info, status, password))
    return render(request, "accounts/user_detail.html", context, status=400 if bad else 200)


def _detail_action(request, user, action, info, status, password) -> str:
    actor = request.user
    if action == "info" and info.is_valid():
        changes = {f: info.cleaned_data[f] for f in info.changed_data}
        if user.pk == actor.pk:
            changes.pop("is_account_admin", None)  # an admin cannot demote themselves
        user.refresh_from_db()
        services.user_update(user=user, actor=actor, request=request, **changes)
        return _("Saved.")
    if action == "status" and status.is_valid():
        services.user_status_set(user=user, status=status.cleaned_data["status"], actor=actor,
                                 request=request)
        return _("Status changed.")
    if action == "password" and password.is_valid():
        services.user_password_set(user=user, password=password.cleaned_data["new_password1"],
                                   actor=actor, request=request)
        return _("Password set.")
    if action == "reset_mail":
        try:
            services.user_password_reset_mail(user=user, actor=actor, request=request)
        except ValueError:
            messages.error(request, _("The user has no e-mail address."))
            return ""
        return _("Password reset mail sent.")
    return ""


@admin_required
@require_POST
def user_delete(request: HttpRequest, pk: int) -> HttpResponse:
    user = found(selectors.user_get(account=request.account, pk=pk))
    if user.pk == request.user.pk:
        messages.error(request, _("You cannot delete yourself."))
        return redirect("accounts:user-detail", pk=pk)
    services.user_delete(user=user, actor=request.user, request=request)
    messages.success(request, _("User %(id)s deleted.") % {"id": user.username})
    return redirect("accounts:user-list")


@admin_required
def user_bulk(request: HttpRequest) -> HttpResponse:
    """ユーザー一括追加・変更 by CSV; shows every row's outcome."""
    return _bulk_screen(request, "users")


@admin_required
def user_bulk_delete(request: HttpRequest) -> HttpResponse:
    """ユーザー一括削除: by CSV, or the users ticked on the list (`user_ids`)."""
    if request.method == "POST" and "user_ids" in request.POST:
        applied, results = bulk.users_bulk_delete(
            account=request.account, user_ids=request.POST.getlist("user_ids"),
            actor=request.user, request=request)
        return _bulk_result(request, "delete", applied, results, CsvUploadForm())
    return _bulk_screen(request, "delete")


def _bulk_screen(request, what: str) -> HttpResponse:
    form = CsvUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        data, name = upload.read(), upload.name
        try:
            if what == "users":
                applied, results = bulk.users_bulk_apply(
                    account=request.account, filename=name, data=data, actor=request.user,
                    request=request)
            elif what == "orgs":
                applied, results = bulk.organisations_bulk_apply(
                    account=request.account, filename=name, data=data, actor=request.user,
                    request=request)
            else:
                applied, results = bulk.users_bulk_delete(
                    account=request.account, user_ids=bulk.delete_ids_from_csv(data),
                    actor=request.user, filename=name, request=request)
        except bulk.BulkFileError as exc:
            form.add_error("file", str(exc))
        else:
            return _bulk_result(request, what, applied, results, form)
    return render(request, "accounts/bulk.html", {"form": form, "what": what},
                  status=400 if form.errors else 200)


def _bulk_result(request, what, applied, results, form) -> HttpResponse:
    context = {"form": form, "what": what, "applied": applied, "results": results}
    return render(request, "accounts/bulk.html", context, status=200 if applied else 400)
