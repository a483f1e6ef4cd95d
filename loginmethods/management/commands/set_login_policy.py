"""set_login_policy ACCOUNT [--fido off|second_factor|either|only]
[--browser-restriction on|off] [--browser-limit N] [--device-auth on|off]: an account's login
methods for scripts, with the same history rows as the screen."""
from django.core.management.base import BaseCommand, CommandError

from accounts.models import Account
from loginmethods.models import FidoMode
from loginmethods.policy import login_policy_set


class Command(BaseCommand):
    help = "Set an account's FIDO setting, browser restriction and device authentication."

    def add_arguments(self, parser) -> None:
        parser.add_argument("account", help="account ID, e.g. A00700123")
        parser.add_argument("--fido", choices=FidoMode.values)
        parser.add_argument("--browser-restriction", choices=["on", "off"])
        parser.add_argument("--browser-limit", type=int)
        parser.add_argument("--device-auth", choices=["on", "off"])

    def handle(self, *args, account: str, fido, browser_restriction, browser_limit,
               device_auth, **options) -> None:
        target = Account.objects.filter(account_id=account).first()
        if target is None:
            raise CommandError(f"no account {account!r}")
        if browser_limit is not None and not 1 <= browser_limit <= 20:
            raise CommandError("--browser-limit must be between 1 and 20")
        if (fido, browser_restriction, browser_limit, device_auth) == (None,) * 4:
            raise CommandError("nothing to set: give --fido, --browser-restriction, "
                               "--browser-limit or --device-auth")
        policy = login_policy_set(
            account=target, actor=None, fido=fido, browser_limit=browser_limit,
            browser_restriction=None if browser_restriction is None
            else browser_restriction == "on",
            device_auth=None if device_auth is None else device_auth == "on")
        self.stdout.write(f"{target.account_id}: fido={policy.fido} browser_restriction="
                          f"{'on' if policy.browser_restriction else 'off'} "
                          f"browser_limit={policy.browser_limit} "
                          f"device_auth={'on' if policy.device_auth else 'off'}")
