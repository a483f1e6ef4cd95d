"""Code tables and labels (SPEC §3)."""

import pytest

from logformats.codes import TABLES, label
from logformats.countries import COUNTRIES
from logformats.languages import LANGUAGES


@pytest.mark.parametrize(("code", "ja"), [
    ("000", "フリー認証"),
    ("001", "ベーシック認証"),
    ("002", "ローミング認証"),
    ("003", "アクセスID認証"),
    ("005", "Radius認証"),
    ("006", "自動認証"),
    ("100", "メンバー認証"),
    ("102", "OPEN-ID認証"),
    ("103", "アンケート認証"),
    ("104", "メールアドレス認証(確認無し)"),
    ("106", "メールアドレス認証(本人確認)"),
    ("107", "コールバック認証"),
    ("110", "認証ローミング"),
    ("111", "ドメイン認証ローミング"),
])
def test_it_labels_auth_methods_in_japanese(code, ja):
    assert label("auth_method", code) == ja


def test_it_labels_provisional_auth_methods():
    assert label("auth_method", "203") == "アンケート認証(仮認証)"
    assert label("auth_method", "202", "en") == "OpenID (provisional)"


def test_it_shows_unknown_codes_raw():
    assert label("auth_method", "999") == "999"
    assert label("auth_method", "205") == "205"  # no 105 to be provisional of
    assert label("country", "ZZ", "en") == "ZZ"


def test_it_calls_empty_codes_unknown():
    assert label("gender", "") == "不明"
    assert label("gender", "", "en") == "Unknown"
    assert label("country", "", "en-us") == "Unknown"


@pytest.mark.parametrize(("table", "code", "ja", "en"), [
    ("gender", "0", "男性", "Male"),
    ("gender", "1", "女性", "Female"),
    ("openid_provider", "00", "Google", "Google"),
    ("openid_provider", "01", "Facebook", "Facebook"),
    ("openid_provider", "02", "Twitter", "Twitter"),
    ("openid_provider", "03", "Yahoo!JAPAN", "Yahoo!JAPAN"),
    ("openid_provider", "04", "微博", "Weibo"),
    ("openid_provider", "06", "LINE", "LINE"),
    ("age_band", "0", "〜19", "-19"),
    ("age_band", "1", "20–29", "20-29"),
    ("age_band", "5", "60–69", "60-69"),
    ("age_band", "6", "70〜", "70+"),
    ("control_kind", "0", "セッション制限", "Session limit"),
    ("control_kind", "1", "スパム制限", "Spam limit"),
    ("control_kind", "2", "帯域制限", "Bandwidth limit"),
    ("mail_kind", "0", "送信", "Sent"),
    ("dhcp_type", "DHCPACK", "DHCPACK", "DHCPACK"),
    ("active_start", "2", "ローミングによる再開", "Resumed by roaming"),
    ("active_end", "1", "タイムアウト", "Timeout"),
    ("active_status", "01", "通常開始・タイムアウト", "Normal start / Timeout"),
    ("country", "JP", "日本", "Japan"),
    ("country", "TW", "台湾", "Taiwan"),
    ("country", "HK", "香港", "Hong Kong"),
    ("language", "ja", "日本語", "Japanese"),
    ("language", "zh", "中国語", "Chinese"),
])
def test_it_labels_codes_in_both_languages(table, code, ja, en):
    assert label(table, code, "ja") == ja
    assert label(table, code, "en") == en


def test_the_country_table_is_all_of_iso_3166_1():
    assert len(COUNTRIES) == 249
    assert all(len(c) == 2 and c.isupper() for c in COUNTRIES)
    g20 = "AR AU BR CA CN DE FR GB ID IN IT JP KR MX RU SA TR US ZA".split()
    assert set(g20) <= COUNTRIES.keys()


def test_the_language_table_is_iso_639_1():
    assert len(LANGUAGES) == 183
    assert all(len(c) == 2 and c.islower() for c in LANGUAGES)


def test_every_table_has_both_labels():
    for table in TABLES.values():
        for ja, en in table.values():
            assert ja and en
