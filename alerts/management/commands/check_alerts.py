"""`check_alerts`: evaluate every alert rule once, now (what beat does every minute)."""
from django.core.management.base import BaseCommand

from alerts.evaluate import alerts_evaluate


class Command(BaseCommand):
    help = "Evaluate every alert rule once, now, and send the notices that result."

    def handle(self, *args, **options) -> None:
        result = alerts_evaluate()
        self.stdout.write(
            f"{result.rules} rules evaluated: {result.opened} opened, {result.resolved} resolved"
        )
