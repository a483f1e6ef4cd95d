"""操作履歴 screen, CSV and JSON; append-only rows; retention purge."""
import csv
import io

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse

from audit.models import AppendOnlyError, LoginHistory, OperationHistory
from audit.services import history_purge

pytestmark = pytest.mark.django_db
NOW = "2026-11-20 12:00:00+09:00"
URL = "/history/operation/"


@pytest.fixture
def ops(alice, charlie, op_row):
    OperationHistory.objects.all()._raw_delete(OperationHistory.objects.db)  # fixture rows
    return [
        op_row("2026-11-20 09:00:00", alice, "user_add", user_id="u01"),
        op_row("2026-11-19 09:00:00", alice, "org_add", org="営業部"),
        op_row("2026-11-18 09:00:00", alice, "representative_change"),
        op_row("2026-11-20 09:30:00", charlie, "user_delete", user_id="zz"),
    ]


def test_it_lists_the_account_operations(alice_client, ops):
    with time_machine.travel(NOW):
        body = alice_client.get(URL).content.decode()
    assert "ユーザ「u01」を追加しました。" in body and "組織「営業部」を登録しました。" in body
    assert "「zz」" not in body  # (bare "zz" can occur in a CSRF token)


@pytest.mark.parametrize("kind,expected", [
    ("cat:user", ["ユーザ「u01」を追加しました。"]),
    ("cat:org", ["組織「営業部」を登録しました。"]),
    ("org_manage", ["組織「営業部」を登録しました。"]),
    ("cat:representative", ["代表管理者を変更しました。"]),
    ("cat:sso", []),
])
def test_the_kind_filter(alice_client, ops, kind, expected):
    with time_machine.travel(NOW):
        rows = alice_client.get("/api/v1/history/operation", {"kind": kind}).json()["rows"]
    assert [r["detail"] for r in rows] == expected


def test_an_unknown_kind_is_400(alice_client, ops):
    with time_machine.travel(NOW):
        response = alice_client.get("/api/v1/history/operation", {"kind": "cat:nope"})
        screen = alice_client.get(URL, {"kind": "nope"})
    assert response.status_code == 400 and response.json()["parameter"] == "kind"
    assert screen.status_code == 400


def test_sort_by_kind_follows_the_label_shown(alice_client, ops):
    """ユーザ追加 < 代表管理者変更 < 組織管理 by the labels; by the internal
    codes (org_manage < representative_change < user_add) it was reversed."""
    with time_machine.travel(NOW):
        body = alice_client.get(URL, {"sort": "kind"}).content.decode()
        desc = alice_client.get(URL, {"sort": "-kind"}).content.decode()
    details = ("ユーザ「u01」", "代表管理者を変更しました。", "組織「営業部」")
    positions = [body.index(t) for t in details]
    assert positions == sorted(positions)
    assert desc.index("組織「営業部」") < desc.index("ユーザ「u01」")


def test_json_rows(alice_client, ops):
    with time_machine.travel(NOW):
        rows = alice_client.get("/api/v1/history/operation").json()["rows"]
    assert rows[0] == {"time": "2026-11-20T09:00:00+09:00", "kind": "ユーザ追加",
                       "user_id": "alice", "name": "Alice Admin",
                       "detail": "ユーザ「u01」を追加しました。"}


def test_plain_users_cannot_open_it(client, bob, ops):
    client.force_login(bob)
    assert client.get(URL).status_code == 403
    assert client.get("/history/operation/csv").status_code == 403
    assert client.get("/api/v1/history/operation").status_code == 403


def test_csv_ignores_kind_and_text(alice_client, ops):
    with time_machine.travel(NOW):
        response = alice_client.get("/history/operation/csv",
                                    {"kind": "cat:sso", "q": "nomatch"})
    assert 'filename="operation-log_20261120.csv"' in response["Content-Disposition"]
    table = list(csv.reader(io.StringIO(b"".join(response.streaming_content)
                                        .decode("utf-8-sig"))))
    assert table[0] == ["日時", "種別", "ユーザID", "姓名", "詳細"]
    assert [r[1] for r in table[1:]] == ["ユーザ追加", "組織管理", "代表管理者変更"]


def test_history_rows_cannot_be_changed_or_deleted(alice, ops, login_row):
    row = ops[0]
    row.detail = "tampered"
    with pytest.raises(AppendOnlyError):
        row.save()
    with pytest.raises(AppendOnlyError):
        row.delete()
    with pytest.raises(AppendOnlyError):
        OperationHistory.objects.filter(pk=row.pk).update(detail="x")
    with pytest.raises(AppendOnlyError):
        OperationHistory.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        login_row("2026-11-20 09:00:00", alice).delete()


def test_the_admin_site_offers_no_change_or_delete(client, ops, django_user_model):
    op = django_user_model.objects.create_superuser("root", "r@example.com", "x-Very-long-42")
    client.force_login(op)
    row = ops[0]
    change = client.post(f"/admin/audit/operationhistory/{row.pk}/change/",
                         {"detail": "tampered"})
    delete = client.post(f"/admin/audit/operationhistory/{row.pk}/delete/", {"post": "yes"})
    assert client.get("/admin/audit/operationhistory/add/").status_code == 403
    assert change.status_code in (403, 200) and delete.status_code == 403
    row = OperationHistory.objects.get(pk=row.pk)
    assert row.detail == "ユーザ「u01」を追加しました。"


def test_purge_keeps_from_the_1st_of_the_same_month_last_year(alice, login_row, op_row):
    keep = login_row("2025-11-01 00:00:00", alice)
    login_row("2025-10-31 23:59:59", alice)
    op_row("2025-10-15 10:00:00", alice, "org_reorder")
    kept_op = op_row("2025-11-02 10:00:00", alice, "org_reorder")
    with time_machine.travel("2026-11-30 23:00:00+09:00"):
        counts = history_purge()
    assert counts["LoginHistory"] == 1 and counts["OperationHistory"] >= 1
    assert list(LoginHistory.objects.values_list("pk", flat=True)) == [keep.pk]
    assert OperationHistory.objects.filter(pk=kept_op.pk).exists()


def test_purge_command_and_task(alice, login_row, capsys):
    login_row("2020-01-01 00:00:00", alice)
    call_command("purge_history")
    assert "LoginHistory: 1 deleted" in capsys.readouterr().out
    from audit.tasks import purge_history

    login_row("2020-01-01 00:00:00", alice)
    assert purge_history.apply().get()["LoginHistory"] == 1


def test_the_beat_schedule_runs_the_purge(settings):
    entries = [e["task"] for e in settings.CELERY_BEAT_SCHEDULE.values()]
    assert "audit.tasks.purge_history" in entries


def test_tabs_are_one_list(alice_client, ops):
    from audit.tabs import TABS

    with time_machine.travel(NOW):
        body = alice_client.get(URL).content.decode()
    for tab in TABS:
        assert reverse(tab.url_name) in body
