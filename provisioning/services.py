"""Writes for provisioning: connected services (with their operation-history
rows), queueing pushes, recording outcomes, re-runs and the stale sweep."""
import logging
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from kombu.exceptions import OperationalError as KombuOperationalError

from audit.services import operation_record
from syslogcloud.outbound import OutboundRefused, check_url

from . import texts
from .crypto import token_encrypt
from .models import ConnectedService, ProvisioningHistory
from .texts import Kind, Result

log = logging.getLogger(__name__)

USER_KINDS = {"create": Kind.USER_CREATE, "update": Kind.USER_UPDATE, "delete": Kind.USER_DELETE}


# --- Connected services -----------------------------------------------------
def outbound_check(base_url: str) -> None:
    """SPEC §9 at registration: the URL must not lead to loopback, link-local
    or private addresses (the SCIM client checks again at connect time)."""
    try:
        check_url(base_url)
    except OutboundRefused as exc:
        raise ValidationError({"base_url": str(exc)}) from exc


@transaction.atomic
def service_create(
    *, account, actor, name: str, base_url: str, token: str, enabled: bool = True,
    sync_all_organisations: bool = True, organisations=(), request=None,
) -> ConnectedService:
    """Register a SCIM service; the token is stored encrypted, never shown."""
    outbound_check(base_url.strip())
    service = ConnectedService(
        account=account, name=name, base_url=base_url.strip(), enabled=enabled,
        sync_all_organisations=sync_all_organisations, token_encrypted=token_encrypt(token),
    )
    service.full_clean()
    service.save()
    service.organisations.set([o for o in organisations if o.account_id == account.pk])
    operation_record(account=account, actor=actor, kind="scim_service_add",
                     detail=texts.SERVICE_ADD.format(name=service.name), request=request)
    if service.enabled:
        transaction.on_commit(lambda: service_full_sync(service=service))
    return service


@transaction.atomic
def service_update(
    *, service: ConnectedService, actor, token: str = "", organisations=None, request=None,
    **fields,
) -> ConnectedService:
    """Change a service; an empty `token` keeps the stored one, except when
    the URL changes (the stored token must not follow it to another host).
    A change of the organisations it syncs queues an organisation sync."""
    if "base_url" in fields:
        fields["base_url"] = fields["base_url"].strip()
        if fields["base_url"] != service.base_url:
            outbound_check(fields["base_url"])
            if not token:
                raise ValidationError({"token": "the URL changed: the token is required again"})
    was_enabled = service.enabled
    for key, value in fields.items():
        if key not in {"name", "base_url", "enabled", "sync_all_organisations"}:
            raise TypeError(f"unknown field {key}")
        setattr(service, key, value)
    if token:
        service.token_encrypted = token_encrypt(token)
    service.full_clean()
    service.save()
    if organisations is not None:
        service.organisations.set([o for o in organisations if o.account_id == service.account_id])
    operation_record(account=service.account, actor=actor, kind="scim_service_update",
                     detail=texts.SERVICE_UPDATE.format(name=service.name), request=request)
    if service.enabled and not was_enabled:
        transaction.on_commit(lambda: service_full_sync(service=service))
    elif service.enabled and ("sync_all_organisations" in fields or organisations is not None):
        transaction.on_commit(lambda: org_sync_enqueue(account=service.account,
                                                       services=[service]))
    return service


def service_full_sync(*, service: ConnectedService) -> int:
    """Provision every user of the account, then its organisations, to one
    service (on registration, on enabling, or by an admin's "sync now").
    Users already there are adopted by their externalId. Returns the rows queued."""
    from accounts.models import User

    users = User.objects.filter(account=service.account, is_active=True).order_by("pk")
    count = 0
    for user in users.iterator():
        _enqueue(service=service, kind=Kind.USER_CREATE, target=user.username,
                 target_ref=f"user:{user.pk}", snapshot=user_snapshot(user))
        count += 1
    from .push import organisations_for

    if organisations_for(service).exists():
        count += len(org_sync_enqueue(account=service.account, services=[service]))
    return count


