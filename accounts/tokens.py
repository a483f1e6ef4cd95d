"""API token writes: create and revoke, each an operation-history row. The
rules a token obeys when it is used live in `accounts.access`."""
from django.conf import settings
from django.db import transaction
from django.http import HttpRequest

from audit.services import operation_log

from .models import ApiToken, User

MAX_DAYS = 3650


@transaction.atomic
def token_create(*, user: User, actor: User | None, name: str = "", days: int | None = None,
                 request: HttpRequest | None = None) -> tuple[ApiToken, str]:
    """Issue a token for `user` (expiring after `days`, default
    API_TOKEN_DAYS); returns it with its secret, which is shown only once."""
    days = settings.API_TOKEN_DAYS if days is None else days
    if not 1 <= days <= MAX_DAYS:
        raise ValueError(f"days must be between 1 and {MAX_DAYS}")
    token, secret = ApiToken.issue(user, name=name.strip(), days=days)
    operation_log("api_token_add", account=user.account, actor=actor, request=request,
                  user_id=user.username, name=token.label)
    return token, secret


@transaction.atomic
def token_revoke(*, token: ApiToken, actor: User | None,
                 request: HttpRequest | None = None) -> None:
    """Revoke (delete) a token; calls with it answer 401 from now on."""
    user = token.user
    operation_log("api_token_revoke", account=user.account, actor=actor, request=request,
                  user_id=user.username, name=token.label)
    token.delete()


def tokens_revoke_all(*, user: User, actor: User | None,
                      request: HttpRequest | None = None) -> int:
    """Revoke every token of a user (after a password reset by an admin or
    by a reset link: whoever had the old credentials loses the tokens too)."""
    tokens = list(ApiToken.objects.filter(user=user).select_related("user"))
    for token in tokens:
        token_revoke(token=token, actor=actor, request=request)
    return len(tokens)


def tokens_of(*, user: User):
    """A user's tokens, newest first."""
    return ApiToken.objects.filter(user=user).order_by("-created_at", "-id")
