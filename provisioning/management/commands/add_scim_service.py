import os

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.models import Account
from provisioning.models import ConnectedService
from provisioning.services import service_create


class Command(BaseCommand):
    help = (
        "Register a SCIM 2.0 service for an account: "
        "add_scim_service ACCOUNT NAME BASE_URL --token-env VAR [--disabled]. "
        "The bearer token is read from the environment variable VAR, never from "
        "the command line (which other users of the host can see)."
    )

    def add_arguments(self, parser):
        parser.add_argument("account", help="account ID, e.g. A00700123")
        parser.add_argument("name", help="service name shown in the history")
        parser.add_argument("base_url", help="SCIM base URL, e.g. https://scim.example.com/v2")
        parser.add_argument("--token-env", required=True, metavar="VAR",
                            help="environment variable holding the bearer token")
        parser.add_argument("--disabled", action="store_true", help="register it disabled")

    def handle(self, *args, account, name, base_url, token_env, disabled, **options):
        acct = Account.objects.filter(account_id=account).first()
        if acct is None:
            raise CommandError(f"no account {account}")
        token = os.environ.get(token_env, "")
        if not token:
            raise CommandError(f"environment variable {token_env} is empty or not set")
        if ConnectedService.objects.filter(account=acct, name=name).exists():
            raise CommandError(f"{acct.account_id} already has a service named {name!r}")
        try:
            service = service_create(account=acct, actor=None, name=name, base_url=base_url,
                                     token=token, enabled=not disabled)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        state = "disabled" if disabled else "enabled"
        self.stdout.write(f"service {service.name} ({service.base_url}) registered for "
                          f"{acct.account_id}, {state}")