def user_snapshot(user) -> dict:
    """What a push needs of a user once its row may be gone."""
    return {"username": user.username, "name": user.name, "email": user.email}


@transaction.atomic
def service_delete(*, service: ConnectedService, actor, request=None) -> None:
    """Remove a service. Its history rows stay (they keep the name); pushes
    still pending are recorded NG as not run."""
    ProvisioningHistory.objects.filter(service=service).close(
        result=Result.NG, detail=texts.NOT_RUN_TEXT, finished_at=timezone.now()
    )
    operation_record(account=service.account, actor=actor, kind="scim_service_remove",
                     detail=texts.SERVICE_REMOVE.format(name=service.name), request=request)
    service.delete()


# --- Queueing pushes --------------------------------------------------------
def user_push_enqueue(
    *, account, user_pk: int, kind: str, snapshot: dict
) -> list[ProvisioningHistory]:
    """Queue a push of one user ("create" / "update" / "delete") to every
    enabled service of the account."""
    return [
        _enqueue(service=service, kind=USER_KINDS[kind], target=snapshot["username"],
                 target_ref=f"user:{user_pk}", snapshot=snapshot)
        for service in ConnectedService.objects.filter(account=account, enabled=True)
    ]


def org_sync_enqueue(*, account, services=None) -> list[ProvisioningHistory]:
    """Queue an organisation sync to every enabled service of the account
    (or to the given ones)."""
    from .push import org_sync_size

    if services is None:
        services = ConnectedService.objects.filter(account=account, enabled=True)
    return [
        _enqueue(service=service, kind=Kind.ORG_SYNC,
                 target=texts.org_target(org_sync_size(service)),
                 target_ref="org", snapshot={})
        for service in services if service.account_id == account.pk
    ]


def push_rerun(*, record: ProvisioningHistory) -> ProvisioningHistory:
    """Re-run a failed push as a new history row (the failed one stays)."""
    if record.result != Result.NG:
        raise ValueError("only a failed (NG) push can be re-run")
    if record.service is None or not record.service.enabled:
        raise ValueError("the service is removed or disabled")
    target = record.target
    if record.kind == Kind.ORG_SYNC:
        from .push import org_sync_size

        target = texts.org_target(org_sync_size(record.service))
    return _enqueue(service=record.service, kind=record.kind, target=target,
                    target_ref=record.target_ref, snapshot=record.snapshot, rerun_of=record)


@transaction.atomic
def _enqueue(*, service, kind, target, target_ref, snapshot, rerun_of=None):
    from .tasks import push_run

    now = timezone.now()
    pending = ProvisioningHistory.objects.filter(
        service=service, target_ref=target_ref, result=Result.PENDING
    )
    if kind == Kind.ORG_SYNC:
        # An organisation sync reads the organisations when it starts, so one
        # that has not started yet covers this change too: no second row.
        waiting = pending.filter(attempts=0).select_for_update().first()
        if waiting is not None:
            return waiting
    else:
        # Manual §4.4.1: a newer push for the same user and service cancels
        # the older pending one.
        pending.close(result=Result.CANCEL, detail=texts.CANCEL_TEXT, finished_at=now)
    record = ProvisioningHistory.objects.create(
        at=now, account_id=service.account_id, service=service, service_name=service.name,
        kind=kind, target=target[:255], target_ref=target_ref, snapshot=snapshot,
        rerun_of=rerun_of,
    )
    # Like delay_on_commit, but a broker that is down must not fail the
    # admin's request that changed the user: the row is closed NG instead,
    # and can be re-run from its detail.
    transaction.on_commit(partial(_dispatch, push_run, record.pk))
    return record


def _dispatch(task, record_id: int) -> None:
    try:
        task.delay(record_id)
    except KombuOperationalError as exc:
        log.error("provisioning push %s not queued: %s", record_id, exc)
        from .push import Outcome

        push_finish(record_id=record_id, outcome=Outcome(False, texts.NOT_QUEUED_TEXT))


