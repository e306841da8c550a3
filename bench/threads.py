"""What threads cost a worker (issue 18's gthread figure): the same request made by one thread of
a process, then by several threads of it at once (as a gthread worker's threads make them), with
the CPU a request, the wall time a request and the context switches a request.

    .venv/bin/python -m bench.threads [page|own] [--threads 4] [--requests 1200]
        [--rounds 2] [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/surveys_threads]

In-process (no HTTP, no gunicorn), so what differs between the two lines is the threads alone.
Python runs one thread at a time: a thread that lets go of the interpreter's lock (around each
call into the database driver, each socket read or write, each file write) finds it taken when
it comes back, and waits. Alone, a thread waits only for the database; among busy threads it
waits at each of those calls, and each wait is a context switch: the CPU a request grows with
them (caches refilled by another request's data), while the work stays the same.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench.inprocess import Person, build_app, freeze_like_a_worker, requester

WARM_UP = 10  # requests of each thread before counting (compiled pages, prepared statements)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    # Reads only: the threads are one person, whose saves would race each other.
    parser.add_argument("request", nargs="?", default="page", choices=("page", "own"))
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--requests", type=int, default=1200, help="in all, each run")
    parser.add_argument("--rounds", type=int, default=2, help="alone then threaded, this often")
    parser.add_argument("--database-url", default="")
    return parser.parse_args()


def context_switches(thread_id: int) -> tuple[int, int]:
    """(voluntary, involuntary) context switches of one thread of this process so far."""
    fields = dict(
        line.split(":", 1)
        for line in Path(f"/proc/self/task/{thread_id}/status").read_text().splitlines()
        if "ctxt_switches" in line
    )
    return int(fields["voluntary_ctxt_switches"]), int(fields["nonvoluntary_ctxt_switches"])


def run(requesters: list, requests: int) -> dict[str, float]:
    """Each requester in a thread of its own, all at once, `requests` in all."""
    each = requests // len(requesters)
    switches: list[tuple[int, int]] = []

    def loop(one) -> None:
        me = threading.get_native_id()
        voluntary, involuntary = context_switches(me)
        for _ in range(each):
            one()
        after = context_switches(me)
        switches.append((after[0] - voluntary, after[1] - involuntary))

    threads = [threading.Thread(target=loop, args=(one,)) for one in requesters]
    cpu, wall = time.process_time(), time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    done = each * len(requesters)
    return {
        "cpu_ms": (time.process_time() - cpu) * 1000 / done,
        "wall_ms": (time.perf_counter() - wall) * 1000 / done,
        "voluntary": sum(v for v, _ in switches) / done,
        "involuntary": sum(i for _, i in switches) / done,
    }


def main() -> int:
    args = parse_args()
    with tempfile.TemporaryDirectory(prefix="threads-") as tmp:
        folder = Path(tmp)
        url = args.database_url or f"sqlite:///{folder / 'threads.db'}"
        app, plan = build_app(url, folder)
        freeze_like_a_worker()
        requesters = [requester(app, Person(app, plan), args.request) for _ in range(args.threads)]
        for one in requesters:
            for _ in range(WARM_UP):
                one()
        engine = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
        print(f"{args.request} on {engine}, {args.requests} requests a run, in-process:")
        for _ in range(args.rounds):
            for label, chosen in (
                ("1 thread", requesters[:1]),
                (f"{args.threads} threads", requesters),
            ):
                figures = run(chosen, args.requests)
                print(
                    f"  {label:<10} {figures['cpu_ms']:.2f} ms CPU a request,"
                    f" {figures['wall_ms']:.2f} ms wall;"
                    f" context switches a request: {figures['voluntary']:.1f} waiting,"
                    f" {figures['involuntary']:.1f} preempted",
                    flush=True,
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
