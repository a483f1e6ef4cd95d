"""The portal's own histories (KDDI manual ch. 2-3). Append-only: rows are
created once and never changed; only the retention purge removes them."""
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from . import kinds, texts


class AppendOnlyError(Exception):
    """Raised on any attempt to change or delete a history row."""


class HistoryQuerySet(models.QuerySet):
    """Refuses bulk update and delete; `purge_before` is the one way out.
    (Deleting a user or account only sets the row's foreign key to NULL,
    through Django's collector, which does not use this queryset.)"""

    def update(self, **kwargs):
        raise AppendOnlyError("history rows are append-only")

    def delete(self):
        raise AppendOnlyError("history rows are append-only")

    def for_account(self, account) -> "HistoryQuerySet":
        return self.filter(account=account)

    def purge_before(self, cutoff) -> int:
        """Delete rows older than `cutoff` (the retention job's path)."""
        # _raw_delete issues one DELETE without the collector's per-row
        # signals; history rows have no dependants.
        return self.filter(at__lt=cutoff)._raw_delete(self.db)


class HistoryRow(models.Model):
    """Common shape: when, which account, who (denormalised at the time)."""

    at = models.DateTimeField(_("date and time"), db_index=True)
    account = models.ForeignKey(
        "accounts.Account", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    # The account ID as text: the row keeps naming its account after the
    # account is deleted (the foreign key then becomes NULL).
    account_code = models.CharField(_("account ID"), max_length=16, blank=True)
    username = models.CharField(_("user ID"), max_length=150, blank=True)
    name = models.CharField(_("name"), max_length=150, blank=True)
    detail = models.TextField(_("detail"))
    ip = models.GenericIPAddressField(null=True, blank=True)

    objects = HistoryQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("history rows are append-only")
        if self.account_id and not self.account_code:
            self.account_code = self.account.account_id
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("history rows are append-only")


class LoginHistory(HistoryRow):
    """One login attempt (ログイン履歴): result and the §2.2 detail text."""

    result = models.CharField(_("result"), max_length=8, choices=list(texts.RESULTS.items()))
    pattern = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["account", "at"]),
            models.Index(fields=["ip", "at"]),
            models.Index(fields=["username", "at"]),
        ]
        verbose_name = _("login history")
        verbose_name_plural = _("login history")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.username} {self.result}"

    @property
    def result_label(self) -> str:
        return texts.RESULTS.get(self.result, self.result)


class OperationHistory(HistoryRow):
    """One admin or self-service operation (操作履歴) with the §3.2 texts."""

    kind = models.CharField(_("kind"), max_length=40)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["account", "at"])]
        verbose_name = _("operation history")
        verbose_name_plural = _("operation history")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.kind} {self.username}"

    @property
    def kind_label(self) -> str:
        return kinds.kind_label(self.kind)
