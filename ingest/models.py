"""One table per POPCHAT log type (SPEC §3), the quarantine and counters.

Field names equal the `logformats` dataclass fields, so the storage service
maps a parsed record onto a row without a per-type table of columns. The
`gateway` foreign key's column is `gateway_id`, which in the dataclass holds
the gateway's textual ID; the service swaps in the row's primary key.
"""
from django.db import models
from django.utils.translation import gettext_lazy as _

import logformats
from accounts.models import Account, Gateway


class LogQuerySet(models.QuerySet):
    def for_account(self, account: Account) -> "LogQuerySet":
        """Every read of log records starts here: the tenant's gateways only."""
        return self.filter(gateway__account=account)


def digest_unique(prefix: str, time: str) -> models.UniqueConstraint:
    """A second delivery of a record is a no-op. On PostgreSQL the tables are
    partitioned by JST month of `time` (ingest.partitions), and a unique key
    of a partitioned table must hold the partition key; the digest covers the
    record's time, so (time, digest) is exactly as unique as the digest.

    Time first: most comparisons in the index then end on an 8-byte time
    instead of a 16-byte bytea, and live traffic arrives in time order, so
    inserts land at the right edge instead of at random pages. COPY into the
    auth table costs 1.7 µs less per row than with (digest, time) (issue 9,
    docs/scaling.md)."""
    return models.UniqueConstraint(fields=[time, "digest"], name=f"{prefix}_time_digest")


class LogRecord(models.Model):
    """Common columns: the gateway and a digest over the normalized record
    that makes a second delivery of the same record a no-op (unique with the
    record's time: `digest_unique`)."""

    # No separate index on gateway: every table's (gateway, time) index leads
    # with it, and one index less makes bulk inserts cheaper. No database
    # constraint either: a deferred FK check costs 2–5 µs per row (issue 9);
    # the worker resolves or creates the gateway before the insert, and
    # gateways are never deleted (PROTECT still stops an ORM delete).
    gateway = models.ForeignKey(
        Gateway, on_delete=models.PROTECT, related_name="+", db_index=False,
        db_constraint=False,
    )
    digest = models.BinaryField(max_length=16)

    objects = LogQuerySet.as_manager()

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{type(self).__name__} {self.pk} @ {self.gateway_id}"


