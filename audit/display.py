"""What the history screens show for stored codes, in the reader's language.

The manual's Japanese wording (audit.texts, audit.kinds) stays the data: it
is stored, exported to CSV and answered by the API exactly as the manual
words it. The English UI shows these names instead. A test asserts that every
kind, category and result has one.
"""
from django.db.models import Case, CharField, F, QuerySet, Value, When
from django.utils.functional import lazy
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from . import kinds, texts

RESULT_NAMES_EN = {
    texts.RESULT_SUCCESS: "Login succeeded",
    texts.RESULT_NG: "Login failed",
    texts.RESULT_LOCK: "Account locked",
}

CATEGORY_NAMES_EN = {
    "user": "User management", "org": "Organisation management", "sso": "SSO",
    "security": "Security", "self": "Changes by the user",
    "representative": "Representative admin change", "ad": "Active Directory settings",
    "platform": "Gateway and account management", "session": "Logout",
    "service": "Service integration", "trace": "Terminal lookup",
}



def _english() -> bool:
    return (get_language() or "ja")[:2] == "en"


def result_name(code: str) -> str:
    """ログイン成功 / Login succeeded."""
    if _english() and code in RESULT_NAMES_EN:
        return RESULT_NAMES_EN[code]
    return texts.RESULTS.get(code, code)


def kind_name(code: str) -> str:
    """ユーザ追加 / User added (the raw code when unknown)."""
    kind = kinds.BY_CODE.get(code)
    if kind is None:
        return code
    return kind.en if _english() else kind.label


def category_name(category: str) -> str:
    if _english() and category in CATEGORY_NAMES_EN:
        return CATEGORY_NAMES_EN[category]
    return kinds.CATEGORIES.get(category, category)


result_name_lazy = lazy(result_name, str)


def kind_choices() -> list[tuple[str, object]]:
    """The kind drop-down in the reader's language: per category, the whole
    category then its kinds."""
    groups: list[tuple[str, object]] = [("", _("Any"))]
    for cat in kinds.CATEGORIES:
        members = [(k.code, kind_name(k.code)) for k in kinds.KINDS if k.category == cat]
        if members:
            name = category_name(cat)
            groups.append((name, [(f"cat:{cat}", name), *members]))
    return groups


def order_by_kind_name(qs: QuerySet) -> QuerySet:
    """Annotates `kind_name` (the label shown) so that sorting by 種別 follows
    what the reader sees, not the internal code."""
    return qs.annotate(kind_name=Case(
        *[When(kind=k.code, then=Value(kind_name(k.code))) for k in kinds.KINDS],
        default=F("kind"), output_field=CharField()))
