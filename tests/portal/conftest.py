"""Portal fixtures: the worked month of ../shared/examples."""
import json

import pytest

from tests.conftest import make_account, make_user
from tests.portal.builders import WORKED, store


@pytest.fixture
def worked_month(db):
    """Account A00700999 with PCGOLD001/PCGOLD002 and the worked month's
    inputs imported (the first auth record is delivered twice)."""
    return load_worked_month()


def load_worked_month():
    from accounts.services import gateway_register

    if not WORKED.is_dir():
        pytest.skip(f"{WORKED} is missing")
    account = make_account("A00700999", "Worked month")
    for gid in ("PCGOLD001", "PCGOLD002"):
        gateway_register(gateway_id=gid, account=account)
    for log_type in ("auth", "active", "control"):
        lines = (WORKED / "input" / f"{log_type}.csv").read_text().splitlines()
        store(log_type, *[ln for ln in lines if ln.strip()])
    user = make_user("gold", account=account)
    index = json.loads((WORKED / "expected" / "index.json").read_text())
    return account, user, index
