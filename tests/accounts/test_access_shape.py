"""Code shape of issue 10: the access rules live in one module. Views and
APIs use its decorators; nothing else writes out an admin condition, a 401,
a token lookup or a 403 of its own."""
import re

from tests.conftest import REPO

APPS = ("accounts", "audit", "provisioning", "portal")
ACCESS = REPO / "accounts" / "access.py"
# What only accounts/access.py may spell out.
RULES = {
    "an admin condition": re.compile(r"is_superuser|is_account_admin\s+(or|and)"),
    "a 401 answer": re.compile(r"status=401|WWW-Authenticate"),
    "a token lookup": re.compile(r"ApiToken\.hash|_dont_enforce_csrf_checks"),
    "a 403 of its own": re.compile(r"raise PermissionDenied|JsonResponse\(.*status=403"),
}


def sources():
    for app in APPS:
        for path in (REPO / app).rglob("*.py"):
            if "migrations" not in path.parts and path != ACCESS:
                yield path


def test_access_rules_are_written_only_in_accounts_access():
    offences = [
        f"{path.relative_to(REPO)}:{n}: {what}"
        for path in sources()
        for n, line in enumerate(path.read_text().splitlines(), start=1)
        for what, pattern in RULES.items()
        if pattern.search(line) and not line.lstrip().startswith("#")
    ]
    assert not offences, "\n".join(offences)


def test_old_import_paths_still_work():
    """Branches written before accounts.access import these names."""
    from accounts import access
    from accounts.views.common import admin_required
    from portal.api import api_view

    assert admin_required is access.admin_required
    assert api_view is access.api_view
