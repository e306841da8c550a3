"""The load test: the platform under gunicorn on PostgreSQL, with 200 respondents, 10
coordinators and 5 analysts at once, then the area page against a bare Flask form.

    .venv/bin/python -m bench.load [--duration 120] [--workers 4] [--restart-at 60]
        [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/surveys_load]

Needs the bench extra (`pip install -e '.[bench]'`, done by `make bench-load`). Everything runs
on 127.0.0.1 (ports 5150 and 5151 by default) and stops by itself. It recreates the database
named in --database-url (default surveys_load on the test server), seeds it (bench/load/seed.py),
starts gunicorn with the packaged settings, runs locust (bench/load/locustfile.py) for the
duration, and prints:
- throughput, and per route the request count, failures and p50/p95/p99 response times;
- every failure by status, and with --restart-at, when PostgreSQL was down and what the
  requests got meanwhile and afterwards (it runs --restart-command, by default the cluster's
  restart: use a cluster of your own when others share the server);
- acknowledged saves missing from the database (a revision with the saved value), and fields
  whose final value is not the last one acknowledged to the person typing in them;
- the ratio phase: 8 closed-loop users on the area page, then on a bare Flask route rendering a
  similar static form with the same gunicorn settings, in alternate order for --ratio-rounds
  rounds (goal: the area page at least half); both asked for uncompressed pages, so that the
  ratio compares rendering, not gzip on one side only.
Figures and raw records go to bench/out/load-<time>/.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import subprocess
import sys
import threading
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

from bench.processes import cpu_of, recreate_database, workers_of

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/surveys_load"
DEFAULT_RESTART = "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main restart"
SETTLE_SECONDS = 5  # after the last sign-in, before the measured window
KEPT_COLUMNS = ("Request Count", "Failure Count", "Requests/s", "50%", "95%", "99%")
SECRET = "load-test-secret-" + "x" * 32


def make_app(url: str, out: Path):
    os.environ["SURVEYS_INSTANCE_PATH"] = str(out / "instance")
    from surveys import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET, "TESTING": True})


def start(command: list[str], env: dict, log: Path) -> subprocess.Popen:
    with log.open("wb") as handle:
        return subprocess.Popen(command, env=env, cwd=ROOT, stdout=handle, stderr=handle)


def wait_for(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"{url} did not answer within {timeout} s")


def servers(args, out: Path) -> tuple[subprocess.Popen, subprocess.Popen]:
    env = {
        **os.environ,
        "DATABASE_URL": args.database_url,
        "SECRET_KEY": SECRET,
        "SURVEYS_INSTANCE_PATH": str(out / "instance"),
        "SURVEYS_ENV": "development",
        "LOG_FORMAT": "json",
        "MAIL_BACKEND": "console",
        "WEB_CONCURRENCY": str(args.workers),
        "WEB_THREADS": str(args.threads),
        "GUNICORN_BIND": f"127.0.0.1:{args.port}",
    }
    gunicorn = str(BIN / "gunicorn")
    app = start(
        [gunicorn, "-c", "python:surveys.gunicorn_conf", "surveys.wsgi:app"],
        env,
        out / "app.log",
    )
    bare_env = {**env, "GUNICORN_BIND": f"127.0.0.1:{args.bare_port}"}
    bare = start(
        [gunicorn, "-c", "python:surveys.gunicorn_conf", "bench.load.bare:app"],
        bare_env,
        out / "bare.log",
    )
    wait_for(f"http://127.0.0.1:{args.port}/health")
    wait_for(f"http://127.0.0.1:{args.bare_port}/form")
    return app, bare


def locust(args, out: Path, mode: str, users: int, seconds: int, port: int, classes: list[str]):
    """Run locust; `seconds` of steady load after every user has started and signed in."""
    allowance = args.sign_in_allowance if users > 20 else 0
    seconds += -(-users // args.spawn_rate) + SETTLE_SECONDS + allowance
    env = {
        **os.environ,
        "LOAD_PLAN": str(out / "plan.json"),
        "LOAD_OUT": str(out),
        "LOAD_MODE": mode,
        "LOAD_USERS": str(users),
        "PYTHONPATH": str(ROOT),
    }
    command = [
        str(BIN / "locust"),
        "-f",
        str(ROOT / "bench" / "load" / "locustfile.py"),
        "--headless",
        "--users",
        str(users),
        "--spawn-rate",
        str(args.spawn_rate),
        "--run-time",
        f"{seconds}s",
        "--host",
        f"http://127.0.0.1:{port}",
        "--csv",
        str(out / mode),
        "--only-summary",
        "--reset-stats",
        "--stop-timeout",
        "15",
        "--loglevel",
        "WARNING",
        *classes,
    ]
    with (out / f"locust-{mode}.log").open("wb") as log:
        subprocess.run(command, env=env, cwd=ROOT, stdout=log, stderr=log, check=False)
    return read_stats(out / f"{mode}_stats.csv")


def locust_size(out: Path, mode: str, route: str) -> float:
    return float(read_stats(out / f"{mode}_stats.csv")[route]["Average Content Size"])


def read_stats(path: Path) -> dict[str, dict]:
    with path.open() as handle:
        return {row["Name"]: row for row in csv.DictReader(handle)}


def restart_database(command: str, url: str, record: dict) -> None:
    record["restart_started"] = time.time()
    subprocess.run(command, shell=True, check=False, capture_output=True)
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    while True:
        try:
            with engine.connect() as connection:
                connection.execute(sa.text("SELECT 1"))
            break
        except sa.exc.OperationalError:
            time.sleep(0.1)
    engine.dispose()
    record["restart_ended"] = time.time()


def steady_records(out: Path, mode: str) -> tuple[list, float]:
    """The requests of the measured window (from SETTLE_SECONDS after every user had signed in:
    the sign-ins of the ramp-up are not the steady state), and the window's length."""
    ready = json.loads((out / f"ready-{mode}.json").read_text())
    records = [json.loads(line) for line in (out / f"requests-{mode}.jsonl").open()]
    begin = (ready[0] if ready else records[0][0]) + SETTLE_SECONDS
    kept = [r for r in records if r[0] >= begin]
    return kept, (max(r[0] for r in kept) - begin) if kept else 0.0


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


