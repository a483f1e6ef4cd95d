"""Bulk CSV processing (ユーザー一括処理 §3.2.5, 組織一括処理 §3.2.12).

A file is checked row by row first; when any row is wrong nothing is applied
and every row's outcome is reported. A valid file is applied in one
transaction and writes one operation-history row naming the file.

Users CSV (UTF-8, BOM allowed), header then one row per user:
  user_id,name,email,notification_email,admin,no_outside_access,status,password
Only `user_id` is required in the header; an existing user of the account is
changed (columns present are set), an unknown ID is added. Booleans are
0/1, status is active/suspended/locked, an empty password keeps it (or leaves
a new user without one until a reset mail).

Delete CSV: a `user_id` column. Organisations CSV: `name,members` with
members separated by spaces; missing organisations are created and the
member list is set to exactly the listed users.
"""
import csv
import io
from dataclasses import dataclass, field

from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from audit.services import operation_log

from . import organisations, services
from .models import Account, Organisation, User, UserStatus
from .passwords import password_validate
from .signals import send_organisations_changed

USER_COLUMNS = ("user_id", "name", "email", "notification_email", "admin",
                "no_outside_access", "status", "password")
BOOL = {"0": False, "1": True, "false": False, "true": True, "": None}
MAX_ROWS = 5000


class BulkFileError(Exception):
    """The file as a whole is unusable (encoding, header, size)."""


@dataclass
class RowResult:
    line: int
    user_id: str
    action: str = ""  # "add", "change", "delete", "error"
    errors: list[str] = field(default_factory=list)


def read_csv(data: bytes, required: tuple[str, ...], allowed: tuple[str, ...]) -> list[dict]:
    """Decode and parse; raise BulkFileError naming what is wrong."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BulkFileError(_("The file is not UTF-8 text.")) from exc
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in required if c not in header]
    unknown = [c for c in header if c not in allowed]
    if missing or unknown:
        raise BulkFileError(_("The header must name columns among %(cols)s; missing: "
                              "%(missing)s; unknown: %(unknown)s.") % {
            "cols": ", ".join(allowed), "missing": ", ".join(missing) or "-",
            "unknown": ", ".join(unknown) or "-"})
    reader.fieldnames = header
    try:
        rows = [{k: (v or "").strip() for k, v in row.items() if k} for row in reader]
    except csv.Error as exc:
        raise BulkFileError(_("The CSV is malformed: %(e)s") % {"e": exc}) from exc
    if len(rows) > MAX_ROWS:
        raise BulkFileError(_("At most %(n)d rows per file.") % {"n": MAX_ROWS})
    if not rows:
        raise BulkFileError(_("The file has no rows."))
    return rows


def _text_errors(row: dict, limits: dict[str, int]) -> list[str]:
    """Cells the database cannot store: a NUL character, or longer than the
    column. Checked before any query uses the value."""
    errors = []
    for col, value in row.items():
        if "\x00" in value:
            errors.append(_("%(col)s contains a NUL character.") % {"col": col})
        elif col in limits and len(value) > limits[col]:
            errors.append(_("%(col)s is longer than %(n)d characters.")
                          % {"col": col, "n": limits[col]})
    return errors


def _max_lengths(model, columns: dict[str, str]) -> dict[str, int]:
    """CSV column -> the model field's max_length."""
    return {col: model._meta.get_field(field).max_length for col, field in columns.items()}


USER_LIMITS = _max_lengths(User, {"user_id": "username", "name": "name", "email": "email",
                                  "notification_email": "notification_email"})
ORG_LIMITS = _max_lengths(Organisation, {"name": "name"})


def _check_user_row(account: Account, row: dict, result: RowResult, seen: set) -> dict:
    uid = row["user_id"]
    changes: dict = {}
    if not uid:
        result.errors.append(_("user_id is empty."))
        return changes
    if text_errors := _text_errors(row, USER_LIMITS):
        result.errors.extend(text_errors)
        return changes
    try:
        UnicodeUsernameValidator()(uid)
    except ValidationError as exc:
        result.errors.extend(exc.messages)
    if uid in seen:
        result.errors.append(_("The user ID appears twice in the file."))
    seen.add(uid)
    existing = User.objects.filter(username=uid).first()
    if existing is not None and existing.account_id != account.pk:
        result.errors.append(_("This user ID cannot be used."))
        return changes
    result.action = "change" if existing else "add"
    for col in ("name", "email", "notification_email"):
        if col in row and (row[col] or result.action == "add"):
            changes[col] = row[col]
    for col in ("email", "notification_email"):
        if changes.get(col):
            try:
                validate_email(changes[col])
            except ValidationError:
                result.errors.append(_("%(col)s is not an e-mail address.") % {"col": col})
    for col, target in (("admin", "is_account_admin"), ("no_outside_access", "no_outside_access")):
        value = row.get(col, "").lower()
        if value not in BOOL:
            result.errors.append(_("%(col)s must be 0 or 1.") % {"col": col})
        elif BOOL[value] is not None:
            changes[target] = BOOL[value]
    status = row.get("status", "")
    if status and status not in UserStatus.values:
        result.errors.append(_("status must be active, suspended or locked."))
    elif status:
        changes["status"] = status
    if row.get("password"):
        probe = existing or User(username=uid, account=account, name=changes.get("name", ""))
        try:
            password_validate(row["password"], user=probe)
        except ValidationError as exc:
            result.errors.extend(exc.messages)
        changes["password"] = row["password"]
    return changes


