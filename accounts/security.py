"""Security settings writes (manual §3.2.18, 3.2.21, 3.2.22) and self-service
changes (§3.2.24, 3.2.25)."""
from django.db import transaction
from django.http import HttpRequest

from audit.services import operation_log

from .models import Account, LoginCondition, SecurityPolicy, User
from .selectors import policy_get
from .signals import send_user_changed

POLICY_PASSWORD_FIELDS = (
    "password_min_length", "require_upper", "require_lower", "require_digit", "require_symbol",
    "lockout_threshold",
)


@transaction.atomic
def login_condition_add(*, account: Account, actor, request: HttpRequest | None = None,
                        name: str, require_otp: bool = False, allowed_cidrs: str = "",
                        admins_only: bool = False) -> LoginCondition:
    cond = LoginCondition(account=account, name=name, require_otp=require_otp,
                          allowed_cidrs=allowed_cidrs, admins_only=admins_only)
    cond.full_clean()
    cond.save()
    operation_log("login_condition_add", account=account, actor=actor, request=request,
                  name=name)
    return cond


@transaction.atomic
def login_condition_delete(*, cond: LoginCondition, actor,
                           request: HttpRequest | None = None) -> None:
    account, name = cond.account, cond.name
    cond.delete()
    operation_log("login_condition_delete", account=account, actor=actor, request=request,
                  name=name)


@transaction.atomic
def inhouse_ip_set(*, account: Account, cidrs: str, actor,
                   request: HttpRequest | None = None) -> SecurityPolicy:
    policy = policy_get(account=account)
    policy.inhouse_cidrs = cidrs
    policy.full_clean()
    policy.save(update_fields=["inhouse_cidrs"])
    operation_log("inhouse_ip", account=account, actor=actor, request=request)
    return policy


@transaction.atomic
def password_strength_set(*, account: Account, actor, request: HttpRequest | None = None,
                          **values) -> SecurityPolicy:
    policy = policy_get(account=account)
    for field, value in values.items():
        if field not in POLICY_PASSWORD_FIELDS:
            raise ValueError(f"{field} is not a password setting")
        setattr(policy, field, value)
    policy.full_clean()
    policy.save()
    operation_log("password_strength", account=account, actor=actor, request=request)
    return policy


@transaction.atomic
def notification_email_set(*, user: User, email: str, request: HttpRequest | None = None) -> None:
    """Self-service: one's own notification e-mail."""
    user.notification_email = email
    user.save(update_fields=["notification_email"])
    operation_log("notification_email", account=user.account, actor=user, request=request)
    send_user_changed(user, "update")


@transaction.atomic
def own_password_change(*, user: User, password: str, request: HttpRequest | None = None) -> None:
    """Self-service: one's own password (validated by the form)."""
    user.set_password(password)
    user.save(update_fields=["password"])
    operation_log("password_change", account=user.account, actor=user, request=request)

