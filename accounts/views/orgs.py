"""Organisation administration (manual §3.2.11-3.2.12)."""
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .. import organisations, selectors
from ..forms_admin import OrganisationForm
from ..models import User
from .common import admin_required, found
from .users import _bulk_screen


@admin_required
def organisation_list(request: HttpRequest) -> HttpResponse:
    """組織管理: list in display order, add, reorder (move up/down)."""
    form = OrganisationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        name = form.cleaned_data["name"]
        if selectors.organisation_list(account=request.account).filter(name=name).exists():
            form.add_error("name", _("An organisation with this name exists."))
        else:
            organisations.organisation_create(account=request.account, name=name,
                                              actor=request.user, request=request)
            messages.success(request, _("Organisation added."))
            return redirect("accounts:organisation-list")
    orgs = selectors.organisation_list(account=request.account)
    return render(request, "accounts/organisation_list.html", {"form": form, "orgs": orgs},
                  status=400 if form.errors else 200)


@admin_required
@require_POST
def organisation_reorder(request: HttpRequest) -> HttpResponse:
    """Move one organisation up or down (`pk`, `direction`), or set the whole
    order (`order` = comma-separated ids)."""
    ids = [o.pk for o in selectors.organisation_list(account=request.account)]
    if request.POST.get("order"):
        try:
            ids = [int(x) for x in request.POST["order"].split(",")]
        except ValueError:
            return HttpResponse(_("order must list organisation ids"), status=400)
    else:
        try:
            pk = int(request.POST.get("pk", ""))
            i = ids.index(pk)
        except ValueError:
            return HttpResponse(_("pk names no organisation"), status=400)
        j = i - 1 if request.POST.get("direction") == "up" else i + 1
        if 0 <= j < len(ids):
            ids[i], ids[j] = ids[j], ids[i]
    try:
        organisations.organisation_reorder(account=request.account, ordered_ids=ids,
                                           actor=request.user, request=request)
    except ValueError:
        return HttpResponse(_("order must list each organisation once"), status=400)
    return redirect("accounts:organisation-list")


@admin_required
def organisation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Rename, delete, add/remove members, move members to another organisation."""
    org = found(selectors.organisation_get(account=request.account, pk=pk))
    action = request.POST.get("action", "")
    rename = OrganisationForm(request.POST if action == "rename" else None,
                              initial={"name": org.name})
    if request.method == "POST":
        done = _org_action(request, org, action, rename)
        if done == "deleted":
            return redirect("accounts:organisation-list")
        if done:
            messages.success(request, done)
            return redirect("accounts:organisation-detail", pk=org.pk)
    members = org.members.order_by("username")
    context = {
        "org": org, "rename": rename, "members": members,
        "others": User.objects.filter(account=request.account).exclude(
            pk__in=members.values("pk")).order_by("username"),
        "targets": selectors.organisation_list(account=request.account).exclude(pk=org.pk),
    }
    bad = request.method == "POST"
    return render(request, "accounts/organisation_detail.html", context,
                  status=400 if bad else 200)


def _org_action(request, org, action, rename) -> str:
    account, actor = request.account, request.user
    users = User.objects.filter(account=account, pk__in=_ints(request.POST.getlist("users")))
    if action == "rename" and rename.is_valid():
        try:
            organisations.organisation_rename(org=org, name=rename.cleaned_data["name"],
                                              actor=actor, request=request)
        except (ValidationError, IntegrityError):  # the unique name, or a race
            rename.add_error("name", _("An organisation with this name exists."))
            return ""
        return _("Saved.")
    if action == "delete":
        organisations.organisation_delete(org=org, actor=actor, request=request)
        messages.success(request, _("Organisation deleted."))
        return "deleted"
    if action in ("add", "remove", "move") and not users:
        messages.error(request, _("Select at least one user."))
        return ""
    if action == "add":
        organisations.organisation_members_add(org=org, users=users, actor=actor,
                                               request=request)
        return _("Users added.")
    if action == "remove":
        organisations.organisation_members_remove(org=org, users=users, actor=actor,
                                                  request=request)
        return _("Users removed.")
    if action == "move":
        target = selectors.organisation_get(account=account,
                                            pk=(_ints([request.POST.get("target", "")]) or [0])[0])
        if target is None or target.pk == org.pk:
            messages.error(request, _("Choose another organisation."))
            return ""
        organisations.organisation_members_move(source=org, target=target, users=users,
                                                actor=actor, request=request)
        return _("Users moved.")
    return ""


def _ints(values) -> list[int]:
    """The ASCII-digit values as ints; anything else (including digits such
    as "²" that int() refuses) is ignored."""
    return [int(v) for v in values if str(v).isascii() and str(v).isdigit()]


@admin_required
def organisation_bulk(request: HttpRequest) -> HttpResponse:
    """組織一括追加・変更 by CSV."""
    try:
        return _bulk_screen(request, "orgs")
    except IntegrityError:
        messages.error(request, _("The file conflicts with a concurrent change; try again."))
        return redirect("accounts:organisation-bulk")
