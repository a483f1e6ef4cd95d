"""A realistic demo month for `seed_demo`: diurnal load, roaming terminals
and all eight log types, generated as the CSV lines gateways send and
stored through the normal `store_batch` path."""
from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone

JST = timezone(timedelta(hours=9))
# Share of the day's connections per hour: quiet nights, busy lunch and evening.
HOURLY = [1, 1, 1, 1, 1, 2, 4, 7, 9, 8, 7, 8, 10, 9, 7, 7, 8, 9, 10, 10, 8, 6, 4, 2]
DEVICES = [
    ("iPhone", "iOS 17.5", "Safari", 30), ("Android", "Android 14", "Chrome", 28),
    ("PC", "Windows 11", "Edge", 12), ("PC", "Mac OS X 14", "Safari", 8),
    ("iPad", "iOS 17.5", "Safari", 6), ("Android", "Android 13", "Samsung Internet", 6),
    ("PC", "Windows 10", "Chrome", 6), ("", "", "", 4),
]
LOCALES = [("ja", "JP", 55), ("en", "US", 10), ("zh", "CN", 9), ("ko", "KR", 8),
           ("zh", "TW", 6), ("en", "GB", 4), ("fr", "FR", 3), ("th", "TH", 3), ("", "", 2)]
AUTH_METHODS = [("000", 40), ("103", 20), ("203", 5), ("102", 15), ("104", 8), ("003", 7),
                ("002", 5)]
DHCP_FLOW = ["DHCPDISCOVER", "DHCPOFFER", "DHCPREQUEST", "DHCPACK"]


def _pick(rng: random.Random, weighted: list[tuple]) -> tuple:
    return rng.choices(weighted, weights=[w[-1] for w in weighted])[0]


def _ts(dt: datetime) -> str:
    return dt.astimezone(JST).strftime("%Y/%m/%d %H:%M:%S")


def demo_lines(
    gateways: list[str], first_day: date, days: int, per_day: int, seed: int = 42
) -> Iterator[tuple[str, str]]:
    """Yield (log_type, csv_line) for `days` days from `first_day`."""
    rng = random.Random(seed)
    macs = [f"02:5c:{i >> 16 & 255:02x}:{i >> 8 & 255:02x}:{i & 255:02x}:{rng.randrange(256):02x}"
            for i in range(per_day * 3)]
    ports = {gw: (["10", "20"] if n % 2 == 0 else [""]) for n, gw in enumerate(gateways)}
    for d in range(days):
        day = datetime(first_day.year, first_day.month, first_day.day, tzinfo=JST) + timedelta(d)
        weekend = day.weekday() >= 5
        count = int(per_day * (1.3 if weekend else 1.0) * rng.uniform(0.8, 1.2))
        for _ in range(count):
            yield from _terminal_day(rng, day, rng.choice(macs), gateways, ports)
        for gw in gateways:
            yield from _gateway_series(rng, day, gw)


def _terminal_day(rng, day, mac, gateways, ports) -> Iterator[tuple[str, str]]:
    hour = rng.choices(range(24), weights=HOURLY)[0]
    start = day + timedelta(hours=hour, seconds=rng.randrange(3600))
    gw = rng.choice(gateways)
    port = rng.choice(ports[gw])
    ip = f"10.{gateways.index(gw)}.{rng.randrange(1, 250)}.{rng.randrange(2, 250)}"
    device, os_name, browser, _ = _pick(rng, DEVICES)
    lang, country, _ = _pick(rng, LOCALES)
    method = _pick(rng, AUTH_METHODS)[0]
    survey = method in ("103", "203", "102")
    gender = rng.choice(["0", "1", ""]) if survey else ""
    age = rng.choice(["0", "1", "1", "2", "2", "3", "4", "5", "6"]) if survey else ""
    openid = rng.choice(["00", "00", "01", "02", "03", "06"]) if method == "102" else ""
    auth = [gw, port, f"VLAN{port}" if port else "", ip, "", mac, _ts(start), _ts(start),
            method, "", "", "", lang, country, "", "", "", "", "", "", openid, gender, age,
            device, os_name, browser, "", ""]
    yield "auth", ",".join(auth)
    yield "dhcp", f"{_ts(start - timedelta(seconds=5))},DHCPDISCOVER,{mac},,{gw}"
    yield "dhcp", f"{_ts(start - timedelta(seconds=4))},DHCPACK,{mac},{ip},{gw}"
    # Active connections: some terminals roam between gateways during the day.
    hops = 1 if rng.random() < 0.7 else rng.randint(2, 4)
    t = start
    for hop in range(hops):
        usage = int(rng.expovariate(1 / 1500)) + 30
        last = hop == hops - 1
        first_digit = "0" if hop == 0 else "2"
        end_digit = "2" if not last else ("1" if rng.random() < 0.25 else "0")
        end = t + timedelta(seconds=usage)
        if end.date() != t.date():
            end = t.replace(hour=23, minute=59, second=59)
            usage = int((end - t).total_seconds())
        port = rng.choice(ports[gw])
        yield "active", ",".join(
            [gw, port, f"VLAN{port}" if port else "", ip, "", mac, _ts(t), _ts(end),
             first_digit + end_digit, str(usage), ""])
        if last or end.date() != t.date():
            break
        t = end + timedelta(seconds=rng.randint(5, 120))
        if t.date() != start.date():
            break
        gw = rng.choice([g for g in gateways if g != gw] or gateways)
    if rng.random() < 0.04:
        kind = rng.choice(["0", "0", "1", "2"])
        value = {"0": "200", "1": "50", "2": "1024"}[kind]
        yield "control", f"{_ts(start + timedelta(minutes=5))},{kind},{mac},{ip},{value},{gw}"
    if rng.random() < 0.02:
        yield "mail", (f"{_ts(start + timedelta(minutes=2))},0,{ip},guest@example.jp,"
                       f"front@example.jp,250,{gw}")


def _gateway_series(rng, day, gw) -> Iterator[tuple[str, str]]:
    for slot in range(0, 24 * 60, 30):
        t = day + timedelta(minutes=slot)
        load = HOURLY[slot // 60]
        yield "session", f"{_ts(t)},{gw},{load * rng.randint(8, 14)}"
        rx = load * rng.randint(400_000, 900_000)
        yield "traffic", f"{_ts(t)},{gw},{rx},{rx // rng.randint(4, 9)}"
        yield "activeuser", f"{_ts(t)},{gw},{max(0, load + rng.randint(-2, 3))}"
