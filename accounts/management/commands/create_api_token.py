from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from accounts.tokens import MAX_DAYS, token_create


class Command(BaseCommand):
    help = (
        "Print a new API token for a user (use as 'Authorization: Bearer <token>'): "
        "create_api_token USERID [--days N] [--name NAME]. The token expires after "
        "--days (default API_TOKEN_DAYS) and is an operation-history row."
    )

    def add_arguments(self, parser):
        parser.add_argument("user_id")
        parser.add_argument("--days", type=int, default=None,
                            help=f"lifetime in days, 1-{MAX_DAYS} (default API_TOKEN_DAYS)")
        parser.add_argument("--name", default="", help="what the token is for")

    def handle(self, *args, user_id, days, name, **options):
        user = User.objects.filter(username=user_id).first()
        if user is None:
            raise CommandError(f"no user {user_id}")
        days = settings.API_TOKEN_DAYS if days is None else days
        if not 1 <= days <= MAX_DAYS:
            raise CommandError(f"--days must be between 1 and {MAX_DAYS}")
        if len(name) > 100:
            raise CommandError("--name is at most 100 characters")
        _token, secret = token_create(user=user, actor=None, name=name, days=days)
        self.stdout.write(secret)
