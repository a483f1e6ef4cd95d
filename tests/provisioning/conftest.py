"""Fixtures of the provisioning tests: a real scim2-server (one process, a
fresh tenant per test), the failure-injecting proxy in front of it, eager
tasks and short retry timings."""
import pytest

from tests.provisioning.scimpeer import ScimProcess, ScimTenant


@pytest.fixture(scope="session")
def scim_process(tmp_path_factory):
    process = ScimProcess(tmp_path_factory.mktemp("scim2-server"))
    yield process
    process.stop()


@pytest.fixture
def scim_server(scim_process):
    """An empty SCIM service of its own for this test."""
    return ScimTenant(scim_process)


@pytest.fixture
def scim_proxy(scim_server):
    """The loopback proxy in front of this test's tenant; `scim_proxy.url` is
    the base URL to register."""
    from tests.provisioning.scimproxy import ScimProxy

    proxy = ScimProxy(scim_server.port, prefix=f"/{scim_server.tenant}").start()
    yield proxy
    proxy.stop()


@pytest.fixture(autouse=True)
def eager_tasks(request):
    """Pushes run in-process even when REDIS_URL is set, except in the tests
    that run the real worker."""
    from syslogcloud.celery import app

    if "celery_worker_process" in request.fixturenames:
        yield
        return
    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = before


@pytest.fixture(autouse=True)
def loopback_peers_allowed(settings, monkeypatch):
    """The test SCIM peers listen on loopback, which SPEC §9 refuses unless
    the operator allows it (test_outbound.py checks the refusal)."""
    settings.ALLOW_PRIVATE_OUTBOUND = True
    monkeypatch.setenv("ALLOW_PRIVATE_OUTBOUND", "1")


@pytest.fixture(autouse=True)
def fast_retries(settings):
    """Short backoff and timeouts so retry tests take seconds, not minutes."""
    settings.PROVISIONING_RETRY_BASE_SECONDS = 0.05
    settings.PROVISIONING_RETRY_MAX_SECONDS = 2.0
    settings.PROVISIONING_MAX_RETRIES = 2
    settings.PROVISIONING_HTTP_TIMEOUT = 1.0
