from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.models import Account
from accounts.services import gateway_register


class Command(BaseCommand):
    help = "Register a gateway to an account: add_gateway PCGOLD001 --account A00700123"

    def add_arguments(self, parser):
        parser.add_argument("gateway_id")
        parser.add_argument("--account", required=True)
        parser.add_argument("--label", default="")

    def handle(self, *args, gateway_id, account, label, **options):
        acct = Account.objects.filter(account_id=account).first()
        if acct is None:
            raise CommandError(f"no account {account}")
        try:
            gateway = gateway_register(gateway_id=gateway_id, account=acct, label=label)
        except (ValueError, ValidationError) as exc:
            msg = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            raise CommandError(msg) from exc
        self.stdout.write(f"gateway {gateway.gateway_id} registered to {acct.account_id}")