def route_figures(records: list, seconds: float) -> dict[str, dict]:
    by_route: dict[str, list] = {}
    for record in records:
        by_route.setdefault(record[1], []).append(record)
    by_route["all"] = records
    figures = {}
    for name, rows in by_route.items():
        times = [r[4] for r in rows]
        figures[name] = {
            "requests": len(rows),
            "failed": sum(1 for r in rows if r[3] or not 200 <= r[2] < 400),
            "per_second": len(rows) / seconds if seconds else 0.0,
            "p50": percentile(times, 0.50),
            "p95": percentile(times, 0.95),
            "p99": percentile(times, 0.99),
        }
    return figures


def outcome_windows(out: Path, mode: str, restart: dict) -> dict:
    """Failures before, during (restart plus 5 s) and after the restart, by status."""
    windows: dict[str, dict] = {"before": {}, "during": {}, "after": {}}
    start, end = restart.get("restart_started"), restart.get("restart_ended")
    with (out / f"requests-{mode}.jsonl").open() as handle:
        for line in handle:
            at, _name, status, error, _time = json.loads(line)
            if start is None or at < start:
                window = "before"
            elif at <= end + 5:
                window = "during"
            else:
                window = "after"
            key = str(status) if status else (error or "no answer")
            windows[window][key] = windows[window].get(key, 0) + 1
    return windows


def route_table(figures: dict[str, dict]) -> list[str]:
    lines = [
        f"{'route':<22} {'requests':>8} {'failed':>6} {'req/s':>7} "
        f"{'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7}"
    ]
    for name, row in sorted(figures.items(), key=lambda item: (item[0] == "all", item[0])):
        lines.append(
            f"{name:<22} {row['requests']:>8} {row['failed']:>6} {row['per_second']:>7.1f} "
            f"{row['p50']:>7.0f} {row['p95']:>7.0f} {row['p99']:>7.0f}"
        )
    return lines


RATIO_SIDES = {  # locust user class, port attribute, route name
    "area": ("AreaReader", "port", "area page"),
    "bare": ("BareReader", "bare_port", "bare form"),
}