# --- Carrying out a push ----------------------------------------------------
def push_attempt(*, record_id: int, retries: int) -> float | None:
    """One attempt at a queued push. Returns the seconds to wait before the
    next attempt, or None when the row has its final outcome."""
    from . import scim
    from .push import Outcome, push_run

    record = (ProvisioningHistory.objects.select_related("service", "account")
              .filter(pk=record_id).first())
    if record is None or record.is_final:
        return None
    if record.service is None or not record.service.enabled:
        push_finish(record_id=record_id, outcome=Outcome(False, texts.NOT_RUN_TEXT))
        return None
    final = retries >= max_retries()
    with _push_lock(record):
        if not ProvisioningHistory.objects.filter(pk=record_id, result=Result.PENDING).exists():
            return None  # cancelled by a newer push while waiting for the lock
        ProvisioningHistory.objects.filter(pk=record_id).count_attempt(retries + 1)
        try:
            outcome = push_run(record, final_attempt=final)
        except scim.Transient as exc:
            if not final:
                return retry_delay(retries, exc.retry_after)
            outcome = Outcome(False, f"{exc.detail} (試行 {retries + 1}回)")
        except Exception as exc:  # the outcome is recorded whatever happens
            log.exception("provisioning push %s failed", record_id)
            outcome = Outcome(False, f"内部エラー: {type(exc).__name__}")
    push_finish(record_id=record_id, outcome=outcome)
    return None


def push_finish(*, record_id: int, outcome) -> bool:
    """Record the final outcome of a pending row (once: a row cancelled
    meanwhile keeps its Cancel). True when written."""
    return bool(
        ProvisioningHistory.objects.filter(pk=record_id).close(
            result=Result.OK if outcome.ok else Result.NG, detail=outcome.detail,
            errors=outcome.errors, finished_at=timezone.now(),
        )
    )


def pending_sweep(*, now=None) -> int:
    """Close rows still 処理中 long after any attempt could have ended (a
    worker lost mid-push): NG with a reason."""
    now = now or timezone.now()
    minutes = getattr(settings, "PROVISIONING_STALE_MINUTES", 90)
    return ProvisioningHistory.objects.filter(
        at__lt=now - timedelta(minutes=minutes)
    ).close(result=Result.NG, detail=texts.STALE_TEXT, finished_at=now)


def max_retries() -> int:
    return int(getattr(settings, "PROVISIONING_MAX_RETRIES", 5))


def retry_delay(retries: int, retry_after: float | None) -> float:
    """Exponential backoff from PROVISIONING_RETRY_BASE_SECONDS, or the
    server's Retry-After; both capped at PROVISIONING_RETRY_MAX_SECONDS."""
    base = float(getattr(settings, "PROVISIONING_RETRY_BASE_SECONDS", 5.0))
    cap = float(getattr(settings, "PROVISIONING_RETRY_MAX_SECONDS", 600.0))
    delay = retry_after if retry_after is not None else base * 2**retries
    return min(delay, cap)


class _push_lock:  # noqa: N801 - used as a context manager like a function
    """Serialises pushes for one (service, target) across workers with a
    PostgreSQL advisory lock, so an older push still on the wire finishes
    before a newer one starts. SQLite runs tasks in-process one at a time."""

    def __init__(self, record: ProvisioningHistory) -> None:
        self.key = f"provisioning:{record.service_id}:{record.target_ref}"

    def __enter__(self):
        if connection.vendor == "postgresql":
            with connection.cursor() as cur:
                cur.execute("SELECT pg_advisory_lock(hashtext(%s))", [self.key])
        return self

    def __exit__(self, *exc) -> None:
        if connection.vendor == "postgresql":
            with connection.cursor() as cur:
                cur.execute("SELECT pg_advisory_unlock(hashtext(%s))", [self.key])
