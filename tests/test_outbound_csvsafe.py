"""The shared outbound guard and formula-safe CSV cells (SPEC §9)."""
import pytest
from django.utils import translation

from syslogcloud.csvsafe import safe_cell, safe_row
from syslogcloud.outbound import OutboundRefused, check_url, short_error


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/scim",
        "http://localhost/",
        "https://10.1.2.3/",
        "http://192.168.0.1/",
        "http://172.16.5.5/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]:9000/",
        "http://[::ffff:127.0.0.1]/",
        "http://0.0.0.0/",
        "http://224.0.0.1/",
    ],
)
def test_private_targets_are_refused(settings, url):
    settings.ALLOW_PRIVATE_OUTBOUND = False
    with pytest.raises(OutboundRefused) as err:
        check_url(url)
    assert "ALLOW_PRIVATE_OUTBOUND" in str(err.value)


def test_public_literal_passes_and_operator_can_allow_private(settings):
    settings.ALLOW_PRIVATE_OUTBOUND = False
    check_url("https://93.184.215.14/scim/v2")  # a global address: no DNS needed
    settings.ALLOW_PRIVATE_OUTBOUND = True
    check_url("http://127.0.0.1:8080/scim")


@pytest.mark.parametrize("url", ["ftp://example.com/", "file:///etc/passwd", "http:///x", "x"])
def test_non_http_urls_are_refused_even_when_private_is_allowed(settings, url):
    settings.ALLOW_PRIVATE_OUTBOUND = True
    with pytest.raises(OutboundRefused):
        check_url(url)


def test_unresolvable_host_is_a_clear_refusal(settings):
    settings.ALLOW_PRIVATE_OUTBOUND = False
    # The message is translated (Japanese by default); read it in English.
    with translation.override("en"), pytest.raises(OutboundRefused, match="cannot be resolved"):
        check_url("https://no-such-host.invalid/")


def test_short_error_is_one_line_and_cut():
    text = "<html>\n  <body>" + "x" * 500 + "</body></html>"
    out = short_error(text, limit=50)
    assert "\n" not in out and len(out) == 50 and out.endswith("…")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=HYPERLINK(\"http://evil\")", "'=HYPERLINK(\"http://evil\")"),
        ("+1", "'+1"), ("-1", "'-1"), ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"), ("\rx", "'\rx"),
        ("alice", "alice"), ("", ""), (None, ""), ("a=b", "a=b"),
    ],
)
def test_safe_cell(value, expected):
    assert safe_cell(value) == expected


def test_safe_row():
    assert safe_row(["=1", 2, None]) == ["'=1", "2", ""]
