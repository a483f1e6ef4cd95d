"""Carrying out one push (one history row) against its service. Called by
the task; raises scim.Transient for the task to retry, returns the outcome
otherwise. Every push converges the remote side on the portal's state as it
is now, so re-runs and retries are idempotent."""
from dataclasses import dataclass, field

from django.db import transaction
from scim2_models import SCIMException

from accounts.models import Organisation, User

from . import scim, texts
from .models import ProvisioningHistory, RemoteLink
from .texts import Kind


@dataclass
class Outcome:
    ok: bool
    detail: str = ""
    errors: list[dict[str, str]] = field(default_factory=list)


def push_run(record: ProvisioningHistory, *, final_attempt: bool) -> Outcome:
    """Run a user push or an organisation sync; see the module docstring."""
    if record.kind == Kind.ORG_SYNC:
        return _org_sync(record, final_attempt=final_attempt)
    try:
        _user_push(record)
    except scim.Failed as exc:
        return Outcome(ok=False, detail=exc.detail)
    return Outcome(ok=True)


def _user_push(record: ProvisioningHistory) -> None:
    service = record.service
    local_id = int(record.target_ref.split(":", 1)[1])
    link = RemoteLink.objects.filter(
        service=service, resource=RemoteLink.USER, local_id=local_id
    ).first()
    with scim.session(service) as client:
        model = client.get_resource_model("User")
        if record.kind == Kind.USER_DELETE:
            remote_id = link.remote_id if link else None
            remote_id = remote_id or scim.find_by_external_id(client, model, str(local_id))
            if remote_id:
                scim.delete(client, model, remote_id)
            RemoteLink.objects.filter(
                service=service, resource=RemoteLink.USER, local_id=local_id
            ).delete()
            return
        user = User.objects.filter(pk=local_id, account=record.account).first()
        if user is None:
            raise scim.Failed("ユーザが存在しません")
        fields = scim.user_fields(user)
        remote_id = link.remote_id if link else None
        if not remote_id and record.kind == Kind.USER_UPDATE:
            # Provisioned before the link was kept (or by hand): adopt it.
            remote_id = scim.find_by_external_id(client, model, str(local_id))
        if remote_id:
            remote_id, version = scim.upsert(client, model, remote_id, fields)
        else:
            remote_id, version = scim.create(client, model, fields)
    _link_save(service, RemoteLink.USER, local_id, remote_id, version)


def _org_sync(record: ProvisioningHistory, *, final_attempt: bool) -> Outcome:
    """Push every organisation the service syncs as a Group with its linked
    members, and remove Groups of organisations no longer synced. A transient
    failure retries the whole batch; on the last attempt it counts as NG and
    the organisations not reached yet as 中断 (aborted)."""
    service = record.service
    orgs = list(organisations_for(service).prefetch_related("members"))
    users = dict(
        RemoteLink.objects.filter(service=service, resource=RemoteLink.USER)
        .exclude(remote_id="").values_list("local_id", "remote_id")
    )
    groups = {
        link.local_id: link
        for link in RemoteLink.objects.filter(service=service, resource=RemoteLink.GROUP)
    }
    wanted = {org.pk for org in orgs}
    stale = [link for local_id, link in groups.items() if local_id not in wanted]
    steps = [("upsert", org) for org in orgs] + [("remove", link) for link in stale]
    try:
        return _org_steps(service, steps, groups, users, final_attempt=final_attempt)
    except scim.PushError as exc:
        if isinstance(exc, scim.Transient) and not final_attempt:
            raise
        # The service could not be reached or refused us: nothing was synced.
        errors = [{"target": "", "detail": exc.detail}]
        return Outcome(False, texts.org_sync_not_started_detail(exc.detail, len(steps)), errors)


def _org_steps(service, steps, groups, users, *, final_attempt: bool) -> Outcome:
    ok = ng = 0
    errors: list[dict[str, str]] = []
    with scim.session(service) as client:
        model = client.get_resource_model("Group")
        for done, (action, item) in enumerate(steps):
            try:
                if action == "upsert":
                    _group_upsert(client, model, service, item, groups.get(item.pk), users)
                else:
                    scim.delete(client, model, item.remote_id)
                    item.delete()
                ok += 1
            except (SCIMException, scim.SCIMClientException) as exc:
                error = scim.classify(exc)
                if isinstance(error, scim.Transient) and not final_attempt:
                    raise error from exc
                ng += 1
                errors.append({"target": _step_name(action, item), "detail": error.detail})
                if isinstance(error, scim.Transient):
                    aborted = len(steps) - done - 1
                    return Outcome(False, texts.org_sync_detail(ok, ng, aborted), errors)
    return Outcome(ng == 0, texts.org_sync_detail(ok, ng, 0), errors)


def org_sync_size(service) -> int:
    """How many Groups a sync touches: the organisations synced plus the
    Groups of organisations no longer synced (removed remotely)."""
    wanted = set(organisations_for(service).values_list("pk", flat=True))
    linked = set(
        RemoteLink.objects.filter(service=service, resource=RemoteLink.GROUP)
        .values_list("local_id", flat=True)
    )
    return len(wanted | linked)


def organisations_for(service):
    """The organisations a service syncs: all of its account's, or the chosen ones."""
    if service.sync_all_organisations:
        return Organisation.objects.filter(account=service.account)
    return service.organisations.filter(account=service.account)


def _group_upsert(client, model, service, org, link, users) -> None:
    members = [
        {"value": users[m.pk], "display": m.username} for m in org.members.all() if m.pk in users
    ]
    fields = scim.group_fields(org, members)
    if link and link.remote_id:
        remote_id, version = scim.upsert(client, model, link.remote_id, fields)
    else:
        remote_id, version = scim.create(client, model, fields)
    _link_save(service, RemoteLink.GROUP, org.pk, remote_id, version)


def _step_name(action: str, item) -> str:
    return item.name if action == "upsert" else f"#{item.local_id}"


def _link_save(service, resource: str, local_id: int, remote_id: str, version: str) -> None:
    with transaction.atomic():
        RemoteLink.objects.update_or_create(
            service=service, resource=resource, local_id=local_id,
            defaults={"remote_id": remote_id, "version": version or ""},
        )
