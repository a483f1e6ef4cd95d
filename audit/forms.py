"""Search forms of the login and operation history screens."""
from . import display, kinds, texts
from .search import HistorySearchForm


class LoginSearchForm(HistorySearchForm):
    """ログイン履歴: period, user ID/name, result checkboxes."""

    result_choices = [(code, display.result_name_lazy(code)) for code in texts.RESULTS]
    # Scripts may name results by the manual's Japanese labels in any language.
    result_aliases = {label: code for code, label in texts.RESULTS.items()}
    sort_fields = {"time": "at", "user_id": "username", "name": "name", "result": "result"}


class OperationSearchForm(HistorySearchForm):
    """操作履歴: period, user ID/name, kind drop-down grouped by category."""

    kind_choices = staticmethod(display.kind_choices)
    kind_aliases = staticmethod(kinds.kind_aliases)
    # kind_name: annotated by display.order_by_kind_name (the label shown).
    sort_fields = {"time": "at", "kind": "kind_name", "user_id": "username", "name": "name"}


LOGIN_CSV_HEADER = ["日時", "ユーザID", "姓名", "結果", "詳細"]
OPERATION_CSV_HEADER = ["日時", "種別", "ユーザID", "姓名", "詳細"]
