"""Every page in English shows no Japanese UI text. The fixtures hold ASCII
data only, so any Japanese character left is UI wording (the language menu's
own name 日本語 aside)."""
import re

import pytest

from tests.ui.conftest import english
from tests.ui.test_pages import PAGES

pytestmark = pytest.mark.django_db
JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uff01-\uff5e「」、。]+")


def japanese_left(html: str) -> list[str]:
    html = re.sub(r'<select name="language".*?</select>', "", html, flags=re.S)
    return sorted(set(JAPANESE.findall(html)))


@pytest.fixture
def with_data(alice, gateway_a, login_row):
    """A login row, an operation row and a month of logs, all in ASCII."""
    from audit.models import OperationHistory
    from tests.portal.builders import auth_line, store

    # The cast's set-up wrote the manual's Japanese details (data): start clean.
    OperationHistory.objects.all()._raw_delete(OperationHistory.objects.db)
    login_row("2026-11-19 09:00:00", alice)
    OperationHistory.objects.create(
        at=login_row("2026-11-19 09:05:00", alice).at, account=alice.account, user=alice,
        username="alice", name="Alice Admin", kind="user_add", detail="added u01")
    store("auth", auth_line(gateway_a.gateway_id, "02:00:00:00:00:0e", "2024/03/05 12:00:00"))
    return alice


@pytest.mark.parametrize("url", PAGES + ["/syslog/trend/?month=2024-03&tab=weekday-hour",
                                         "/syslog/?month=2024-03", "/no/such/page/"])
def test_the_english_ui_has_no_japanese_left(client, with_data, url):
    client.force_login(with_data)
    html = english(client).get(url).content.decode()
    assert japanese_left(html) == [], url


def test_the_english_error_pages_have_no_japanese_left(client, bob):
    client.force_login(bob)
    html = english(client).get("/manage/users/").content.decode()
    assert japanese_left(html) == []