class TerminalRecord(LogRecord):
    """auth and active share their first eight columns."""

    port = models.CharField(max_length=255, blank=True)
    port_label = models.CharField(max_length=255, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    mac = models.CharField(max_length=17)
    start = models.DateTimeField()
    end = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True


class AuthLog(TerminalRecord):
    """認証ログ §8.1: one terminal authentication with its demographics."""

    auth_method = models.CharField(max_length=16)
    access_id = models.CharField(max_length=255, blank=True)
    area_code = models.CharField(max_length=255, blank=True)
    postal_code = models.CharField(max_length=255, blank=True)
    language = models.CharField(max_length=255, blank=True)
    country = models.CharField(max_length=255, blank=True)
    charge = models.BigIntegerField(null=True, blank=True)
    auth_domain_id = models.CharField(max_length=255, blank=True)
    openid_provider = models.CharField(max_length=255, blank=True)
    gender = models.CharField(max_length=255, blank=True)
    age_band = models.CharField(max_length=255, blank=True)
    device_type = models.CharField(max_length=255, blank=True)
    device_os = models.CharField(max_length=255, blank=True)
    device_app = models.CharField(max_length=255, blank=True)

    class Meta:
        indexes = [models.Index(fields=["gateway", "start"], name="authlog_gw_start")]
        constraints = [digest_unique("authlog", "start")]


class ActiveLog(TerminalRecord):
    """アクティブ接続ログ §8.2: one active connection with its usage time."""

    status = models.CharField(max_length=2)
    usage_seconds = models.BigIntegerField()

    class Meta:
        indexes = [models.Index(fields=["gateway", "start"], name="activelog_gw_start")]
        constraints = [digest_unique("activelog", "start")]


class ControlLog(LogRecord):
    """制御ログ §8.3: a session / spam / bandwidth limit applied."""

    at = models.DateTimeField()
    kind = models.CharField(max_length=16)
    mac = models.CharField(max_length=17, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    value = models.CharField(max_length=255, blank=True)

    class Meta:
        indexes = [models.Index(fields=["gateway", "at"], name="controllog_gw_at")]
        constraints = [digest_unique("controllog", "at")]


class DhcpLog(LogRecord):
    """DHCPログ §8.4."""

    at = models.DateTimeField()
    message_type = models.CharField(max_length=16)
    mac = models.CharField(max_length=17, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["gateway", "at"], name="dhcplog_gw_at")]
        constraints = [digest_unique("dhcplog", "at")]


class SessionLog(LogRecord):
    """セッションログ §8.5: the gateway's session count at a time."""

    at = models.DateTimeField()
    sessions = models.BigIntegerField()

    class Meta:
        indexes = [models.Index(fields=["gateway", "at"], name="sessionlog_gw_at")]
        constraints = [digest_unique("sessionlog", "at")]


class TrafficLog(LogRecord):
    """トラフィックログ §8.6: RX (down) and TX (up) in bps."""

    at = models.DateTimeField()
    rx_bps = models.BigIntegerField()
    tx_bps = models.BigIntegerField()

    class Meta:
        indexes = [models.Index(fields=["gateway", "at"], name="trafficlog_gw_at")]
        constraints = [digest_unique("trafficlog", "at")]


class MailLog(LogRecord):
    """メールログ §8.7: one SMTP send."""

    at = models.DateTimeField()
    kind = models.CharField(max_length=16)
    ip = models.GenericIPAddressField(null=True, blank=True)
    mail_from = models.CharField(max_length=255, blank=True)
    mail_to = models.CharField(max_length=255, blank=True)
    smtp_status = models.CharField(max_length=255, blank=True)

    class Meta:
        indexes = [models.Index(fields=["gateway", "at"], name="maillog_gw_at")]
        constraints = [digest_unique("maillog", "at")]


class ActiveUserLog(LogRecord):
    """アクティブユーザログ §8.8: unauthenticated connected terminals."""

    at = models.DateTimeField()
    users = models.BigIntegerField()

    class Meta:
        indexes = [models.Index(fields=["gateway", "at"], name="activeuserlog_gw_at")]
        constraints = [digest_unique("activeuserlog", "at")]


# Derived from the one registry (logformats/registry.py): a type listed there
# without its model here fails at import, naming the missing class.
LOG_MODELS: dict[str, type[LogRecord]] = {
    fmt.name: globals()[fmt.model_name] for fmt in logformats.FORMATS.values()
}


def time_field(log_type: str) -> str:
    """The column that places a record in a day or month."""
    return logformats.FORMATS[log_type].time_field


class Quarantine(models.Model):
    """Input that could not be stored, kept verbatim with the reason.

    `data` holds the frame's bytes exactly as they arrived (envelope included,
    any bytes, up to 1 MiB); `length` is the original length when it was cut.
    `raw` is only a readable, searchable preview of those bytes.
    """

    TRANSPORTS = [("udp", "UDP"), ("tcp", "TCP"), ("tls", "TLS"), ("file", _("file import"))]

    received_at = models.DateTimeField(_("received at"), db_index=True)
    peer = models.CharField(_("source"), max_length=255, blank=True)
    transport = models.CharField(_("transport"), max_length=8, choices=TRANSPORTS)
    log_type = models.CharField(_("log type"), max_length=16, blank=True)
    reason = models.TextField(_("reason"))
    raw = models.TextField(_("raw message"))
    data = models.BinaryField(_("original bytes"), default=b"")
    length = models.BigIntegerField(_("original length"), null=True, blank=True)
    # Over (bytes, peer, received time): a retried batch adds no second row.
    digest = models.BinaryField(max_length=16, unique=True)

    class Meta:
        ordering = ["-received_at"]
        verbose_name = _("quarantined record")
        verbose_name_plural = _("quarantine")

    def __str__(self) -> str:
        return f"{self.received_at:%Y-%m-%d %H:%M:%S} {self.peer}: {self.reason}"

    @property
    def cut(self) -> bool:
        return self.length is not None and self.length > len(self.data)


class NewGatewayQuota(models.Model):
    """How many unassigned gateways one source created in one hour: the cap
    SYSLOG_NEW_GATEWAYS_PER_HOUR keeps a spoofing sender from filling the registry."""

    peer = models.CharField(max_length=255)
    hour = models.DateTimeField()
    created = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["peer", "hour"], name="newgw_peer_hour")]

    def __str__(self) -> str:
        return f"{self.peer} {self.hour:%Y-%m-%d %H}h: {self.created}"


class IngestCounter(models.Model):
    """Running totals that cannot be derived from the tables (duplicates,
    rejected sources). Updated once per batch with F() increments."""

    name = models.CharField(max_length=32, primary_key=True)
    value = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name}={self.value}"


class DeadLetter(models.Model):
    """A batch whose storing kept failing for a reason other than a lost
    connection (a bug, an unexpected error). Parked here, never dropped, and
    retried by `ingest.tasks.dead_letters_replay` until it stores."""

    created_at = models.DateTimeField(auto_now_add=True)
    items = models.JSONField()
    reason = models.TextField()
    attempts = models.IntegerField(default=0)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {len(self.items)} items: {self.reason[:80]}"


class TouchedDay(models.Model):
    """A (log type, gateway, JST day) that received records the rollups have
    not folded in yet. Written in the same transaction as the records, so
    however late a record commits (a redelivery, a spool replay, an import of
    an old month), its day is on this list; `portal.rollups` rebuilds and
    removes it within one scheduler period, and reads it as live until then."""

    source = models.CharField(max_length=16)
    gateway_pk = models.BigIntegerField()  # no FK: no lock on the gateway row per batch
    day = models.DateField()
    touched_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["source", "gateway_pk", "day"],
                                               name="touchedday_unique")]

    def __str__(self) -> str:
        return f"{self.source} g{self.gateway_pk} {self.day}"
