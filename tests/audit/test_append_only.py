"""All three histories are append-only and outlive the users and accounts
they mention, naming them as text (issue 10 item 15)."""
import pytest
from django.utils import timezone

from accounts.models import Account
from accounts.services import user_delete
from audit.models import AppendOnlyError, LoginHistory, OperationHistory
from audit.services import login_record, operation_log
from provisioning.models import ProvisioningHistory
from provisioning.texts import Result

pytestmark = pytest.mark.django_db


def provisioning_row(account, **fields) -> ProvisioningHistory:
    values = {"at": timezone.now(), "account": account, "service_name": "Directory",
              "kind": "user_create", "target": "bob", "target_ref": "user:1", **fields}
    return ProvisioningHistory.objects.create(**values)


@pytest.mark.parametrize("model", [LoginHistory, OperationHistory, ProvisioningHistory])
def test_bulk_update_and_delete_are_refused(alice, model):
    login_record(account=alice.account, user=alice, user_id="alice", pattern=2, request=None)
    operation_log("inhouse_ip", account=alice.account, actor=alice)
    provisioning_row(alice.account)
    with pytest.raises(AppendOnlyError):
        model.objects.update(detail="rewritten")
    with pytest.raises(AppendOnlyError):
        model.objects.all().delete()
    row = model.objects.first()
    row.detail = "rewritten"
    with pytest.raises(AppendOnlyError):
        row.save()
    with pytest.raises(AppendOnlyError):
        row.delete()
    assert model.objects.filter(detail="rewritten").count() == 0


def test_a_provisioning_row_gets_its_outcome_once(alice):
    row = provisioning_row(alice.account)
    now = timezone.now()
    assert ProvisioningHistory.objects.filter(pk=row.pk).close(
        result=Result.OK, detail="", finished_at=now) == 1
    # A second outcome (e.g. a late cancel) does not overwrite the first.
    assert ProvisioningHistory.objects.filter(pk=row.pk).close(
        result=Result.CANCEL, detail="late", finished_at=now) == 0
    row.refresh_from_db()
    assert (row.result, row.detail) == (Result.OK, "")
    with pytest.raises(ValueError):
        ProvisioningHistory.objects.close(result=Result.PENDING, detail="", finished_at=now)


def test_histories_survive_the_deletion_of_their_users_and_account(alice, bob):
    account = alice.account
    login_record(account=account, user=bob, user_id="bob", pattern=22, request=None)
    operation_log("user_status", account=account, actor=alice, user_id="bob")
    provisioning_row(account, target="bob")
    user_delete(user=bob, actor=alice)
    user_delete(user=alice, actor=None)
    Account.objects.filter(pk=account.pk).delete()

    login = LoginHistory.objects.get(username="bob")
    assert (login.account_id, login.account_code, login.user_id, login.name) == (
        None, "A00700001", None, "Bob User")
    ops = OperationHistory.objects.filter(account_code="A00700001")
    assert {(o.username, o.detail) for o in ops} >= {
        ("alice", "ユーザ「bob」のステータスを変更しました。"),
        ("alice", "ユーザ「bob」を削除しました。"),
    }
    prov = ProvisioningHistory.objects.get(target="bob")
    assert (prov.account_id, prov.account_code) == (None, "A00700001")


def test_rows_written_by_commands_keep_the_account_id(account_a):
    row = operation_log("account_add", account=account_a, actor=None, account_id="A00700001")
    assert row.account_code == "A00700001"


@pytest.mark.parametrize("table", ["audit_loginhistory", "audit_operationhistory",
                                   "provisioning_provisioninghistory"])
def test_the_database_refuses_a_rewrite_by_any_sql(alice, table):
    """Not only the ORM: PostgreSQL itself refuses (a trigger)."""
    from django.db import DatabaseError, connection, transaction

    if connection.vendor != "postgresql":
        pytest.skip("the trigger is PostgreSQL's")
    login_record(account=alice.account, user=alice, user_id="alice", pattern=2, request=None)
    operation_log("inhouse_ip", account=alice.account, actor=alice)
    row = provisioning_row(alice.account)
    ProvisioningHistory.objects.filter(pk=row.pk).close(result=Result.OK, detail="",
                                                        finished_at=timezone.now())
    for sql in (f"UPDATE {table} SET detail = 'rewritten'",
                f"UPDATE {table} SET account_id = {alice.account_id + 1000}"):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            with connection.cursor() as cur:
                cur.execute(sql)
    with connection.cursor() as cur:  # a reference may become NULL (its row was deleted)
        cur.execute(f"UPDATE {table} SET account_id = NULL")
    assert not LoginHistory.objects.filter(detail="rewritten").exists()
