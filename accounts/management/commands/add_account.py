from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.models import Account
from accounts.services import account_create


class Command(BaseCommand):
    help = "Register an account (tenant): add_account A00700123 --name 'Hotel'"

    def add_arguments(self, parser):
        parser.add_argument("account_id")
        parser.add_argument("--name", required=True)

    def handle(self, *args, account_id, name, **options):
        if Account.objects.filter(account_id=account_id).exists():
            raise CommandError(f"account {account_id} already exists")
        try:
            account = account_create(account_id=account_id, name=name)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        self.stdout.write(f"account {account.account_id} created")
