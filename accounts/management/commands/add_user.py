import getpass

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.models import Account, User
from accounts.services import user_create


class Command(BaseCommand):
    help = "Create a portal user: add_user USERID --account ID [--admin] [--name N]"

    def add_arguments(self, parser):
        parser.add_argument("user_id")
        parser.add_argument("--account", required=True)
        parser.add_argument("--admin", action="store_true")
        parser.add_argument("--name", default="")
        parser.add_argument("--password", help="read from a prompt when omitted")

    def handle(self, *args, user_id, account, admin, name, password, **options):
        acct = Account.objects.filter(account_id=account).first()
        if acct is None:
            raise CommandError(f"no account {account}")
        if User.objects.filter(username=user_id).exists():
            raise CommandError(f"user {user_id} already exists")
        if password is None:
            password = getpass.getpass("Password: ")
            if password != getpass.getpass("Password (again): "):
                raise CommandError("passwords do not match")
        try:
            validate_password(password, User(username=user_id, name=name))
            user = user_create(
                account=acct, user_id=user_id, password=password, name=name, admin=admin
            )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        role = "admin" if admin else "user"
        self.stdout.write(f"{role} {user.username} created in {acct.account_id}")
