"""Import POPCHAT CSV files (plain or gzip, the download format) through the
same parse and store path as syslog input."""
import gzip
import sys
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

import logformats
from ingest.items import Item, bad_item
from ingest.payload import pack_batch
from ingest.services import StoreResult, store_batch

BATCH = 5000


class Command(BaseCommand):
    help = "import_logs --type auth FILE.csv[.gz] ...: bad lines are quarantined; exit 1 if any"

    def add_arguments(self, parser):
        parser.add_argument("--type", required=True, dest="log_type")
        parser.add_argument("files", nargs="+")

    def handle(self, *args, log_type, files, **options):
        if log_type not in logformats.LOG_TYPES:
            raise CommandError(
                f"--type must be one of {', '.join(logformats.LOG_TYPES)} (got {log_type!r})"
            )
        paths = [Path(f) for f in files]
        for path in paths:
            if not path.is_file():
                raise CommandError(f"no such file: {path}")
        total = StoreResult()
        for path in paths:
            total.merge(self._import_file(log_type, path))
        stored = total.stored[log_type]
        self.stdout.write(
            f"done: {stored} stored, {total.duplicates} duplicates, "
            f"{total.quarantined} quarantined"
        )
        if total.quarantined:
            self.stderr.write(f"{total.quarantined} lines were quarantined (see admin)")
            sys.exit(1)

    def _import_file(self, log_type: str, path: Path) -> StoreResult:
        size = path.stat().st_size or 1
        result = StoreResult()
        batch: list[Item] = []
        lines = 0
        started, now = time.monotonic(), time.time()
        try:
            with open(path, "rb") as raw:
                stream = gzip.GzipFile(fileobj=raw) if path.suffix == ".gz" else raw
                for data in stream:
                    data = data.rstrip(b"\r\n")
                    if not data.strip():
                        continue
                    lines += 1
                    batch.append(_item(log_type, data, path.name, now))
                    if len(batch) >= BATCH:
                        # Packed, as the collector sends them: one arrival per
                        # batch, and PostgreSQL stores it by columns (ingest.columns).
                        result.merge(store_batch(items=pack_batch(batch)))
                        batch, now = [], time.time()
                        self._progress(path, lines, min(99, raw.tell() * 100 // size), started)
        except (OSError, EOFError, gzip.BadGzipFile) as exc:
            raise CommandError(f"{path}: cannot read ({exc}); {lines} lines imported") from exc
        if batch:
            result.merge(store_batch(items=pack_batch(batch)))
        self._progress(path, lines, 100, started)
        return result

    def _progress(self, path: Path, lines: int, pct: int, started: float) -> None:
        rate = lines / max(time.monotonic() - started, 1e-6)
        bar = "#" * (pct // 5)
        self.stdout.write(
            f"\r{path.name}: [{bar:<20}] {pct:3d}% {lines} lines {rate:,.0f}/s",
            ending="\n" if pct == 100 else "",
        )
        self.stdout.flush()


def _item(log_type: str, data: bytes, source: str, received_at: float) -> Item:
    """One store_batch item; a line that is not UTF-8 goes to quarantine as bytes."""
    try:
        return Item(log_type, data.decode("utf-8"), source, "file", received_at)
    except UnicodeDecodeError as exc:
        return bad_item(data, peer=source, transport="file", received_at=received_at,
                        log_type=log_type, error=f"not valid UTF-8: {exc.reason}")
