from django.core.management.base import BaseCommand, CommandError

from accounts.models import ApiToken, User


class Command(BaseCommand):
    help = "Print a new API token for a user (use as 'Authorization: Bearer <token>')"

    def add_arguments(self, parser):
        parser.add_argument("user_id")

    def handle(self, *args, user_id, **options):
        user = User.objects.filter(username=user_id).first()
        if user is None:
            raise CommandError(f"no user {user_id}")
        _token, secret = ApiToken.issue(user)
        self.stdout.write(secret)
