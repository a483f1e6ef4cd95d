"""`add_alert_rule ACCOUNT --silent-minutes N | --control-kind K --count N --minutes M ...`:
create an alert rule from a script; prints the rule ID and its webhook secret."""
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email

from accounts.models import Account, Gateway
from alerts.forms import control_kind_code
from alerts.models import RuleKind
from alerts.services import rule_create
from alerts.texts import LANGS
from syslogcloud.outbound import OutboundRefused, check_url


class Command(BaseCommand):
    help = "Create an alert rule (silent gateway or control spike) for an account."

    def add_arguments(self, parser) -> None:
        parser.add_argument("account", help="account ID, e.g. A00700123")
        parser.add_argument("--silent-minutes", type=int,
                            help="alert when nothing arrives for N minutes")
        parser.add_argument("--control-kind", help="control kind: 0/session, 1/spam, 2/bandwidth")
        parser.add_argument("--count", type=int, help="control spike: at least N records")
        parser.add_argument("--minutes", type=int, help="control spike: within M minutes")
        parser.add_argument("--gateway", help="one gateway ID (default: every gateway)")
        parser.add_argument("--never-seen", action="store_true",
                            help="silent rule: also alert for gateways never heard from")
        parser.add_argument("--email", action="append", default=[], help="repeatable")
        parser.add_argument("--webhook", action="append", default=[], help="repeatable")
        parser.add_argument("--webhook-secret", default="", help="default: generated")
        parser.add_argument("--language", default="ja", choices=LANGS, help="notice language")

    def handle(self, *args, **o) -> None:
        account = Account.objects.filter(account_id=o["account"]).first()
        if account is None:
            raise CommandError(f"unknown account {o['account']}")
        gateway = None
        if o["gateway"]:
            gateway = Gateway.objects.filter(account=account, gateway_id=o["gateway"]).first()
            if gateway is None:
                raise CommandError(
                    f"--gateway: {o['gateway']} is not a gateway of {account.account_id}")
        spike = o["control_kind"] is not None
        if spike == (o["silent_minutes"] is not None):
            raise CommandError(
                "give either --silent-minutes N or --control-kind K --count N --minutes M")
        fields = {"gateway": gateway, "alert_never_seen": o["never_seen"]}
        if spike:
            code = control_kind_code(o["control_kind"])
            if code is None:
                raise CommandError("--control-kind must be 0/session, 1/spam or 2/bandwidth")
            for name in ("count", "minutes"):
                if not o[name] or o[name] < 1:
                    raise CommandError(f"--{name} must be a positive number with --control-kind")
            fields.update(kind=RuleKind.CONTROL_SPIKE, control_kind=code, threshold=o["count"],
                          minutes=o["minutes"])
        else:
            if o["silent_minutes"] < 1:
                raise CommandError("--silent-minutes must be a positive number")
            fields.update(kind=RuleKind.SILENT, minutes=o["silent_minutes"])
        for address in o["email"]:
            try:
                validate_email(address)
            except ValidationError as exc:
                raise CommandError(f"--email: {address} is not an e-mail address") from exc
        for url in o["webhook"]:
            try:
                check_url(url)
            except OutboundRefused as exc:
                raise CommandError(f"--webhook {url}: {exc}") from exc
        rule, secret = rule_create(account=account, emails=o["email"], webhooks=o["webhook"],
                                   webhook_secret=o["webhook_secret"], language=o["language"],
                                   **fields)
        self.stdout.write(f"rule {rule.pk}")
        self.stdout.write(f"webhook secret {secret}")
