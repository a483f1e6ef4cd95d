"""JST months and days. Boundaries are built in Asia/Tokyo and converted to
UTC before querying (SPEC §1: a day or month is a JST day or month)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

JST = ZoneInfo("Asia/Tokyo")
MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass(frozen=True)
class Month:
    """One JST calendar month."""

    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Month:
        """'YYYY-MM' → Month; ValueError for anything else."""
        m = MONTH_RE.match(text or "")
        if not m or not (1 <= int(m.group(2)) <= 12) or int(m.group(1)) < 1970:
            raise ValueError(text)
        return cls(int(m.group(1)), int(m.group(2)))

    @classmethod
    def of(cls, d: date) -> Month:
        return cls(d.year, d.month)

    @classmethod
    def current(cls) -> Month:
        return cls.of(today_jst())

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def display(self) -> str:
        """2024/02: how the UI writes a month (the URL and API keep 2024-02)."""
        return f"{self.year}/{self.month:02d}"

    @property
    def compact(self) -> str:
        """YYYYMM, as in download file names."""
        return f"{self.year:04d}{self.month:02d}"

    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    def next(self) -> Month:
        return Month(self.year + self.month // 12, self.month % 12 + 1)

    def days(self) -> list[date]:
        first, nxt = self.first_day(), self.next().first_day()
        return [first + timedelta(days=i) for i in range((nxt - first).days)]

    def span(self) -> tuple[datetime, datetime]:
        """[start, end) of the month in UTC."""
        return day_start(self.first_day()), day_start(self.next().first_day())


def day_start(d: date) -> datetime:
    """00:00 JST of a day, as a UTC datetime."""
    return datetime(d.year, d.month, d.day, tzinfo=JST).astimezone(UTC)


def days_span(first: date, last: date) -> tuple[datetime, datetime]:
    """[00:00 JST of first, 00:00 JST of the day after last) in UTC."""
    return day_start(first), day_start(last + timedelta(days=1))


def today_jst() -> date:
    return datetime.now(JST).date()


def runs(days: set[date]) -> list[tuple[date, date]]:
    """Contiguous (first, last) runs of a set of days, in order."""
    out: list[tuple[date, date]] = []
    for d in sorted(days):
        if out and d - out[-1][1] == timedelta(days=1):
            out[-1] = (out[-1][0], d)
        else:
            out.append((d, d))
    return out