def users_bulk_apply(*, account: Account, filename: str, data: bytes, actor,
                     request=None) -> tuple[bool, list[RowResult]]:
    """Check the users CSV; apply it when every row is valid. Returns
    (applied, per-row results). Raises BulkFileError for an unusable file."""
    rows = read_csv(data, ("user_id",), USER_COLUMNS)
    results, plans, seen = [], [], set()
    for line, row in enumerate(rows, start=2):
        result = RowResult(line=line, user_id=row.get("user_id", ""))
        plans.append(_check_user_row(account, row, result, seen))
        if result.errors:
            result.action = "error"
        results.append(result)
    if any(r.errors for r in results):
        return False, results
    with transaction.atomic():
        for result, changes in zip(results, plans, strict=True):
            _apply_user(account, result, dict(changes), actor)
        operation_log("user_bulk", account=account, actor=actor, request=request,
                      file=filename)
    _setup_mails(account, results, plans, request)
    return True, results


def _setup_mails(account: Account, results: list, plans: list, request) -> None:
    """New users without a password get the set-up mail (ユーザ初期設定のお願い);
    one without an address is skipped, as on the add screen's optional mail."""
    if request is None:
        return
    for result, changes in zip(results, plans, strict=True):
        if result.action == "add" and not changes.get("password"):
            user = User.objects.get(username=result.user_id, account=account)
            try:
                services.password_link_send(user=user, request=request, setup=True)
            except ValueError:
                pass


def _apply_user(account: Account, result: RowResult, changes: dict, actor) -> None:
    password = changes.pop("password", None)
    status = changes.pop("status", None)
    if result.action == "add":
        admin = changes.pop("is_account_admin", False)
        user = services.user_create(account=account, user_id=result.user_id, password=password,
                                    admin=admin, actor=actor, record=False, **changes)
    else:
        user = User.objects.get(username=result.user_id, account=account)
        if changes:
            services.user_update(user=user, actor=actor, record=False, **changes)
        if password:
            services.user_password_set(user=user, password=password, actor=actor, record=False)
    if status and status != user.status:
        services.user_status_set(user=user, status=status, actor=actor, record=False)


def users_bulk_delete(*, account: Account, user_ids: list[str], actor, filename: str = "",
                      request=None) -> tuple[bool, list[RowResult]]:
    """Delete the listed users of the account, all or none."""
    results, users = [], []
    for line, uid in enumerate(user_ids, start=2 if filename else 1):
        result = RowResult(line=line, user_id=uid, action="delete")
        bad = _text_errors({"user_id": uid}, USER_LIMITS)
        user = None if bad else User.objects.filter(username=uid, account=account).first()
        result.errors.extend(bad)
        if user is None and not bad:
            result.errors.append(_("No such user in this account."))
        elif user is not None and actor is not None and user.pk == actor.pk:
            result.errors.append(_("You cannot delete yourself."))
        if result.errors:
            result.action = "error"
        results.append(result)
        users.append(user)
    if not results or any(r.errors for r in results):
        return False, results
    with transaction.atomic():
        for user in users:
            services.user_delete(user=user, actor=actor, record=False)
        operation_log("user_bulk_delete", account=account, actor=actor, request=request,
                      count=len(users))
    return True, results


def delete_ids_from_csv(data: bytes) -> list[str]:
    rows = read_csv(data, ("user_id",), ("user_id",))
    return [r["user_id"] for r in rows]


def organisations_bulk_apply(*, account: Account, filename: str, data: bytes, actor,
                             request=None) -> tuple[bool, list[RowResult]]:
    """Check and apply the organisations CSV (name,members)."""
    rows = read_csv(data, ("name",), ("name", "members"))
    results, plans, seen = [], [], set()
    for line, row in enumerate(rows, start=2):
        result = RowResult(line=line, user_id=row["name"], action="change")
        if text_errors := _text_errors(row, ORG_LIMITS):
            result.errors.extend(text_errors)
            result.action = "error"
            results.append(result)
            plans.append((row["name"], [], False))
            continue
        ids = row.get("members", "").split()
        users = list(User.objects.filter(account=account, username__in=ids))
        unknown = sorted(set(ids) - {u.username for u in users})
        if not row["name"]:
            result.errors.append(_("name is empty."))
        if row["name"] in seen:
            result.errors.append(_("The organisation appears twice in the file."))
        seen.add(row["name"])
        if unknown:
            result.errors.append(_("Unknown user IDs: %(ids)s") % {"ids": " ".join(unknown)})
        if not Organisation.objects.filter(account=account, name=row["name"]).exists():
            result.action = "add"
        if result.errors:
            result.action = "error"
        results.append(result)
        plans.append((row["name"], users, "members" in row))
    if any(r.errors for r in results):
        return False, results
    with transaction.atomic():
        for name, users, set_members in plans:
            org = Organisation.objects.filter(account=account, name=name).first()
            if org is None:
                org = organisations.organisation_create(account=account, name=name,
                                                        actor=actor, record=False)
            if set_members:
                org.members.set(users)
        operation_log("org_bulk", account=account, actor=actor, request=request, file=filename)
        send_organisations_changed(account)
    return True, results
