"""Reads for accounts: every query starts from the caller's account."""
from django.db.models import Q, QuerySet

from .models import Account, LoginCondition, Organisation, SecurityPolicy, User


def policy_get(*, account: Account) -> SecurityPolicy:
    """The account's security policy, created with defaults on first use."""
    policy, _created = SecurityPolicy.objects.get_or_create(account=account)
    return policy


def login_conditions_for(*, user: User) -> list[LoginCondition]:
    """The login conditions that apply to `user`."""
    qs = LoginCondition.objects.filter(account_id=user.account_id)
    if not user.is_account_admin:
        qs = qs.filter(admins_only=False)
    return list(qs)


def user_list(*, account: Account, q: str = "", status: str = "") -> QuerySet:
    """The account's users, optionally filtered by ID/name text and status."""
    qs = User.objects.filter(account=account)
    if q:
        qs = qs.filter(Q(username__icontains=q) | Q(name__icontains=q))
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("username")


def user_get(*, account: Account, pk: int) -> User | None:
    """One of the account's users, or None (another account's looks unknown)."""
    return User.objects.filter(account=account, pk=pk).first()


def organisation_list(*, account: Account) -> QuerySet:
    return Organisation.objects.filter(account=account).prefetch_related("members")


def organisation_get(*, account: Account, pk: int) -> Organisation | None:
    return Organisation.objects.filter(account=account, pk=pk).first()


def login_condition_list(*, account: Account) -> QuerySet:
    return LoginCondition.objects.filter(account=account)
