"""The cast of the UI tests: the portal-wide fixtures plus a superuser."""
import pytest

from tests.audit.conftest import login_row  # noqa: F401 - the history rows fixture
from tests.conftest import PASSWORD


@pytest.fixture
def operator(db):
    """The platform operator: a superuser without an account."""
    from accounts.models import User

    return User.objects.create_superuser(username="operator", password=PASSWORD,
                                         email="op@example.jp")


def english(client):
    client.cookies["django_language"] = "en"
    return client
