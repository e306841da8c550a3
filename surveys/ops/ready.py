"""`python -m surveys.ops.ready URL`: wait until the app at URL answers /health with its
database and a scheduler that has finished its first sweep (used by `make run`, so that the
address and the logins are printed after the start-up messages, not buried in them)."""

from __future__ import annotations

import json
import sys
import time
import urllib.request

TIMEOUT_SECONDS = 60


def ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(url.rstrip("/") + "/health", timeout=5) as response:  # noqa: S310
            body = json.load(response)
    except (OSError, ValueError):
        return False
    return body["database"]["ok"] and body["scheduler"]["last_sweep_age_seconds"] is not None


def main() -> int:
    url = sys.argv[1]
    deadline = time.monotonic() + TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if ready(url):
            time.sleep(0.5)  # the sweep's own log lines come first
            return 0
        time.sleep(0.3)
    print(f"{url} did not become ready within {TIMEOUT_SECONDS} s", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