def ratio_phase(args, out: Path, masters: dict[str, int]) -> dict:
    """8 closed-loop users on the area page and on the bare form, in alternate order round after
    round (area, bare; bare, area; ...): a drift of the machine's speed weighs on both sides.
    Also where each side's requests spend the machine's CPU: the web workers, PostgreSQL's
    processes and locust (every request of the runs, ramp-up included)."""
    records: dict[str, list] = {"area": [], "bare": []}
    seconds = {"area": 0.0, "bare": 0.0}
    spent = {
        side: {"requests": 0, "workers": 0.0, "postgresql": 0.0, "locust": 0.0} for side in records
    }
    rounds = []
    print(
        f"\nRatio phase ({args.ratio_rounds} rounds of {args.ratio_seconds} s a side, 8 users,"
        " both sides uncompressed):"
    )
    for number in range(args.ratio_rounds):
        order = ("area", "bare") if number % 2 == 0 else ("bare", "area")
        figures = {}
        for side in order:
            user_class, port, route = RATIO_SIDES[side]
            mode = f"{side}-{number + 1}"
            before = cpu_snapshot(masters[side])
            locust(args, out, mode, 8, args.ratio_seconds, getattr(args, port), [user_class])
            after = cpu_snapshot(masters[side])
            for part in ("workers", "postgresql", "locust"):
                spent[side][part] += cpu_spent(before[part], after[part])
            spent[side]["requests"] += sum(1 for _ in (out / f"requests-{mode}.jsonl").open())
            kept, window = steady_records(out, mode)
            records[side] += kept
            seconds[side] += window
            figures[side] = route_figures(kept, window)[route]
            figures[side]["bytes"] = locust_size(out, mode, route)
        ratio = figures["area"]["per_second"] / figures["bare"]["per_second"]
        rounds.append({**figures, "ratio": ratio})
        print(
            f"  round {number + 1} ({' then '.join(order)}): area page"
            f" {figures['area']['per_second']:.1f} req/s, bare form"
            f" {figures['bare']['per_second']:.1f} req/s, ratio {ratio:.2f}",
            flush=True,
        )
    measured = {}
    for side, (_class, _port, route) in RATIO_SIDES.items():
        measured[side] = route_figures(records[side], seconds[side])[route]
        measured[side]["bytes"] = rounds[-1][side]["bytes"]
    ratio = measured["area"]["per_second"] / measured["bare"]["per_second"]
    print("  all rounds:")
    for side, label in (("area", "area page"), ("bare", "bare Flask form")):
        m = measured[side]
        print(
            f"  {label:<16} {m['per_second']:6.1f} req/s, p50 {m['p50']:.0f} ms, "
            f"p95 {m['p95']:.0f} ms, {m['bytes'] / 1024:.0f} KB"
        )
    print(f"  ratio {ratio:.2f} (goal: at least 0.5)")
    print("  CPU a request (ms; 2 cores give 2000 ms a second to share):")
    for side, label in (("area", "area page"), ("bare", "bare Flask form")):
        each = {k: v * 1000 / max(1, spent[side]["requests"]) for k, v in spent[side].items()}
        measured[side]["cpu_ms"] = {k: each[k] for k in ("workers", "postgresql", "locust")}
        print(
            f"  {label:<16} web workers {each['workers']:.2f}, PostgreSQL {each['postgresql']:.2f},"
            f" locust {each['locust']:.2f}, all {sum(measured[side]['cpu_ms'].values()):.2f}"
        )
    return {**measured, "ratio": ratio, "rounds": rounds}


def cpu_snapshot(master: int) -> dict[str, dict[int, float]]:
    """CPU seconds so far of each of the server's workers and of PostgreSQL's processes on this
    machine (by pid), and of this script's finished children (the locust runs, under pid 0)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "workers": {pid: cpu_of(pid) for pid in workers_of(master)},
        "postgresql": {pid: cpu_of(pid) for pid in postgresql_pids()},
        "locust": {0: children.ru_utime + children.ru_stime},
    }


def cpu_spent(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU seconds between two snapshots: of the processes in both, and the whole of those
    started meanwhile (a worker replaced after its maximum of requests); one that ended
    meanwhile is left out."""
    return sum(max(0.0, seconds - before.get(pid, 0.0)) for pid, seconds in after.items())


