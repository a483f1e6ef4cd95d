"""Gateway health (an arrival summary the store path keeps up to date) and
alert rules, their events and each notice's delivery results (SPEC §8)."""
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Account, Gateway


class GatewayArrival(models.Model):
    """When the collector last saw a record of one log type from a gateway.

    One row per (gateway, log type), kept up to date by folding
    GatewayArrivalLog, so the status screen never scans the log tables."""

    gateway = models.ForeignKey(Gateway, on_delete=models.CASCADE, related_name="+")
    log_type = models.CharField(max_length=16)
    last_seen = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["gateway", "log_type"], name="arrival_gw_type")
        ]

    def __str__(self) -> str:
        return f"{self.gateway_id} {self.log_type} {self.last_seen}"


class GatewayArrivalBucket(models.Model):
    """Records that arrived from a gateway in one 5-minute bucket (UTC start).

    Five minutes keeps "the last hour" within five minutes of exact while a
    day is only 288 rows per gateway; buckets older than two days are pruned
    by the evaluation task. Filled by folding GatewayArrivalLog."""

    gateway = models.ForeignKey(Gateway, on_delete=models.CASCADE, related_name="+")
    start = models.DateTimeField()
    records = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["gateway", "start"], name="arrivalbucket_gw_start")
        ]
        indexes = [models.Index(fields=["start"], name="arrivalbucket_start")]

    def __str__(self) -> str:
        return f"{self.gateway_id} {self.start} {self.records}"


class GatewayArrivalLog(models.Model):
    """What one stored batch saw, appended by the store path and folded into
    GatewayArrival and GatewayArrivalBucket by every evaluation.

    The store path only appends here: an INSERT takes no row locks, so
    parallel workers never wait for each other, and it costs several times
    less than updating the summary rows in place (bench/alerts_arrivals.py).
    No foreign-key constraint and no index but the key, for the same reason;
    the fold skips rows of gateways that no longer exist."""

    gateway = models.ForeignKey(
        Gateway, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False,
        related_name="+")
    log_type = models.CharField(max_length=16)
    start = models.DateTimeField()  # the 5-minute bucket
    records = models.BigIntegerField()
    last_seen = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.gateway_id} {self.log_type} {self.start} {self.records}"


class RuleKind(models.TextChoices):
    SILENT = "silent", _("Silent gateway")
    CONTROL_SPIKE = "control_spike", _("Control spike")


class AlertRule(models.Model):
    """One account's rule: `silent` (nothing for `minutes`) or `control_spike`
    (at least `threshold` control records of `control_kind` in `minutes`),
    for one gateway or, with `gateway` empty, every gateway of the account."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="alert_rules")
    kind = models.CharField(_("kind"), max_length=16, choices=RuleKind.choices)
    gateway = models.ForeignKey(
        Gateway, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    minutes = models.PositiveIntegerField(_("minutes"))
    control_kind = models.CharField(_("control kind"), max_length=16, blank=True)
    threshold = models.PositiveIntegerField(_("count"), default=0)
    alert_never_seen = models.BooleanField(_("alert for gateways never heard from"), default=False)
    emails = models.JSONField(_("e-mail addresses"), default=list, blank=True)
    webhooks = models.JSONField(_("webhook URLs"), default=list, blank=True)
    # Fernet ciphertext (provisioning.crypto), like the SCIM tokens.
    webhook_secret = models.TextField(blank=True)
    language = models.CharField(_("notice language"), max_length=8, default="ja")
    enabled = models.BooleanField(_("enabled"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"rule {self.pk} {self.kind}"


class AlertEvent(models.Model):
    """A rule firing for one gateway: open until the condition clears.

    The partial unique constraint is what guarantees one open event per rule
    and gateway, however often (and however concurrently) evaluation runs."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    rule = models.ForeignKey(
        AlertRule, null=True, blank=True, on_delete=models.SET_NULL, related_name="events"
    )
    rule_text = models.CharField(max_length=300)  # kept when the rule is deleted
    gateway = models.ForeignKey(Gateway, on_delete=models.CASCADE, related_name="+")
    opened_at = models.DateTimeField(db_index=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    last_seen = models.DateTimeField(null=True, blank=True)
    detail = models.CharField(max_length=500)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "gateway"], condition=Q(resolved_at__isnull=True),
                name="alertevent_one_open",
            )
        ]
        indexes = [models.Index(fields=["account", "opened_at"], name="alertevent_acct_opened")]

    def __str__(self) -> str:
        return f"event {self.pk} {self.rule_text} {self.gateway_id}"


class Phase(models.TextChoices):
    OPENED = "opened", _("Alert")
    RESOLVED = "resolved", _("Recovery")


class Channel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    WEBHOOK = "webhook", _("Webhook")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    OK = "ok", _("Delivered")
    FAILED = "failed", _("Failed")


class AlertDelivery(models.Model):
    """One notice (alert or recovery) to one address or URL, and how it went."""

    event = models.ForeignKey(AlertEvent, on_delete=models.CASCADE, related_name="deliveries")
    phase = models.CharField(max_length=16, choices=Phase.choices)
    channel = models.CharField(max_length=16, choices=Channel.choices)
    target = models.CharField(max_length=500)
    status = models.CharField(
        max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    result = models.CharField(max_length=300, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "phase", "channel", "target"], name="alertdelivery_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.phase} {self.channel} {self.target} {self.status}"
