"""Search forms of the login and operation history screens."""
from . import kinds, texts
from .search import HistorySearchForm


class LoginSearchForm(HistorySearchForm):
    """ログイン履歴: period, user ID/name, result checkboxes."""

    result_choices = list(texts.RESULTS.items())
    sort_fields = {"time": "at", "user_id": "username", "name": "name", "result": "result"}


class OperationSearchForm(HistorySearchForm):
    """操作履歴: period, user ID/name, kind drop-down grouped by category."""

    kind_choices = staticmethod(kinds.kind_choices)
    kind_aliases = staticmethod(kinds.kind_aliases)
    sort_fields = {"time": "at", "kind": "kind", "user_id": "username", "name": "name"}


LOGIN_CSV_HEADER = ["日時", "ユーザID", "姓名", "結果", "詳細"]
OPERATION_CSV_HEADER = ["日時", "種別", "ユーザID", "姓名", "詳細"]
