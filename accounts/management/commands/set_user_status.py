from django.core.management.base import BaseCommand, CommandError

from accounts.models import User, UserStatus
from accounts.services import user_status_set


class Command(BaseCommand):
    help = (
        "Set a portal user's status: set_user_status USERID active|suspended|locked. "
        "Suspended and locked users are out at once (sessions end, tokens answer 401); "
        "the change is an operation-history row like the screen's."
    )

    def add_arguments(self, parser):
        parser.add_argument("user_id")
        parser.add_argument("status", choices=UserStatus.values)

    def handle(self, *args, user_id, status, **options):
        user = User.objects.filter(username=user_id).select_related("account").first()
        if user is None:
            raise CommandError(f"no user {user_id}")
        user_status_set(user=user, status=status, actor=None)
        self.stdout.write(f"{user.username}: {status}")
