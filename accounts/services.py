"""Writes for accounts, gateways, users and tokens. Screens, commands and the
admin call these so side effects (operation history, SCIM signals) have one
home. `actor` is the user acting (None for commands); `request` gives the
history the client address."""
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.db import transaction
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from audit.services import operation_log

from .models import Account, Gateway, User, UserStatus, gateway_id_validator
from .selectors import policy_get
from .signals import send_user_changed

# Fields an admin may change through user_update (and the bulk CSV).
USER_FIELDS = ("name", "email", "notification_email", "is_account_admin", "no_outside_access")


def account_create(*, account_id: str, name: str, actor: User | None = None) -> Account:
    """Register a tenant."""
    account = Account(account_id=account_id, name=name)
    account.full_clean()
    account.save()
    operation_log("account_add", account=account, actor=actor, account_id=account_id)
    return account


@transaction.atomic
def gateway_register(
    *, gateway_id: str, account: Account, label: str = "", actor: User | None = None
) -> Gateway:
    """Assign a gateway to an account. Records already received from it (kept
    unassigned) become the account's at once: they point at this row."""
    gateway_id_validator(gateway_id)  # before any query: the ID becomes a file name
    gateway, _created = Gateway.objects.select_for_update().get_or_create(gateway_id=gateway_id)
    if gateway.account_id and gateway.account_id != account.pk:
        raise ValueError(f"gateway {gateway_id} belongs to another account")
    newly = gateway.account_id is None
    gateway.account = account
    if label:
        gateway.label = label
    gateway.registered_at = gateway.registered_at or timezone.now()
    gateway.full_clean()
    gateway.save()
    key = "gateway_register" if newly else "gateway_update"
    operation_log(key, account=account, actor=actor, gateway_id=gateway_id)
    return gateway


@transaction.atomic
def gateway_update(*, gateway: Gateway, label: str, actor: User | None = None) -> Gateway:
    """Change a registered gateway's label."""
    gateway.label = label
    gateway.full_clean()
    gateway.save(update_fields=["label"])
    operation_log("gateway_update", account=gateway.account, actor=actor,
                  gateway_id=gateway.gateway_id)
    return gateway


@transaction.atomic
def user_create(
    *, account: Account | None, user_id: str, password: str | None, name: str = "",
    admin: bool = False, actor: User | None = None, request: HttpRequest | None = None,
    record: bool = True, **fields,
) -> User:
    """Create a portal user; the password goes through Django's hashers (None
    leaves it unusable until a reset mail is used). Callers validate the
    password strength first (accounts.passwords.password_validate)."""
    user = User(username=user_id, account=account, name=name, is_account_admin=admin, **fields)
    user.full_clean(exclude=["password"])
    if password is None:
        user.set_unusable_password()
    else:
        user.set_password(password)
    user.save()
    if record:
        operation_log("user_add", account=account, actor=actor, request=request,
                      user_id=user_id)
    send_user_changed(user, "create")
    return user


@transaction.atomic
def user_update(
    *, user: User, actor: User | None, request: HttpRequest | None = None, record: bool = True,
    **changes,
) -> User:
    """Change a user's information (ユーザ情報変更)."""
    for field, value in changes.items():
        if field not in USER_FIELDS:
            raise ValueError(f"{field} is not editable")
        setattr(user, field, value)
    user.full_clean(exclude=["password"])
    user.save()
    if record:
        operation_log("user_update", account=user.account, actor=actor, request=request,
                      user_id=user.username)
    send_user_changed(user, "update")
    return user


@transaction.atomic
def user_status_set(
    *, user: User, status: str, actor: User | None, request: HttpRequest | None = None,
    record: bool = True,
) -> User:
    """Change a user's status; back to active also clears the lockout."""
    user.status = UserStatus(status)
    if user.status == UserStatus.ACTIVE:
        user.failed_logins = 0
        user.locked_at = None
    user.save(update_fields=["status", "failed_logins", "locked_at"])
    if record:
        operation_log("user_status", account=user.account, actor=actor, request=request,
                      user_id=user.username)
    send_user_changed(user, "update")
    return user


@transaction.atomic
def user_password_set(
    *, user: User, password: str, actor: User | None, request: HttpRequest | None = None,
    record: bool = True,
) -> User:
    """An admin sets a user's password directly (validated by the caller).
    The user's API tokens are revoked with the old password."""
    from .tokens import tokens_revoke_all

    user.set_password(password)
    user.save(update_fields=["password"])
    if record:
        operation_log("password_reset_set", account=user.account, actor=actor,
                      request=request, user_id=user.username)
    tokens_revoke_all(user=user, actor=actor, request=request)
    return user


def user_password_reset_mail(*, user: User, actor: User | None, request: HttpRequest,
                             setup: bool = False) -> None:
    """Mail the user a one-time link to set a new password (Django's token);
    `setup` for a new user (ユーザ初期設定のお願い)."""
    password_link_send(user=user, request=request, setup=setup)
    operation_log("password_reset_mail", account=user.account, actor=actor, request=request,
                  user_id=user.username)


def password_link_send(*, user: User, request: HttpRequest, setup: bool) -> None:
    """The mail alone (the login page's "forgot password" writes no operation
    row: nobody acted on the user). ValueError when there is no address."""
    to = user.notification_email or user.email
    if not to:
        raise ValueError("the user has no e-mail address")
    link = request.build_absolute_uri(reverse("accounts:password-reset-confirm", kwargs={
        "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
        "token": default_token_generator.make_token(user),
    }))
    body = render_to_string("accounts/password_reset_email.txt",
                            {"user": user, "link": link, "setup": setup})
    subject = "ユーザ初期設定のお願い" if setup else "パスワード再設定のお願い"
    send_mail(f"Syslog@Cloud: {subject}", body, None, [to])


@transaction.atomic
def user_delete(
    *, user: User, actor: User | None, request: HttpRequest | None = None, record: bool = True,
) -> None:
    """Delete a user (ユーザ削除). Their history rows stay (user set to NULL)."""
    send_user_changed(user, "delete")
    if record:
        operation_log("user_delete", account=user.account, actor=actor, request=request,
                      user_id=user.username)
    user.delete()


@transaction.atomic
def representative_change(
    *, account: Account, user: User, actor: User | None, request: HttpRequest | None = None
) -> None:
    """Make `user` (an admin of the account) the representative admin."""
    if user.account_id != account.pk or not user.is_account_admin:
        raise ValueError("the representative must be an admin of the account")
    policy = policy_get(account=account)
    policy.representative = user
    policy.save(update_fields=["representative"])
    operation_log("representative_change", account=account, actor=actor, request=request)
