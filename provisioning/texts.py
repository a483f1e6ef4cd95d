"""The provisioning history's wording (KDDI manual ch. 4), as data.

Kind and result labels go through gettext with English msgids; the Japanese
catalogue holds the manual's exact words, so the default (Japanese) screen,
CSV and JSON read as the manual does. Detail texts are stored filled in, in
Japanese, at the time of the push (manual §0.2: as it was then).
"""
from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    """種別 (§4.3)."""

    USER_CREATE = "user_create", _("User registration")  # ユーザ登録
    USER_UPDATE = "user_update", _("User information change")  # ユーザ情報変更
    USER_DELETE = "user_delete", _("User deletion")  # ユーザ削除
    ORG_SYNC = "org_sync", _("Organisation sync")  # 組織同期


class Result(models.TextChoices):
    """結果 (§4.4)."""

    PENDING = "pending", _("In progress")  # 処理中
    OK = "ok", "OK"
    NG = "ng", "NG"
    CANCEL = "cancel", "Cancel"


# §4.4.1 No. 4, word for word.
CANCEL_TEXT = "ユーザに対して別のサービス連携処理が開始されたためキャンセルしました。"
# A row still 処理中 long after its task must have ended (worker lost).
STALE_TEXT = "処理が時間内に完了しませんでした。"
NOT_QUEUED_TEXT = "処理を開始できませんでした (キューに接続できません)。"
NOT_RUN_TEXT = "連携先サービスが無効または削除されたため実行しませんでした。"


def org_sync_detail(ok: int, ng: int, aborted: int) -> str:
    """§4.4.2: `OK: x NG: y 中断: z`."""
    return f"OK: {ok} NG: {ng} 中断: {aborted}"


def org_sync_not_started_detail(reason: str, aborted: int) -> str:
    """An organisation sync that never reached the service: the reason first,
    so the row does not read as "NG with zero NG"."""
    return f"連携先に接続できなかったため中断しました: {reason} (OK: 0 NG: 0 中断: {aborted})"


def org_target(count: int) -> str:
    """連携対象 of an organisation sync: the number of organisations."""
    return f"組織 {count}件"


# Operation-history details for the service screens (manual §3.2 style).
SERVICE_ADD = "連携サービス「{name}」を登録しました。"
SERVICE_UPDATE = "連携サービス「{name}」の情報を変更しました。"
SERVICE_REMOVE = "連携サービス「{name}」を削除しました。"
