"""Create the demo tenant and two months of realistic logs."""
import time
from datetime import date, datetime, timedelta

from django.core.management.base import BaseCommand, CommandError

from accounts.models import Account, User
from accounts.services import account_create, gateway_register, user_create
from ingest.demo import JST, demo_lines
from ingest.models import AuthLog
from ingest.payload import pack_batch
from ingest.services import StoreResult, store_batch

DEMO_ACCOUNT = "A00700123"
DEMO_GATEWAYS = ["PCDEMO001", "PCDEMO002", "PCDEMO003"]
DEMO_USERS = [("demo-admin", True, "デモ 管理者"), ("demo", False, "デモ 利用者")]
DEMO_PASSWORD = "syslog-demo-2026"


class Command(BaseCommand):
    help = "Seed a demo account, users and the last two months of logs"

    def add_arguments(self, parser):
        parser.add_argument("--if-empty", action="store_true",
                            help="do nothing when the demo account already has data")
        parser.add_argument("--per-day", type=int, default=120,
                            help="terminal connections per day (default 120)")
        parser.add_argument("--days", type=int, default=0,
                            help="days to generate (default: from the 1st of last month)")

    def handle(self, *args, if_empty, per_day, days, **options):
        if per_day < 1:
            raise CommandError("--per-day must be at least 1")
        account = Account.objects.filter(account_id=DEMO_ACCOUNT).first()
        if account and if_empty and AuthLog.objects.for_account(account).exists():
            self.stdout.write("demo data already present; nothing to do")
            return
        account = account or account_create(account_id=DEMO_ACCOUNT, name="デモホテル")
        for n, gw in enumerate(DEMO_GATEWAYS, 1):
            gateway_register(gateway_id=gw, account=account, label=f"フロア{n}")
        for user_id, admin, name in DEMO_USERS:
            if not User.objects.filter(username=user_id).exists():
                user_create(account=account, user_id=user_id, password=DEMO_PASSWORD,
                            name=name, admin=admin)
        today = datetime.now(JST).date()
        first = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
        days = days or (today - first).days + 1
        self._load(first, days, per_day)
        self.stdout.write(
            f"demo account {DEMO_ACCOUNT}: log in as demo-admin or demo, "
            f"password {DEMO_PASSWORD}"
        )

    def _load(self, first: date, days: int, per_day: int) -> None:
        total = StoreResult()
        batch: list[list] = []
        now = time.time()
        day_marker = None
        for n, (log_type, line) in enumerate(demo_lines(DEMO_GATEWAYS, first, days, per_day)):
            batch.append([log_type, line, "seed_demo", "file", now, None])
            if len(batch) >= 5000:
                total.merge(store_batch(items=pack_batch(batch)))
                batch = []
            day = line[:10] if log_type != "auth" and log_type != "active" else day_marker
            if day and day != day_marker:
                day_marker = day
                self.stdout.write(f"\rseeding {day} ({n} records)", ending="")
                self.stdout.flush()
        if batch:
            total.merge(store_batch(items=pack_batch(batch)))
        stored = ", ".join(f"{t} {n}" for t, n in sorted(total.stored.items()))
        self.stdout.write(f"\nstored: {stored}")
