"""Organisation writes (組織管理, manual §3.2.11). Each writes its operation
row and sends `organisations_changed` on commit."""
from django.db import transaction
from django.db.models import Max
from django.http import HttpRequest

from audit.services import operation_log

from .models import Account, Organisation, User
from .signals import send_organisations_changed


def _log(key: str, account: Account, actor, request, **values) -> None:
    operation_log(key, account=account, actor=actor, request=request, **values)
    send_organisations_changed(account)


def _members(account: Account, users) -> list[User]:
    users = list(users)
    if any(u.account_id != account.pk for u in users):
        raise ValueError("users of another account")
    return users


@transaction.atomic
def organisation_create(
    *, account: Account, name: str, actor=None, request: HttpRequest | None = None,
    record: bool = True,
) -> Organisation:
    """Add an organisation at the end of the list."""
    top = Organisation.objects.filter(account=account).aggregate(m=Max("position"))["m"]
    org = Organisation(account=account, name=name, position=(top or 0) + 1)
    org.full_clean()
    org.save()
    if record:
        _log("org_add", account, actor, request, org=name)
    else:
        send_organisations_changed(account)
    return org


@transaction.atomic
def organisation_rename(*, org: Organisation, name: str, actor=None,
                        request: HttpRequest | None = None) -> Organisation:
    """Rename; the history names the organisation by its new name."""
    org.name = name
    org.full_clean()
    org.save(update_fields=["name"])
    _log("org_rename", org.account, actor, request, org=name)
    return org


@transaction.atomic
def organisation_delete(*, org: Organisation, actor=None,
                        request: HttpRequest | None = None) -> None:
    account, name = org.account, org.name
    org.delete()
    _log("org_delete", account, actor, request, org=name)


@transaction.atomic
def organisation_members_add(*, org: Organisation, users, actor=None,
                             request: HttpRequest | None = None) -> None:
    org.members.add(*_members(org.account, users))
    _log("org_add_users", org.account, actor, request, org=org.name)


@transaction.atomic
def organisation_members_remove(*, org: Organisation, users, actor=None,
                                request: HttpRequest | None = None) -> None:
    org.members.remove(*_members(org.account, users))
    _log("org_remove_users", org.account, actor, request, org=org.name)


@transaction.atomic
def organisation_members_move(*, source: Organisation, target: Organisation, users, actor=None,
                              request: HttpRequest | None = None) -> None:
    """Move users from `source` to `target` (both of one account)."""
    if source.account_id != target.account_id:
        raise ValueError("organisations of different accounts")
    users = _members(source.account, users)
    source.members.remove(*users)
    target.members.add(*users)
    _log("org_move_users", source.account, actor, request, org_from=source.name,
         org_to=target.name)


@transaction.atomic
def organisation_reorder(*, account: Account, ordered_ids: list[int], actor=None,
                         request: HttpRequest | None = None) -> None:
    """Set the display order; `ordered_ids` must list every organisation once."""
    orgs = {o.pk: o for o in Organisation.objects.filter(account=account)}
    if sorted(ordered_ids) != sorted(orgs):
        raise ValueError("the order must list each organisation once")
    for position, pk in enumerate(ordered_ids, start=1):
        orgs[pk].position = position
    Organisation.objects.bulk_update(orgs.values(), ["position"])
    _log("org_reorder", account, actor, request)
