"""History rows at chosen times, and plain static files for rendering."""
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

JST = ZoneInfo("Asia/Tokyo")


def jst(s: str) -> datetime:
    return datetime.strptime(s, "%Y-%m-%d %H:%M:%S").replace(tzinfo=JST)


@pytest.fixture
def login_row():
    from audit import texts
    from audit.models import LoginHistory

    def make(at: str, user, pattern: int = 2, ip: str = "192.0.2.1", username=None):
        result, _ = texts.LOGIN_PATTERNS[pattern]
        return LoginHistory.objects.create(
            at=jst(at), account=user.account if user else None, user=user,
            username=username or user.username, name=user.display_name if user else "",
            result=result, pattern=pattern, detail=texts.login_detail(pattern, ip, "Windows 10"),
            ip=ip,
        )

    return make


@pytest.fixture
def op_row():
    from audit import texts
    from audit.models import OperationHistory

    def make(at: str, actor, key: str = "user_add", **values):
        kind, detail = texts.operation(key, **values)
        return OperationHistory.objects.create(
            at=jst(at), account=actor.account, user=actor, username=actor.username,
            name=actor.display_name, kind=kind, detail=detail,
        )

    return make