def postgresql_pids() -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and (entry / "comm").read_text().strip() == "postgres":
                pids.append(int(entry.name))
        except OSError:
            continue  # ended meanwhile
    return pids


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("LOAD_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--duration", type=int, default=120)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=1, help="1: sync workers, the default")
    parser.add_argument("--port", type=int, default=5150)
    parser.add_argument("--bare-port", type=int, default=5151)
    parser.add_argument("--spawn-rate", type=int, default=4)
    parser.add_argument("--restart-at", type=int, help="restart PostgreSQL after N seconds")
    parser.add_argument("--restart-command", default=DEFAULT_RESTART)
    parser.add_argument("--ratio-seconds", type=int, default=15, help="a side, each round")
    parser.add_argument("--ratio-rounds", type=int, default=2)
    parser.add_argument(
        "--sign-in-allowance",
        type=int,
        default=30,
        help="seconds added for the sign-ins still queued when the last user has started",
    )
    parser.add_argument("--skip-ratio", action="store_true")
    args = parser.parse_args()

    from bench.load.seed import acknowledged_saves_missing, seed

    out = ROOT / "bench" / "out" / f"load-{datetime.now(UTC):%Y%m%dT%H%M%SZ}"
    out.mkdir(parents=True)
    print(f"Records in {out}", flush=True)
    recreate_database(args.database_url)
    app = make_app(args.database_url, out)
    plan = seed(app)
    (out / "plan.json").write_text(json.dumps(plan))
    print(
        f"Seeded: {len(plan['respondents'])} respondents in {len(plan['countries'])} countries, "
        f"{len(plan['coordinators'])} coordinators, {len(plan['analysts'])} analysts",
        flush=True,
    )
    app_server, bare_server = servers(args, out)
    summary: dict = {"args": vars(args), "cores": os.cpu_count(), "load_before": os.getloadavg()}
    try:
        restart: dict = {}
        if args.restart_at:
            timer = threading.Timer(
                args.restart_at,
                restart_database,
                (args.restart_command, args.database_url.replace("+psycopg", ""), restart),
            )
            timer.start()
        started = time.monotonic()
        users = len(plan["respondents"]) + len(plan["coordinators"]) + len(plan["analysts"])
        mixed = locust(
            args,
            out,
            "mixed",
            users,
            args.duration,
            args.port,
            ["Respondent", "Coordinator", "Analyst"],
        )
        elapsed = time.monotonic() - started
        summary["load_after"] = os.getloadavg()
        records, window = steady_records(out, "mixed")
        figures = route_figures(records, window)
        summary["figures"] = figures
        print(
            f"\nMixed run: {users} users, {window:.0f} s measured after all had signed in "
            f"({elapsed:.0f} s in all)"
        )
        for line in route_table(figures):
            print("  " + line)
        total = figures["all"]
        print(
            f"  throughput {total['per_second']:.1f} requests/s, "
            f"{total['failed']} failed of {total['requests']}"
        )
        windows = outcome_windows(out, "mixed", restart)
        summary["outcomes"] = windows
        summary["restart"] = restart
        if restart:
            down = restart["restart_ended"] - restart["restart_started"]
            print(
                f"  PostgreSQL restarted at {args.restart_at} s, reachable again after {down:.1f} s"
            )
        for window, counts in windows.items():
            if counts:
                print(
                    f"  outcomes {window:<6}: "
                    + ", ".join(f"{k}: {v}" for k, v in sorted(counts.items()))
                )
        acks = json.loads((out / "acks-mixed.json").read_text())
        check = acknowledged_saves_missing(app, acks)
        summary["saves"] = {
            "acknowledged": check["acknowledged"],
            "missing": len(check["missing"]),
            "not_final": len(check["not_final"]),
        }
        print(
            f"  acknowledged saves: {check['acknowledged']}, missing from the database: "
            f"{len(check['missing'])}, fields not ending with their last acknowledged value: "
            f"{len(check['not_final'])}"
        )
        summary["mixed"] = {
            name: {
                k: row[k]
                for k in ("Request Count", "Failure Count", "Requests/s", "50%", "95%", "99%")
            }
            for name, row in mixed.items()
        }
        if not args.skip_ratio:
            pids = {"area": app_server.pid, "bare": bare_server.pid}
            summary["ratio"] = ratio_phase(args, out, pids)
    finally:
        for server in (app_server, bare_server):
            server.terminate()
            server.wait(timeout=30)
        (out / "summary.json").write_text(json.dumps(summary, indent=1, default=str))
    print(f"\nLoad average before {summary['load_before']}, after {summary.get('load_after')}")
    lost = summary.get("saves", {}).get("missing", 1)
    return 1 if lost else 0


if __name__ == "__main__":
    sys.exit(main())
