"""Signal receivers: portal user and organisation changes become pushes."""
from django.db import transaction

from . import services


def on_user_changed(sender, *, user, kind: str, account, user_id: str, **kwargs) -> None:
    """Queue a user push. "delete" arrives inside the deleting transaction,
    before the row goes: take what the push needs now, queue on commit."""
    if account is None or kind not in services.USER_KINDS:
        return
    user_pk = user.pk
    snapshot = services.user_snapshot(user)
    # A deleted member leaves its organisations without an organisation
    # signal (the membership rows cascade): their Groups need a sync too.
    in_orgs = kind == "delete" and user.organisations.exists()

    def enqueue() -> None:
        services.user_push_enqueue(account=account, user_pk=user_pk, kind=kind,
                                   snapshot=snapshot)
        if in_orgs:
            services.org_sync_enqueue(account=account)

    transaction.on_commit(enqueue)


def on_organisations_changed(sender, *, account, **kwargs) -> None:
    """Queue an organisation sync for every enabled service of the account."""
    if account is not None:
        services.org_sync_enqueue(account=account)
