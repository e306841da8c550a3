"""In-process cost of one request (issue 18): the heaviest area page, a respondent's own area
page, a one-field autosave, or any GET path, through the WSGI app as a web worker builds it,
without a server in between.

    .venv/bin/python -m bench.inprocess page|own|save|/path [--requests 1000]
        [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/surveys_inprocess]
        [--profile 30] [--callgrind]

Seeds the load test's data (bench/load/seed.py: the demo, a round of its own, 200 respondents)
into a fresh database (SQLite in a temporary folder by default), signs one respondent in, shows
every area once, freezes what the app holds as a worker does, then runs batches of 100 requests
and prints the CPU a request costs (the lowest and the median batch: other work on the machine
only adds) and, on PostgreSQL, the server's CPU a request (its backends, from /proc).

--floors: beside the request, interleaved batch by batch, what a signed-in POST costs when it does
nothing else (the session, the person and their scope, the CSRF check, the route's policy, a
small JSON reply: the floor of any autosave) and the bare anchor's save of bench.serving (parse
the body, insert a row, into the same database): how much of a request is the platform's own
work, and how much the yardstick pays too.
--statements: the statements one request sends to the database, in order; on PostgreSQL every
round trip (psycopg's BEGIN, the pool's pings that reach the server, COMMIT or ROLLBACK) too.
--profile N: the N functions with the most time of their own (cProfile), after the batches;
with --profile-out FILE, the whole profile is also written there (for pstats or snakeviz).
--callgrind: runs itself again under valgrind and prints the instructions a request costs:
the same count whatever else the machine is doing, to compare two commits on a busy machine
(about 50 x slower; --requests 50 is plenty).
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import json
import os
import pstats
import re
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

from bench.processes import cpu_seconds, recreate_database

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SECRET = "inprocess-bench-secret-" + "x" * 32
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
BATCH = 100


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("request", help="page (heaviest area), own (own area), save, or a path")
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--profile", type=int, default=0, metavar="N")
    parser.add_argument("--profile-out", default="", metavar="FILE")
    parser.add_argument("--callgrind", action="store_true")
    parser.add_argument("--statements", action="store_true")
    parser.add_argument("--floors", action="store_true")
    parser.add_argument("--under-callgrind", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args()


# --------------------------------------------------------------------------- the app and a person


def build_app(url: str, folder: Path):
    """The seeded database, and the app as `surveys.wsgi` builds it for a worker."""
    os.environ.update(
        SURVEYS_INSTANCE_PATH=str(folder / "instance"),
        DATABASE_URL=url,
        SECRET_KEY=SECRET,
        SURVEYS_ENV="development",
        MAIL_BACKEND="console",
        LOG_LEVEL="WARNING",
    )
    if url.startswith("postgresql"):
        recreate_database(url)
    from bench.load.seed import seed
    from surveys import create_app

    plan = seed(create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET, "TESTING": True}))
    return create_app(commands=False), plan


class Person:
    """A signed-in respondent: the cookie, the CSRF token and the state of their own field."""

    def __init__(self, app, plan: dict) -> None:
        client = app.test_client()
        me = plan["respondents"][0]
        token = CSRF.search(client.get("/login").text).group(1)
        form = {"csrf_token": token, "email": me["email"], "password": plan["password"]}
        assert client.post("/login", data=form).status_code == 302, "sign-in refused"
        sizes = {}
        for area in plan["areas"]:
            path = f"/submissions/{plan['submissions'][0]}/areas/{area}"
            sizes[path] = len(client.get(path).data)
        self.heaviest = max(sizes, key=sizes.get)
        self.own = f"/submissions/{me['submission']}/areas/{me['area']}"
        html = client.get(self.own).text
        self.token = CSRF.search(html).group(1)
        self.lock = re.search(r'name="lock_version" type="hidden" value="(\d+)"', html).group(1)
        self.field = f"{me['question']}-comment"
        base = re.search(r'name="base" type="hidden" value="([^"]*)"', html).group(1)
        self.print = json.loads(base.replace("&#34;", '"'))[self.field]
        self.cookie = "; ".join(f"{c.key}={c.value}" for c in client._cookies.values())
        # The signed-in browser's address and agent: Flask-Login's session protection compares
        # them with the sign-in's, and on a mismatch marks the session (a new cookie each time).
        self.client = dict(client.environ_base)
        self.saves = 0

    def environ(self, request: str) -> dict:
        from werkzeug.test import EnvironBuilder

        if request == "save":
            return self.save_environ(self.own)
        path = {"page": self.heaviest, "own": self.own}.get(request, request)
        headers = {"Cookie": self.cookie}
        return EnvironBuilder(path=path, headers=headers, environ_base=self.client).get_environ()

    def save_environ(self, path: str) -> dict:
        """An autosave's POST (see `save_body`) to `path`, with the script's headers."""
        from werkzeug.test import EnvironBuilder

        headers = {
            "Cookie": self.cookie,
            "Accept": "application/json",
            "X-CSRFToken": self.token,
            "Content-Type": "application/x-www-form-urlencoded",
        }
        built = EnvironBuilder(
            path=path,
            method="POST",
            data=self.save_body(),
            headers=headers,
            environ_base=self.client,
        )
        return built.get_environ()

    def save_body(self) -> str:
        """An autosave of one field (a new value each time), as the page's script posts it."""
        self.saves += 1
        body = {
            "lock_version": self.lock,
            self.field: f"autosave {self.saves} " + "typed text " * 4,
            "base": json.dumps({self.field: self.print}, separators=(",", ":")),
        }
        return urllib.parse.urlencode(body)

    def acknowledge(self, body: bytes) -> None:
        reply = json.loads(body)
        self.lock = str(reply["lock_version"])
        self.print = reply["base"].get(self.field, self.print)


