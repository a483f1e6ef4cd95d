"""The platform operator reads and downloads the quarantine in Django admin;
tenant users cannot."""
import pytest
from django.contrib.auth import get_user_model

from ingest.services import store_batch


@pytest.fixture
def quarantined(db):
    store_batch(items=[["session", "2024/02/01 10:00:00,GW1", "192.0.2.7", "udp", 0, None]])


def test_the_operator_lists_and_downloads_the_quarantine(client, quarantined):
    from ingest.models import Quarantine

    op = get_user_model().objects.create_superuser("operator", "op@example.jp", "x-Pass-1234")
    client.force_login(op)
    listing = client.get("/admin/ingest/quarantine/")
    assert listing.status_code == 200
    assert "expected 3 columns, got 2" in listing.content.decode()
    q = Quarantine.objects.get()
    csv = client.post("/admin/ingest/quarantine/",
                      {"action": "download_csv", "_selected_action": [q.pk]})
    body = csv.content.decode("utf-8-sig")
    assert csv["Content-Disposition"] == 'attachment; filename="quarantine.csv"'
    assert "2024/02/01 10:00:00,GW1" in body and "192.0.2.7" in body


def test_staff_without_superuser_cannot_see_the_quarantine(client, alice, quarantined):
    """Even with the model permission: quarantined input may be any tenant's."""
    from django.contrib.auth.models import Permission

    alice.is_staff = True
    alice.save()
    alice.user_permissions.add(Permission.objects.get(codename="view_quarantine"))
    client.force_login(alice)
    assert client.get("/admin/ingest/quarantine/").status_code in (302, 403)
