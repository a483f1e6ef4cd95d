"""First load of the summary page in Chromium: a fresh browser profile (cold
cache) per run, from navigation start until every chart has been drawn.

Rerun (with the portal running, e.g. `make run` in another terminal):
    .venv/bin/python bench/first_load.py --url http://127.0.0.1:8000 --runs 5

It logs in through the login form as `demo` (the `seed_demo` user), then per
run opens a new browser context (empty cache), loads /syslog/ and waits until
every [data-figure] element is drawn. It prints each run, the median, and
what the browser downloaded (bytes on the wire, and the plotly script's size
and Content-Encoding / Cache-Control as served).
"""
from __future__ import annotations

import argparse
import statistics
import time

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--user", default="demo")
    parser.add_argument("--password", default="syslog-demo-2026")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=args.chromium, headless=True, args=ARGS)
        login = browser.new_context()
        page = login.new_page()
        page.goto(f"{args.url}/login/")
        page.fill("#id_username", args.user)
        page.fill("#id_password", args.password)
        page.click("button[type=submit]")
        page.wait_for_url(f"{args.url}/")
        state = login.storage_state()
        login.close()

        times, wire = [], []
        for run in range(1, args.runs + 1):
            context = browser.new_context(storage_state=state)  # cookies only: cold cache
            page = context.new_page()
            client = context.new_cdp_session(page)
            client.send("Network.enable")
            received = []
            client.on("Network.loadingFinished",
                      lambda e, received=received: received.append(e["encodedDataLength"]))
            scripts = {}
            page.on("response", lambda r, scripts=scripts: "plotly" in r.url and scripts.update(
                {"url": r.url, **{k: r.headers.get(k, "") for k in (
                    "content-encoding", "cache-control", "content-length")}}))
            start = time.perf_counter()
            page.goto(f"{args.url}/syslog/")
            page.wait_for_function(
                "[...document.querySelectorAll('[data-figure]')].every(e => e.dataset.ready)",
                timeout=60000)
            elapsed = time.perf_counter() - start
            times.append(elapsed)
            wire.append(sum(received))
            print(f"run {run}: {elapsed * 1000:7.0f} ms  {sum(received) / 1e6:6.2f} MB on the wire")
            context.close()
        browser.close()

    print(f"median first load: {statistics.median(times) * 1000:.0f} ms "
          f"(min {min(times) * 1000:.0f}, max {max(times) * 1000:.0f}); "
          f"median {statistics.median(wire) / 1e6:.2f} MB transferred")
    if scripts:
        print(f"plotly: {scripts['url']}  content-encoding={scripts['content-encoding'] or '-'}"
              f"  cache-control={scripts['cache-control'] or '-'}"
              f"  content-length={scripts['content-length'] or '-'}")


if __name__ == "__main__":
    main()
