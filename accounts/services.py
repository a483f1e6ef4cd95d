"""Writes for accounts, gateways, users and tokens. Screens, commands and the
admin call these so side effects (audit rows, SCIM pushes) have one home."""
from django.db import transaction
from django.utils import timezone

from .models import Account, Gateway, User


def account_create(*, account_id: str, name: str) -> Account:
    """Register a tenant."""
    account = Account(account_id=account_id, name=name)
    account.full_clean()
    account.save()
    return account


@transaction.atomic
def gateway_register(*, gateway_id: str, account: Account, label: str = "") -> Gateway:
    """Assign a gateway to an account. Records already received from it (kept
    unassigned) become the account's at once: they point at this row."""
    gateway, _created = Gateway.objects.select_for_update().get_or_create(gateway_id=gateway_id)
    if gateway.account_id and gateway.account_id != account.pk:
        raise ValueError(f"gateway {gateway_id} belongs to another account")
    gateway.account = account
    if label:
        gateway.label = label
    gateway.registered_at = gateway.registered_at or timezone.now()
    gateway.full_clean()
    gateway.save()
    return gateway


def user_create(
    *, account: Account | None, user_id: str, password: str, name: str = "", admin: bool = False
) -> User:
    """Create a portal user; the password goes through Django's validators
    and hashers."""
    user = User(username=user_id, account=account, name=name, is_account_admin=admin)
    user.full_clean(exclude=["password"])
    user.set_password(password)
    user.save()
    return user