def requester(app, person: Person, request: str):
    """A function making one request as a server would, returning the body's size."""

    def one() -> int:
        body = answer_of(app, person.environ(request))
        if request == "save":
            person.acknowledge(body)
        return len(body)

    return one


def answer_of(app, environ: dict) -> bytes:
    """The body a WSGI app answers, which must be a 200."""
    status = []
    body = b"".join(app(environ, lambda s, h, e=None: status.append(s)))
    assert status[0].startswith("200"), (environ["PATH_INFO"], status[0], body[:300])
    return body


# --------------------------------------------------------------------------- measuring


def freeze_like_a_worker() -> None:
    from surveys.gunicorn_conf import FULL_COLLECTION_EVERY

    gc.collect()
    gc.freeze()
    youngest, middle, _ = gc.get_threshold()
    gc.set_threshold(youngest, middle, FULL_COLLECTION_EVERY)


def server_pids(app) -> list[int]:
    """The PostgreSQL backends of the app's pool (a single thread uses one)."""
    import sqlalchemy as sa

    from surveys.extensions import db

    pids = set()
    with app.app_context():
        for _ in range(3):
            pids.add(db.session.execute(sa.text("SELECT pg_backend_pid()")).scalar())
            db.session.remove()
    return sorted(pids)


FLOOR = "/bench/signed-in-floor"


def add_floor_route(app) -> None:
    """A POST that passes what every signed-in POST passes (the session and the person, the
    CSRF check, the route's policy) and answers a small JSON: the floor of an autosave."""
    from flask import jsonify
    from flask_login import current_user

    from surveys.access import signed_in

    @signed_in
    def signed_in_floor():
        return jsonify({"user": current_user.id, "saved": 0})

    app.add_url_rule(FLOOR, "bench_signed_in_floor", signed_in_floor, methods=["POST"])


def floor_requester(app, person: Person):
    """One POST to the floor route with the autosave's headers and a body of the same size."""
    return lambda: len(answer_of(app, person.save_environ(FLOOR)))


