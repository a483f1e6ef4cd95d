"""The provisioning-history tab, its CSV, the JSON API, the detail view
with re-run, and scoping."""
import codecs
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.services import user_create
from provisioning.models import ProvisioningHistory
from provisioning.texts import Kind, Result
from tests.conftest import PASSWORD
from tests.provisioning.scimpeer import register

pytestmark = pytest.mark.django_db(transaction=True)


def row(account, **fields):
    values = {"at": timezone.now(), "service_name": "Directory", "kind": Kind.USER_CREATE,
              "target": "dave", "target_ref": "user:1", "result": Result.OK, **fields}
    return ProvisioningHistory.objects.create(account=account, **values)


def test_the_screen_searches_by_target_service_kind_and_results(alice_client, account_a):
    row(account_a, target="dave")
    row(account_a, target="erin", result=Result.NG, detail="409 uniqueness: taken")
    row(account_a, target="組織 2件", kind=Kind.ORG_SYNC, service_name="Mail",
        detail="OK: 2 NG: 0 中断: 0")
    url = reverse("provisioning:history")

    page = alice_client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "サービス連携履歴" in html and "ユーザ登録" in html and "OK: 2 NG: 0 中断: 0" in html
    assert [r.target for r in page.context["page"]] == ["組織 2件", "erin", "dave"]

    def targets(**params):
        return [r.target for r in alice_client.get(url, params).context["page"]]

    assert targets(q="er") == ["erin"]
    assert targets(service="Mail") == ["組織 2件"]
    assert targets(kind="org_sync") == ["組織 2件"]
    assert targets(result=["ng", "cancel"]) == ["erin"]
    assert targets(result=["ng", "ok"], sort="target") == ["dave", "erin", "組織 2件"]


def test_a_period_outside_the_window_is_a_clear_400(alice_client):
    url = reverse("provisioning:history")
    old = (timezone.localdate() - timedelta(days=800)).isoformat()
    assert alice_client.get(url, {"from": old}).status_code == 400
    assert alice_client.get(url, {"sort": "nonsense"}).status_code == 400
    api = alice_client.get(reverse("provisioning:api-history"), {"from": old})
    assert api.status_code == 400 and api.json()["parameter"] == "from"
    bad = alice_client.get(reverse("provisioning:api-history"), {"result": "maybe"})
    assert bad.status_code == 400 and bad.json()["parameter"] == "result"


def test_the_csv_applies_the_period_only(alice_client, account_a):
    row(account_a, target="dave")
    row(account_a, target="erin", result=Result.NG, detail="503: down (試行 3回)")
    row(account_a, target="old", at=timezone.now() - timedelta(days=10))
    response = alice_client.get(reverse("provisioning:history-csv"), {"q": "dave", "result": "ok"})
    assert response.status_code == 200
    today = timezone.localdate().strftime("%Y%m%d")
    assert response["Content-Disposition"] == \
        f'attachment; filename="provisioning-log_{today}.csv"'
    body = b"".join(response.streaming_content)
    assert body.startswith(codecs.BOM_UTF8)
    lines = body.decode("utf-8-sig").splitlines()
    assert lines[0] == "日時,連携先サービス,種別,連携対象,結果,詳細"
    assert [line.split(",")[3] for line in lines[1:]] == ["erin", "dave"]
    assert lines[1].endswith(",Directory,ユーザ登録,erin,NG,503: down (試行 3回)")


def test_the_json_api_serves_rows_with_the_screens_columns(client, alice, account_a):
    from accounts.models import ApiToken

    row(account_a, target="dave", result=Result.PENDING)
    _token, secret = ApiToken.issue(alice)
    response = client.get(reverse("provisioning:api-history"),
                          HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert response.status_code == 200
    (item,) = response.json()["rows"]
    assert set(item) == {"time", "service", "kind", "target", "result", "detail"}
    assert item["time"].endswith("+09:00")
    assert (item["kind"], item["result"], item["target"]) == ("ユーザ登録", "処理中", "dave")


def test_another_account_sees_none_of_the_rows(client, charlie, account_a):
    mine = row(account_a, target="dave", result=Result.NG)
    client.force_login(charlie)
    assert list(client.get(reverse("provisioning:history")).context["page"]) == []
    assert client.get(reverse("provisioning:api-history")).json() == {"rows": []}
    body = b"".join(client.get(reverse("provisioning:history-csv")).streaming_content)
    assert b"dave" not in body
    assert client.get(reverse("provisioning:history-detail", args=[mine.pk])).status_code == 404
    assert client.post(reverse("provisioning:history-rerun", args=[mine.pk])).status_code == 404
    assert ProvisioningHistory.objects.count() == 1


def test_plain_users_do_not_see_the_provisioning_history(client, bob, account_a):
    row(account_a)
    client.force_login(bob)
    assert client.get(reverse("provisioning:history")).status_code == 403
    assert client.get(reverse("provisioning:api-history")).status_code == 403


def test_an_admin_reruns_a_failed_push_as_a_new_row(alice_client, account_a, scim_proxy,
                                                    scim_server):
    service = register(account_a, scim_proxy.url)
    scim_proxy.add(method="POST", path="/Users", status=503, detail="maintenance")
    dave = user_create(account=account_a, user_id="dave", password=PASSWORD)
    failed = ProvisioningHistory.objects.get(target="dave")
    assert failed.result == Result.NG

    detail = alice_client.get(reverse("provisioning:history-detail", args=[failed.pk]))
    assert "この連携を再実行" in detail.content.decode()

    scim_proxy.clear()  # the service is back
    response = alice_client.post(reverse("provisioning:history-rerun", args=[failed.pk]))
    rerun = ProvisioningHistory.objects.filter(target="dave").exclude(pk=failed.pk).get()
    assert response.status_code == 302 and response.url.endswith(f"/{rerun.pk}/")
    assert (rerun.result, rerun.rerun_of, rerun.kind) == (Result.OK, failed, Kind.USER_CREATE)
    failed.refresh_from_db()
    assert failed.result == Result.NG  # the failed row stays as it was
    assert scim_server.user_named("dave")["externalId"] == str(dave.pk)
    assert service.links.filter(local_id=dave.pk).count() == 1

    # Only NG rows can be re-run.
    again = alice_client.post(reverse("provisioning:history-rerun", args=[rerun.pk]))
    assert again.status_code == 302
    assert ProvisioningHistory.objects.filter(target="dave").count() == 2


def test_the_screen_costs_the_same_queries_for_one_row_or_fifty(
    alice_client, account_a, django_assert_max_num_queries
):
    url = reverse("provisioning:history")
    row(account_a)
    alice_client.get(url)  # warm caches (session, content types)
    with django_assert_max_num_queries(12) as one:
        alice_client.get(url)
    for i in range(49):
        row(account_a, target=f"user{i}")
    with django_assert_max_num_queries(len(one.captured_queries)):
        page = alice_client.get(url)
    assert len(page.context["page"]) == 50
