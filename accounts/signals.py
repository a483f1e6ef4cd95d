"""Signals other apps (SCIM provisioning) listen to. Both are sent from
`transaction.on_commit`, so receivers see committed rows.

- `user_changed.send(sender=User, user=user, kind="create"|"update"|"delete",
  account=user.account, user_id=user.username)`. "create" and "update" are
  sent on commit; "delete" is sent synchronously just before the row is
  deleted (inside the transaction), so receivers still see the row and its
  related rows; they should defer network work with on_commit themselves.
- `organisations_changed.send(sender=Organisation, account=account)` on
  commit after any organisation change.
"""
from django.db import transaction
from django.dispatch import Signal

user_changed = Signal()
organisations_changed = Signal()


def send_user_changed(user, kind: str) -> None:
    """Send `user_changed`: on commit, or at once for "delete" (see above)."""
    from .models import User

    account = user.account

    def send() -> None:
        user_changed.send(sender=User, user=user, kind=kind, account=account,
                          user_id=user.username)

    if kind == "delete":
        send()
    else:
        transaction.on_commit(send)


def send_organisations_changed(account) -> None:
    """Send `organisations_changed` once the current transaction commits."""
    from .models import Organisation

    transaction.on_commit(
        lambda: organisations_changed.send(sender=Organisation, account=account)
    )