def anchor_requester(url: str, body_of):
    """One save of bench.serving's bare anchor (bench/anchors.py), in this process."""
    from werkzeug.test import EnvironBuilder

    from bench import anchors

    anchors.create_table(url)
    headers = {"Accept": "application/json", "Content-Type": "application/x-www-form-urlencoded"}

    def one() -> int:
        built = EnvironBuilder(path="/save", method="POST", data=body_of(), headers=headers)
        return len(answer_of(anchors.bare, built.get_environ()))

    return one


def measure_interleaved(ones: dict, requests: int) -> dict[str, list[float]]:
    """Batches of each request in turn, so that the machine's drift weighs on all alike."""
    batches: dict[str, list[float]] = {name: [] for name in ones}
    for _ in range(max(1, requests // BATCH)):
        for name, one in ones.items():
            started = time.process_time()
            for _ in range(BATCH):
                one()
            batches[name].append((time.process_time() - started) * 1000 / BATCH)
    return {name: sorted(found) for name, found in batches.items()}


def measure(one, requests: int, pids: list[int]) -> tuple[list[float], float]:
    batches = []
    server_before = cpu_seconds(pids)
    for _ in range(max(1, requests // BATCH)):
        started = time.process_time()
        for _ in range(BATCH):
            one()
        batches.append((time.process_time() - started) * 1000 / BATCH)
    server_ms = (cpu_seconds(pids) - server_before) * 1000 / (len(batches) * BATCH)
    return sorted(batches), server_ms


def statements_of(app, one) -> list[str]:
    """What one request sends to the database: each statement's first line, and the pool's
    pings that reach the server (each a round trip of its own). On PostgreSQL the pool checks
    the socket first and sends nothing when it is quiet (surveys.engine): such a check is not
    a round trip, and is not listed."""
    from psycopg.pq import TransactionStatus
    from sqlalchemy import event

    from surveys import engine as surveys_engine
    from surveys.extensions import db

    with app.app_context():
        engine = db.engine
    sent: list[str] = []
    dialect = engine.dialect
    ping, readable = dialect.do_ping, surveys_engine._readable
    quiet: list[bool] = []  # what the pool's socket checks found during one ping

    def record(_conn, cursor, statement, *_args) -> None:
        driver = cursor.connection
        if _transaction_status(driver) == TransactionStatus.IDLE and not driver.autocommit:
            sent.append("BEGIN (sent by psycopg before the statement)")
        sent.append(" ".join(statement.split())[: int(os.environ.get("STATEMENT_WIDTH", 160))])

    inside = (TransactionStatus.INTRANS, TransactionStatus.INERROR)  # COMMIT or ROLLBACK is sent

    def ended(end):
        def end_and_record(connection) -> None:
            driver = getattr(connection, "dbapi_connection", connection)
            if _transaction_status(driver) in inside:
                sent.append("(end of the transaction: COMMIT or ROLLBACK)")
            end(connection)

        return end_and_record

    def checked(descriptor: int) -> bool:
        found = readable(descriptor)
        quiet.append(not found)
        return found

    def pinged(dbapi_connection) -> bool:
        quiet.clear()
        try:
            return ping(dbapi_connection)  # raises on a connection the server ended
        finally:
            if not (quiet and quiet[-1]):
                sent.append("(pool pre-ping)")

    commit, rollback = dialect.do_commit, dialect.do_rollback
    event.listen(engine, "before_cursor_execute", record)
    dialect.do_ping = pinged
    dialect.do_commit, dialect.do_rollback = ended(commit), ended(rollback)
    surveys_engine._readable = checked
    try:
        one()
    finally:
        event.remove(engine, "before_cursor_execute", record)
        dialect.do_ping = ping
        dialect.do_commit, dialect.do_rollback = commit, rollback
        surveys_engine._readable = readable
    return sent


def print_floors(app, person: Person, one, url: str, args) -> int:
    """The request beside the signed-in floor and the bare anchor's save (see --floors)."""
    floor = floor_requester(app, person)
    anchor = anchor_requester(url, person.save_body)
    for _ in range(30):
        floor()
        anchor()
    found = measure_interleaved({"request": one, "floor": floor, "anchor": anchor}, args.requests)
    labels = {
        "request": f"{args.request}",
        "floor": "a signed-in POST doing nothing else",
        "anchor": "the bare anchor's save (parse, insert a row)",
    }
    print(f"CPU a request, interleaved ({len(found['request'])} batches of {BATCH} each):")
    for name, batches in found.items():
        print(
            f"  {labels[name]:46s} {batches[0]:.2f} ms lowest batch,"
            f" {batches[len(batches) // 2]:.2f} median"
        )
    return 0


def _transaction_status(driver):
    """psycopg's transaction status of the connection; None for sqlite3, which runs in the
    process (its BEGIN and COMMIT are no round trips)."""
    return getattr(getattr(driver, "info", None), "transaction_status", None)


def profile(one, requests: int, top: int, out_file: str = "") -> str:
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(requests):
        one()
    profiler.disable()
    if out_file:
        profiler.dump_stats(out_file)
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(top)
    return out.getvalue()


def under_callgrind(args) -> int:
    """Run this benchmark again under valgrind, counting only the requests' instructions."""
    command = ["valgrind", "--tool=callgrind", "--instr-atstart=no"]
    command += ["--callgrind-out-file=/dev/null"]
    command += [sys.executable, "-m", "bench.inprocess", args.request, "--under-callgrind"]
    command += ["--requests", str(args.requests)]
    if args.database_url:
        command += ["--database-url", args.database_url]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    counted = re.search(r"Collected : (\d+)", done.stderr)
    if done.returncode != 0 or counted is None:
        print(done.stdout[-2000:], done.stderr[-2000:], file=sys.stderr)
        return 1
    print(done.stdout.strip())
    each = int(counted.group(1)) / args.requests
    print(f"{args.request}: {each / 1e6:.2f} M instructions per request ({args.requests} requests)")
    return 0


def main() -> int:
    args = parse_args()
    if args.floors and args.request != "save":
        print("--floors measures beside the autosave only (save)", file=sys.stderr)
        return 2
    if args.callgrind:
        return under_callgrind(args)
    with tempfile.TemporaryDirectory(prefix="inprocess-") as tmp:
        folder = Path(tmp)
        url = args.database_url or f"sqlite:///{folder / 'inprocess.db'}"
        app, plan = build_app(url, folder)
        if args.floors:
            add_floor_route(app)  # before the first request, as Flask requires
        freeze_like_a_worker()
        person = Person(app, plan)
        one = requester(app, person, args.request)
        for _ in range(30):  # parsed definitions, compiled pages, prepared statements
            size = one()
        if args.under_callgrind:
            # Count from here: valgrind's control tool switches instrumentation on for this pid,
            # once valgrind reads its command (it does between this process's own steps).
            control = subprocess.Popen(
                ["callgrind_control", "-i", "on", str(os.getpid())], stdout=subprocess.DEVNULL
            )
            while control.poll() is None:
                time.sleep(0.01)
            for _ in range(args.requests):
                one()
            sys.stdout.flush()
            os._exit(0)  # nothing after the requests is counted (no interpreter teardown)
        if args.statements:
            sent = statements_of(app, one)
            what = "round trips to" if url.startswith("postgresql") else "statements sent to"
            print(f"{args.request}: {len(sent)} {what} the database")
            print("\n".join(f"  {n}. {line}" for n, line in enumerate(sent, 1)))
            return 0
        if args.floors:
            return print_floors(app, person, one, url, args)
        pids = server_pids(app) if url.startswith("postgresql") else []
        batches, server_ms = measure(one, args.requests, pids)
        print(
            f"{args.request} ({size / 1024:.1f} KB): {batches[0]:.2f} ms CPU a request in the"
            f" lowest batch, {batches[len(batches) // 2]:.2f} in the median"
            f" ({len(batches)} batches of {BATCH})"
        )
        if pids:
            print(f"PostgreSQL: {server_ms:.2f} ms CPU a request (backends {pids})")
        if args.profile:
            print(profile(one, args.requests, args.profile, args.profile_out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
