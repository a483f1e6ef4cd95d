"""Production settings come from the environment and pass Django's deploy checks."""
import os
import subprocess
import sys

from tests.conftest import REPO


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    # Browser tests set DJANGO_ALLOW_ASYNC_UNSAFE in this process; production never has it.
    unset = ("DEBUG", "HTTPS", "SECRET_KEY", "FIELD_ENCRYPTION_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE")
    full = {k: v for k, v in os.environ.items() if k not in unset}
    full.update(env)
    return subprocess.run([sys.executable, "manage.py", *args], cwd=REPO, env=full,
                          capture_output=True, text=True, timeout=120)


def test_check_deploy_is_clean_with_production_environment():
    result = manage("check", "--deploy", "--fail-level", "WARNING", DEBUG="0", HTTPS="1",
                    SECRET_KEY="k" * 20 + "production-secret-7f3a9c2e1b5d4f6a8c0e2b4d6f8a",
                    ALLOWED_HOSTS="portal.example.jp",
                    FIELD_ENCRYPTION_KEY="yD2k0v9pUj6bqHq8d0l7jFZ0bN8m2Q4R5s6T7u8V9wA=")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_flags_the_development_defaults():
    result = manage("check", "--deploy", "--fail-level", "WARNING", DEBUG="0")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr + result.stdout
    assert "SESSION_COOKIE_SECURE" in result.stderr + result.stdout


def test_https_turns_on_secure_cookies_and_hsts():
    code = ("from django.conf import settings as s; "
            "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS > 0)")
    def flags(https: str) -> list[str]:
        return manage("shell", "-c", code, HTTPS=https).stdout.splitlines()[-1].split()

    assert flags("1") == ["True", "True", "True"]
    assert flags("0") == ["False", "False", "False"]
