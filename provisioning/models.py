"""Connected services (SCIM 2.0 peers), the links between portal objects
and their remote resources, and the provisioning history (KDDI manual ch. 4)."""
from django.core.validators import URLValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from audit.models import AppendOnlyError

from .texts import Kind, Result


class ConnectedService(models.Model):
    """A SCIM 2.0 service an account provisions its users and organisations
    to. The bearer token is write-only: stored encrypted, never shown."""

    account = models.ForeignKey(
        "accounts.Account", on_delete=models.CASCADE, related_name="connected_services"
    )
    name = models.CharField(_("service name"), max_length=100)
    base_url = models.CharField(
        _("SCIM base URL"), max_length=500, validators=[URLValidator(schemes=["http", "https"])]
    )
    token_encrypted = models.TextField(editable=False, blank=True)
    enabled = models.BooleanField(_("enabled"), default=True)
    sync_all_organisations = models.BooleanField(_("sync all organisations"), default=True)
    organisations = models.ManyToManyField(
        "accounts.Organisation", blank=True, related_name="connected_services",
        verbose_name=_("organisations to sync"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("connected service")
        verbose_name_plural = _("connected services")
        constraints = [
            models.UniqueConstraint(fields=["account", "name"], name="service_name_per_account")
        ]

    def __str__(self) -> str:
        return self.name


class RemoteLink(models.Model):
    """Which remote resource a portal user or organisation became on a service.
    `local_id` is the portal's primary key, kept after the local row is gone
    so a deletion can still be pushed."""

    USER, GROUP = "user", "group"

    service = models.ForeignKey(ConnectedService, on_delete=models.CASCADE, related_name="links")
    resource = models.CharField(max_length=8, choices=[(USER, "User"), (GROUP, "Group")])
    local_id = models.BigIntegerField()
    remote_id = models.CharField(max_length=255, blank=True)
    version = models.CharField(max_length=255, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["service", "resource", "local_id"], name="one_link_per_object"
            )
        ]

    def __str__(self) -> str:
        return f"{self.service_id}/{self.resource}/{self.local_id} -> {self.remote_id}"


class ProvisioningQuerySet(models.QuerySet):
    """Append-only like the other histories: a row's only change is its
    outcome, written once while it is still 処理中 (`close`), plus the
    attempt counter of a pending row (`count_attempt`). Plain `update()` and
    `delete()` are refused; `purge_before` is the retention job's way out."""

    def update(self, **kwargs):
        raise AppendOnlyError("provisioning history rows are append-only")

    def delete(self):
        raise AppendOnlyError("provisioning history rows are append-only")

    def for_account(self, account) -> "ProvisioningQuerySet":
        return self.filter(account=account)

    def pending(self) -> "ProvisioningQuerySet":
        return self.filter(result=Result.PENDING)

    def close(self, *, result: str, detail: str, finished_at, errors=None) -> int:
        """Give the pending rows among these their final outcome; rows that
        already have one keep it. Returns how many were closed."""
        if result == Result.PENDING:
            raise ValueError("closing a row needs a final result")
        fields = {"result": result, "detail": detail, "finished_at": finished_at}
        if errors is not None:
            fields["errors"] = errors
        return models.QuerySet.update(self.pending(), **fields)

    def count_attempt(self, attempts: int) -> int:
        """Record how many attempts a pending push has made."""
        return models.QuerySet.update(self.pending(), attempts=attempts)

    def purge_before(self, cutoff) -> int:
        """Delete rows older than `cutoff` (the retention job's only way out)."""
        return self.filter(at__lt=cutoff)._raw_delete(self.db)


class ProvisioningHistory(models.Model):
    """One push to one service (サービス連携履歴). Append-only: a row is
    created 処理中 and gets its outcome once (OK / NG / Cancel); the service
    name is kept as it was, so rows outlive a removed service."""

    at = models.DateTimeField(_("date and time"), db_index=True)
    # SET_NULL with the ID kept as text: the history outlives its account.
    account = models.ForeignKey(
        "accounts.Account", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    account_code = models.CharField(_("account ID"), max_length=16, blank=True)
    service = models.ForeignKey(
        ConnectedService, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    service_name = models.CharField(_("service"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    target = models.CharField(_("target"), max_length=255)
    # "user:<pk>" or "org": a newer push with the same key cancels a pending one.
    target_ref = models.CharField(max_length=40)
    result = models.CharField(
        _("result"), max_length=8, choices=Result.choices, default=Result.PENDING
    )
    detail = models.TextField(_("detail"), blank=True)
    # What the push needs when the portal row is gone (a deleted user).
    snapshot = models.JSONField(default=dict, blank=True)
    # Per-organisation reasons of an organisation sync, shown in the detail view.
    errors = models.JSONField(default=list, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    finished_at = models.DateTimeField(null=True, blank=True)
    rerun_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="reruns"
    )

    objects = ProvisioningQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["account", "at"]),
            models.Index(fields=["service", "target_ref", "result"]),
        ]
        verbose_name = _("provisioning history")
        verbose_name_plural = _("provisioning history")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.service_name} {self.kind} {self.target}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("provisioning history rows are append-only")
        if self.account_id and not self.account_code:
            self.account_code = self.account.account_id
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("provisioning history rows are append-only")

    @property
    def is_final(self) -> bool:
        return self.result != Result.PENDING
