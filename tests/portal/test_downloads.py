"""Monthly gzip CSV downloads: name, §3 column order, streaming, and a
round trip through import_logs."""
import gzip
import io

import pytest
from django.core.management import call_command
from django.http import StreamingHttpResponse

from ingest.models import LOG_MODELS
from tests.portal.builders import WORKED


def _download(client, path):
    response = client.get(path)
    assert response.status_code == 200, response.content[:200]
    assert isinstance(response, StreamingHttpResponse)
    return response, gzip.decompress(b"".join(response.streaming_content)).decode()


def test_it_names_and_streams_the_file(client, worked_month):
    _account, user, _index = worked_month
    client.force_login(user)
    response, text = _download(client, "/api/v1/downloads/auth?month=2024-02&gateway=PCGOLD002")
    assert response["Content-Type"] == "application/gzip"
    assert response["Content-Disposition"] == 'attachment; filename="auth_PCGOLD002_202402.csv.gz"'
    assert text.splitlines() == [
        "PCGOLD002,,,10.0.0.1,,02:00:00:00:00:0A,2024/02/01 10:30:20,2024/02/01 10:30:20,"
        "203,,,,,,,,,,,,,1,,,,,,",
        "PCGOLD002,,,10.0.0.1,,02:00:00:00:00:0B,2024/02/02 00:00:10,2024/02/02 00:00:10,"
        "002,,,,,,,,,,,,,,,,,,,",
    ]
    response, text = _download(client, "/api/v1/downloads/control?month=2024-02")
    assert "control_A00700999_202402.csv.gz" in response["Content-Disposition"]
    # The January record stays out of February's file.
    assert text.splitlines() == [
        "2024/02/01 10:05:00,0,02:00:00:00:00:0A,10.0.0.1,200,PCGOLD001",
        "2024/02/01 10:06:00,2,02:00:00:00:00:0A,10.0.0.1,1024,PCGOLD002",
    ]


def test_every_column_count_matches_the_format(client, worked_month):
    import logformats

    _account, user, _index = worked_month
    client.force_login(user)
    for log_type in logformats.LOG_TYPES:
        _response, text = _download(client, f"/api/v1/downloads/{log_type}?month=2024-02")
        for line in text.splitlines():
            assert len(next(__import__("csv").reader([line]))) == \
                logformats.FORMATS[log_type].column_count


def test_an_empty_month_is_an_empty_gzip(alice_client, gateway_a):
    _response, text = _download(alice_client, "/api/v1/downloads/dhcp?month=2020-01")
    assert text == ""


@pytest.mark.parametrize("log_type", ["auth", "active", "control"])
def test_a_downloaded_file_imports_back_to_the_same_records(client, worked_month, tmp_path,
                                                            log_type):
    _account, user, _index = worked_month
    client.force_login(user)
    response = client.get(f"/api/v1/downloads/{log_type}?month=2024-02")
    path = tmp_path / f"{log_type}.csv.gz"
    path.write_bytes(b"".join(response.streaming_content))
    model = LOG_MODELS[log_type]
    before = {bytes(d) for d in model.objects.values_list("digest", flat=True)}
    february = len(gzip.decompress(path.read_bytes()).splitlines())
    assert february > 0
    # Same records: importing them again stores nothing new (digests equal) …
    out = io.StringIO()
    call_command("import_logs", "--type", log_type, str(path), stdout=out)
    assert f"done: 0 stored, {february} duplicates" in out.getvalue()
    # … and into an empty table they come back identical.
    model.objects.all().delete()
    call_command("import_logs", "--type", log_type, str(path), stdout=io.StringIO())
    after = {bytes(d) for d in model.objects.values_list("digest", flat=True)}
    assert after and after <= before
    assert len(after) == february
    assert WORKED.is_dir()


TRICKY = {
    "auth": [",".join(['GW-ALICE-1', '"p,1"', '"say ""hi"""', "192.0.2.7", "",
                       "02:00:00:00:00:01", "2024-02-03T10:00:00.750+09:00", "", "106", "acc",
                       "", "", "ja", "JP", "", "", "1200", "", "", "dom", "00", "1", "2",
                       '"Pixel, 8"', "Android 14", '"Chrome ""beta"""', "", ""]),
             "GW-ALICE-1,,,2001:db8::1,,02:00:00:00:00:02,2024/02/03 11:00:00,"
             "2024/02/04 01:00:00,000,,,,,,,,,,,,,,,,,,,"],
    "active": ["GW-ALICE-1,10,lobby,10.0.0.1,,02:00:00:00:00:01,2024/02/03 10:00:00,"
               "2024/02/03 10:30:00,01,1800,"],
    "control": ["2024/02/03 10:00:00,1,02:00:00:00:00:01,,x,GW-ALICE-1"],
    "dhcp": ["2024/02/03 10:00:00,DHCPACK,02:00:00:00:00:01,10.0.0.9,GW-ALICE-1"],
    "session": ["2024/02/03 10:00:00,GW-ALICE-1,12"],
    "traffic": ["2024/02/03 10:00:00,GW-ALICE-1,1000000,20000"],
    "mail": ['2024/02/03 10:00:00,0,10.0.0.1,"a,b@example.jp","line\nbreak@example.jp",'
             "250 OK,GW-ALICE-1"],
    "activeuser": ["2024/02/03 10:00:00,GW-ALICE-1,3"],
}


@pytest.mark.parametrize("log_type", sorted(TRICKY))
def test_postgres_copy_writes_exactly_what_serialize_writes(alice_client, gateway_a, log_type):
    """The PostgreSQL COPY path must equal logformats.serialize, quoting included."""
    import zlib

    from django.db import connection

    from portal import downloads
    from portal.periods import Month
    from portal.scope import scope_resolve
    from tests.portal.builders import store

    store(log_type, *TRICKY[log_type])
    scope = scope_resolve(account=gateway_a.account, gateway_id=None)
    month = Month(2024, 2)
    _response, text = _download(alice_client, f"/api/v1/downloads/{log_type}?month=2024-02")
    import dataclasses

    import logformats
    fmt = logformats.FORMATS[log_type]
    names = [f.name for f in dataclasses.fields(fmt.record_class)]
    model = LOG_MODELS[log_type]
    tf = "start" if log_type in ("auth", "active") else "at"
    start, end = month.span()
    qs = model.objects.filter(gateway_id__in=scope.gateway_pks,
                              **{f"{tf}__gte": start, f"{tf}__lt": end}
                              ).order_by("gateway_id", tf, "id").values_list(*names)
    reference = gzip.decompress(b"".join(downloads._compress(
        qs.iterator(), fmt, names.index("gateway_id"), {gateway_a.pk: "GW-ALICE-1"}))).decode()
    assert text == reference
    assert text.count("\n") >= len(TRICKY[log_type])
    assert zlib  # noqa: B018
    if connection.vendor != "postgresql":
        pytest.skip("the COPY path is PostgreSQL's; SQLite used serialize above")
