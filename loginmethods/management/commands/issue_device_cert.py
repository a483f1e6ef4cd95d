"""issue_device_cert ACCOUNT NAME --out FILE.p12 [--user ID]: issue a device
certificate as the screen does (same history row), write the PKCS#12 and
print its one-time password."""
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from accounts.models import Account, User
from loginmethods.devices import device_issue


class Command(BaseCommand):
    help = "Issue a device certificate (PKCS#12) for device authentication."

    def add_arguments(self, parser) -> None:
        parser.add_argument("account", help="account ID, e.g. A00700123")
        parser.add_argument("name", help="device name, e.g. 'Front desk PC'")
        parser.add_argument("--out", required=True, help="where to write the .p12 file")
        parser.add_argument("--user", help="user ID the certificate is bound to "
                                           "(default: any user of the account)")

    def handle(self, *args, account: str, name: str, out: str, user, **options) -> None:
        target = Account.objects.filter(account_id=account).first()
        if target is None:
            raise CommandError(f"no account {account!r}")
        name = name.strip()
        if not name or len(name) > 64:
            raise CommandError("NAME: 1 to 64 characters")
        bound = None
        if user:
            bound = User.objects.filter(account=target, username=user).first()
            if bound is None:
                raise CommandError(f"--user: no user {user!r} in account {account}")
        path = Path(out)
        if not path.parent.is_dir():
            raise CommandError(f"--out: directory {str(path.parent)!r} does not exist")
        if path.exists():
            raise CommandError(f"--out: {out!r} exists; not overwriting it")
        issued = device_issue(account=target, name=name, user=bound)
        path.write_bytes(issued.pkcs12)
        path.chmod(0o600)
        self.stdout.write(f"{target.account_id}: issued {name!r} serial "
                          f"{issued.certificate.serial} to {out}")
        self.stdout.write(f"password: {issued.password}")
