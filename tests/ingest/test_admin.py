"""The platform operator reads and downloads the quarantine in Django admin;
tenant users cannot."""
import time

import pytest
from django.contrib.auth import get_user_model

from ingest.items import bad_item
from ingest.services import store_batch

WEIRD = b"<14>popchat-auth: =HYPERLINK(\"x\")\xff\xfe\x00\x01 caf\xc3\xa9"


@pytest.fixture
def quarantined(db):
    store_batch(items=[
        ["session", "2024/02/01 10:00:00,GW1", "192.0.2.7", "udp", time.time(), None],
        bad_item(WEIRD, peer="192.0.2.8", transport="udp", received_at=time.time(),
                 error="bad syslog envelope: test"),
    ])


@pytest.fixture
def operator_client(client, db):
    op = get_user_model().objects.create_superuser("operator", "op@example.jp", "x-Pass-1234")
    client.force_login(op)
    return client


def test_the_operator_lists_and_downloads_the_quarantine(operator_client, quarantined):
    from ingest.models import Quarantine

    listing = operator_client.get("/admin/ingest/quarantine/")
    assert listing.status_code == 200
    assert "expected 3 columns, got 2" in listing.content.decode()
    q = Quarantine.objects.get(peer="192.0.2.7")
    csv = operator_client.post("/admin/ingest/quarantine/",
                               {"action": "download_csv", "_selected_action": [q.pk]})
    body = csv.content.decode("utf-8-sig")
    assert csv["Content-Disposition"] == 'attachment; filename="quarantine.csv"'
    assert "2024/02/01 10:00:00,GW1" in body and "192.0.2.7" in body


def test_the_operator_gets_the_original_bytes_back(operator_client, quarantined):
    from ingest.models import Quarantine

    q = Quarantine.objects.get(peer="192.0.2.8")
    page = operator_client.get(f"/admin/ingest/quarantine/{q.pk}/change/").content.decode()
    assert "\\xff\\xfe\\x00\\x01 café" in page and f"{len(WEIRD)} バイト" in page
    download = operator_client.get(f"/admin/ingest/quarantine/{q.pk}/bytes/")
    assert download.status_code == 200 and download.content == WEIRD


def test_the_quarantine_csv_cannot_run_formulas(operator_client, quarantined):
    from ingest.models import Quarantine

    q = Quarantine.objects.get(peer="192.0.2.8")
    Quarantine.objects.filter(pk=q.pk).update(raw="=HYPERLINK(\"http://evil\")",
                                              reason="@SUM(1)")
    body = operator_client.post("/admin/ingest/quarantine/", {
        "action": "download_csv", "_selected_action": [q.pk]}).content.decode("utf-8-sig")
    assert "'=HYPERLINK" in body and "'@SUM(1)" in body
    assert "\n=" not in body and ",=" not in body and ",@" not in body


def test_staff_without_superuser_cannot_see_the_quarantine(client, alice, quarantined):
    """Even with the model permission: quarantined input may be any tenant's."""
    from django.contrib.auth.models import Permission

    from ingest.models import Quarantine

    alice.is_staff = True
    alice.save()
    alice.user_permissions.add(Permission.objects.get(codename="view_quarantine"))
    client.force_login(alice)
    assert client.get("/admin/ingest/quarantine/").status_code in (302, 403)
    q = Quarantine.objects.first()
    assert client.get(f"/admin/ingest/quarantine/{q.pk}/bytes/").status_code in (302, 403, 404)
