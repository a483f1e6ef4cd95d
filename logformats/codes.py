"""Code tables of SPEC §3 with Japanese and English labels, and `label()` to look them up.

Records keep codes raw; labels are for display only. Every table maps a code
to `(ja, en)`.
"""

from logformats.countries import COUNTRIES
from logformats.languages import LANGUAGES

AUTH_METHODS: dict[str, tuple[str, str]] = {
    "000": ("フリー認証", "Free"),
    "001": ("ベーシック認証", "Basic"),
    "002": ("ローミング認証", "Roaming"),
    "003": ("アクセスID認証", "Access ID"),
    "005": ("Radius認証", "RADIUS"),
    "006": ("自動認証", "Automatic"),
    "100": ("メンバー認証", "Member"),
    "102": ("OPEN-ID認証", "OpenID"),
    "103": ("アンケート認証", "Questionnaire"),
    "104": ("メールアドレス認証(確認無し)", "Email address (unconfirmed)"),
    "106": ("メールアドレス認証(本人確認)", "Email address (confirmed)"),
    "107": ("コールバック認証", "Callback"),
    "110": ("認証ローミング", "Authentication roaming"),
    "111": ("ドメイン認証ローミング", "Domain authentication roaming"),
}

OPENID_PROVIDERS: dict[str, tuple[str, str]] = {
    "00": ("Google", "Google"),
    "01": ("Facebook", "Facebook"),
    "02": ("Twitter", "Twitter"),
    "03": ("Yahoo!JAPAN", "Yahoo!JAPAN"),
    "04": ("微博", "Weibo"),
    "06": ("LINE", "LINE"),
}

GENDERS: dict[str, tuple[str, str]] = {
    "0": ("男性", "Male"),
    "1": ("女性", "Female"),
}

# Spelled as SPEC §3 and the worked-month answers spell them (en dash inside).
AGE_BANDS: dict[str, tuple[str, str]] = {
    "0": ("〜19", "-19"),
    "1": ("20–29", "20-29"),
    "2": ("30–39", "30-39"),
    "3": ("40–49", "40-49"),
    "4": ("50–59", "50-59"),
    "5": ("60–69", "60-69"),
    "6": ("70〜", "70+"),
}

# Active status (active col 9): first digit how the connection started,
# second digit how it ended.
ACTIVE_STARTS: dict[str, tuple[str, str]] = {
    "0": ("通常開始", "Normal start"),
    "1": ("再開", "Resumed"),
    "2": ("ローミングによる再開", "Resumed by roaming"),
}

ACTIVE_ENDS: dict[str, tuple[str, str]] = {
    "0": ("通常終了", "Normal end"),
    "1": ("タイムアウト", "Timeout"),
    "2": ("ローミングによる終了", "Ended by roaming"),
}

CONTROL_KINDS: dict[str, tuple[str, str]] = {
    "0": ("セッション制限", "Session limit"),
    "1": ("スパム制限", "Spam limit"),
    "2": ("帯域制限", "Bandwidth limit"),
}

DHCP_TYPES: dict[str, tuple[str, str]] = {
    t: (t, t)
    for t in (
        "DHCPDISCOVER", "DHCPOFFER", "DHCPREQUEST", "DHCPACK",
        "DHCPINFORM", "DHCPDECLINE", "DHCPNAK", "DHCPRELEASE",
    )
}

MAIL_KINDS: dict[str, tuple[str, str]] = {
    "0": ("送信", "Sent"),
}

TABLES: dict[str, dict[str, tuple[str, str]]] = {
    "auth_method": AUTH_METHODS,
    "openid_provider": OPENID_PROVIDERS,
    "gender": GENDERS,
    "age_band": AGE_BANDS,
    "active_start": ACTIVE_STARTS,
    "active_end": ACTIVE_ENDS,
    "active_status": {},  # two-digit codes, labelled from the two tables above
    "control_kind": CONTROL_KINDS,
    "dhcp_type": DHCP_TYPES,
    "mail_kind": MAIL_KINDS,
    "country": COUNTRIES,
    "language": LANGUAGES,
}

UNKNOWN = ("不明", "Unknown")


def label(table_name: str, code: str, lang: str = "ja") -> str:
    """The display label of `code` in `table_name` (a key of TABLES).

    `lang` "en…" gives English, anything else Japanese. An empty code is
    不明 / Unknown; a code the table does not know is shown as itself.
    A `2xx` auth method is the provisional form of `1xx`: アンケート認証(仮認証).
    """
    table = TABLES[table_name]
    en = lang[:2] == "en"
    if not code:
        return UNKNOWN[en]
    names = table.get(code)
    if names:
        return names[en]
    if table_name == "auth_method" and len(code) == 3 and code[0] == "2":
        base = AUTH_METHODS.get("1" + code[1:])
        if base:
            return f"{base[1]} (provisional)" if en else f"{base[0]}(仮認証)"
    if table_name == "active_status" and len(code) == 2:
        start, end = ACTIVE_STARTS.get(code[0]), ACTIVE_ENDS.get(code[1])
        if start and end:
            return f"{start[1]} / {end[1]}" if en else f"{start[0]}・{end[0]}"
    return code
