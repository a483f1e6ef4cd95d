"""Writes to the histories. Callers pass what happened; these stamp the time,
the denormalised user ID and name (as they are now, per manual §0.2), and the
client address."""
from datetime import date, datetime, time

from django.http import HttpRequest
from django.utils import timezone

from accounts.clientinfo import client_ip, client_os

from . import kinds, texts
from .models import LoginHistory, OperationHistory
from .search import JST


def login_record(
    *, account, user, user_id: str, pattern: int, request: HttpRequest | None
) -> LoginHistory:
    """One login attempt with the §2.2 pattern (1, 2, 21-23, 26, 27, 30).
    `user` is None for an unknown user ID; `user_id` is what was typed."""
    result, _text = texts.LOGIN_PATTERNS[pattern]
    ip = client_ip(request)
    return LoginHistory.objects.create(
        at=timezone.now(),
        account=account,
        user=user,
        username=user_id[:150],
        name=(user.display_name if user else "")[:150],
        result=result,
        pattern=pattern,
        detail=texts.login_detail(pattern, ip, client_os(request)),
        ip=ip or None,
    )


def operation_record(
    *, account, actor, kind: str, detail: str, request: HttpRequest | None = None
) -> OperationHistory:
    """One operation-history row. `kind` is a code of `audit.kinds.KINDS`;
    `actor` is the user who acted (None for commands and jobs)."""
    if kind not in kinds.BY_CODE:
        raise ValueError(f"unknown operation kind {kind!r}")
    ip = client_ip(request)
    return OperationHistory.objects.create(
        at=timezone.now(),
        account=account,
        user=actor,
        username=actor.username if actor else "",
        name=actor.display_name if actor else "",
        kind=kind,
        detail=detail,
        ip=ip or None,
    )


def operation_log(
    key: str, *, account, actor, request: HttpRequest | None = None, **values: object
) -> OperationHistory:
    """`operation_record` with the manual's text for message key `key` of
    `audit.texts.OPERATIONS`, e.g. `operation_log("user_add", user_id="bob", ...)`."""
    kind, detail = texts.operation(key, **values)
    return operation_record(account=account, actor=actor, kind=kind, detail=detail,
                            request=request)


def retention_start(today: date) -> datetime:
    """Oldest instant kept: the 1st of the same month of the previous year, JST."""
    return datetime.combine(date(today.year - 1, today.month, 1), time(0), tzinfo=JST)


def history_purge(*, now: datetime | None = None) -> dict[str, int]:
    """Delete rows older than the retention window from every history model
    registered in `PURGED_MODELS`; returns counts by model name."""
    now = now or timezone.now()
    cutoff = retention_start(now.astimezone(JST).date())
    counts = {}
    for model in purged_models():
        counts[model.__name__] = model.objects.purge_before(cutoff)
    return counts


def purged_models() -> list:
    """History models the purge covers; the provisioning history registers
    itself by appending to `EXTRA_PURGED_MODELS`."""
    return [LoginHistory, OperationHistory, *EXTRA_PURGED_MODELS]


# Other apps append their append-only history models (with a HistoryQuerySet
# manager and an `at` field) here, e.g. provisioning in its AppConfig.ready().
EXTRA_PURGED_MODELS: list = []
