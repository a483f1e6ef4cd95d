"""Rollup tables: the daily facts of `portal.facts`, stored per scope and day.

See `portal.rollups` for how they are built and when they are trusted.
"""
from django.db import models


class DailyFact(models.Model):
    """One fact of `portal.facts` for one scope and JST day. `scope` is
    ``g<gateway pk>`` or ``a<account pk>`` (account-wide numbers such as
    distinct terminals and roaming cannot be summed from gateways)."""

    scope = models.CharField(max_length=24)
    family = models.CharField(max_length=16)
    day = models.DateField()
    k1 = models.CharField(max_length=255, blank=True)
    k2 = models.CharField(max_length=255, blank=True)
    n = models.BigIntegerField(default=0)
    s = models.BigIntegerField(default=0)
    m = models.BigIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["scope", "family", "day"], name="dailyfact_scope_fam_day")]

    def __str__(self) -> str:
        return f"{self.scope} {self.family} {self.day} {self.k1}/{self.k2}={self.n}"


class RollupDay(models.Model):
    """Marks the facts of (scope, source log type, day) as built. For an
    account scope, `signature` is the set of gateways the facts were built
    from; a gateway registered later makes them stale."""

    scope = models.CharField(max_length=24)
    source = models.CharField(max_length=16)
    day = models.DateField()
    signature = models.CharField(max_length=64, blank=True)
    built_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["scope", "source", "day"], name="rollupday_unique")
        ]

    def __str__(self) -> str:
        return f"{self.scope} {self.source} {self.day}"


class RollupState(models.Model):
    """Per log type: the highest record id folded into the rollups, with a
    short history of earlier marks (see `portal.rollups.safe_mark`)."""

    source = models.CharField(max_length=16, primary_key=True)
    marks = models.JSONField(default=list)  # [[max_id, epoch_seconds], ...] newest last

    def __str__(self) -> str:
        return f"{self.source} {self.marks[-1:] if self.marks else '-'}"
