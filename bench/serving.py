"""Serving benchmark (issue 18): the area page and the autosave against bare anchors, one run.

    .venv/bin/python -m bench.serving [--seconds 10] [--rounds 2] [--workers 2]
        [--worker-class sync|gthread] [--threads 4] [--connections 32] [--compare-workers]
        [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/surveys_serving]

Seeds the demo (16 countries) with bench/load/seed.py into a fresh database (SQLite in a
temporary folder by default), starts ONE gunicorn (the packaged settings, the given workers)
serving `bench.anchors:app`: the platform, and under /bare/ a bare Flask app. Then, interleaved
round by round:
- the heaviest area page of a respondent (signed in) against a static Jinja form of the same
  size (/bare/form/<n>), each with wrk (--connections, 2 threads): requests/s, p50, p99, and the
  workers' CPU per request (from /proc);
- a one-field autosave (the body the page script sends: lock_version, the field, its base print;
  each save a new value, so each writes a revision) against parsing the same body and inserting
  one row (/bare/save), closed loop from --connections threads of this script;
then the workers' resident memory after the load (RSS; its private part; PSS, which shares
what several workers map once), and that of a gunicorn serving only the bare app after the same
page load. Prints the figures and the ratios. Needs `wrk` on the PATH.

--compare-workers: instead of the anchors, two gunicorns on the same database, one with sync
workers and one with gthread workers (--workers each, --threads threads), the same page and
save load on each, interleaved (their order swapped every round); prints both and gthread/sync.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

from bench.processes import cpu_seconds, recreate_database, workers_of

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BIN = Path(sys.executable).parent
HOST = "127.0.0.1"
SECRET = "serving-bench-secret-" + "x" * 32
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


# --------------------------------------------------------------------------- servers


def gunicorn(
    args, env: dict, port: int, target: str, log: Path, worker_class: str = ""
) -> subprocess.Popen:
    worker_class = worker_class or args.worker_class
    threads = args.threads if worker_class == "gthread" else 1
    command = [str(BIN / "gunicorn"), "-c", "python:surveys.gunicorn_conf", target]
    command += ["--worker-class", worker_class, "--bind", f"{HOST}:{port}"]
    with log.open("wb") as handle:
        return subprocess.Popen(
            command,
            env={**env, "WEB_THREADS": str(threads)},
            cwd=ROOT,
            stdout=handle,
            stderr=handle,
        )


def wait_for(port: int, path: str, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection(HOST, port, timeout=5)
            connection.request("GET", path)
            connection.getresponse().read()
            return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"port {port} did not answer within {timeout} s")


def rss_mb(pids: list[int]) -> list[float]:
    return [memory_of(pid)["Rss"] for pid in pids]


def memory_of(pid: int) -> dict[str, float]:
    """A process's memory in MB: Rss (all it maps that is in memory), Anonymous (its heap, not
    the shared libraries' code), Pss (Rss with each page shared by n processes counted 1/n)."""
    figures = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        name, _, value = line.partition(":")
        figures[name] = int(value.split()[0]) / 1024
    return figures


def memory_line(pids: list[int]) -> str:
    each = [memory_of(pid) for pid in pids]
    return " | ".join(
        f"{m['Rss']:.0f} MB (heap {m['Anonymous']:.0f}, PSS {m['Pss']:.0f})" for m in each
    )


# --------------------------------------------------------------------------- a signed-in person


class Browser:
    """A cookie jar on one keep-alive connection (enough for the platform's session cookie)."""

    def __init__(self, port: int) -> None:
        self.connection = http.client.HTTPConnection(HOST, port, timeout=60)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: bytes | None = None, headers=None):
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        self.connection.request(method, path, body=body, headers=headers)
        response = self.connection.getresponse()
        data = response.read()
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        return response.status, data, response

    def sign_in(self, email: str, password: str) -> None:
        _, page, _ = self.request("GET", "/login")
        token = CSRF.search(page.decode()).group(1)
        body = urllib.parse.urlencode({"csrf_token": token, "email": email, "password": password})
        form = {"Content-Type": "application/x-www-form-urlencoded"}
        status, _, _ = self.request("POST", "/login", body.encode(), form)
        if status != 302:
            raise SystemExit(f"sign-in of {email} answered {status}")


# --------------------------------------------------------------------------- page load (wrk)


def wrk(args, url: str, cookie: str) -> dict:
    threads = min(2, args.connections)  # wrk wants a connection a thread at least
    command = ["wrk", f"-t{threads}", f"-c{args.connections}", f"-d{args.seconds}s", "--latency"]
    command += ["--timeout", "30s"]  # a slow answer is measured, not dropped as an error
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    total = int(re.search(r"(\d+) requests in", output).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = re.search(r"Socket errors: (.*)", output)
    return {
        "rate": rate,
        "requests": total,
        "p50": _ms(re.search(r"50%\s+([\d.]+\w+)", output).group(1)),
        "p99": _ms(re.search(r"99%\s+([\d.]+\w+)", output).group(1)),
        "bad": int(bad.group(1)) if bad else 0,
        "socket_errors": errors.group(1) if errors else "",
    }


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(\w+)", text).groups()
    return float(number) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit]


def measured(master: int, run):
    pids = workers_of(master)
    before = cpu_seconds(pids)
    figures = run()
    figures["cpu_ms"] = (cpu_seconds(pids) - before) * 1000 / max(1, figures["requests"])
    return figures


# --------------------------------------------------------------------------- saves (closed loop)


class Saver:
    """One respondent typing in their own comment field: each save a new value, sent as the
    page script sends it (the field, its base print, the lock version; urlencoded)."""

    def __init__(self, port: int, person: dict, password: str) -> None:
        self.browser = Browser(port)
        self.browser.sign_in(person["email"], password)
        self.url = f"/submissions/{person['submission']}/areas/{person['area']}"
        self.field = f"{person['question']}-comment"
        _, page, _ = self.browser.request("GET", self.url)
        html = page.decode()
        self.token = CSRF.search(html).group(1)
        self.lock = re.search(r'name="lock_version" type="hidden" value="(\d+)"', html).group(1)
        base = re.search(r'name="base" type="hidden" value="([^"]*)"', html).group(1)
        self.print = json.loads(base.replace("&#34;", '"'))[self.field]
        self.count = 0

    def body(self) -> bytes:
        self.count += 1
        value = f"{self.field} autosave {self.count} " + "typed text " * 4
        fields = {"lock_version": self.lock, self.field: value}
        fields["base"] = json.dumps({self.field: self.print}, separators=(",", ":"))
        return urllib.parse.urlencode(fields).encode()

    def headers(self) -> dict:
        return {
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept": "application/json",
            "X-CSRFToken": self.token,
        }

    def save(self) -> tuple[int, int]:
        body = self.body()
        status, data, _ = self.browser.request("POST", self.url, body, self.headers())
        if status == 200:
            reply = json.loads(data)
            self.lock = str(reply["lock_version"])
            self.print = reply["base"].get(self.field, self.print)
        return status, len(body)

    def anchor(self) -> tuple[int, int]:
        body = self.body()
        status, _, _ = self.browser.request("POST", "/bare/save", body, self.headers())
        return status, len(body)


def closed_loop(savers: list[Saver], seconds: float, anchor: bool) -> dict:
    times: list[float] = []
    failures = [0]
    statuses: dict[int, int] = {}
    sizes: list[int] = []
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def run(saver: Saver) -> None:
        while time.monotonic() < stop:
            start = time.perf_counter()
            status, size = saver.anchor() if anchor else saver.save()
            elapsed = (time.perf_counter() - start) * 1000
            with lock:
                times.append(elapsed)
                sizes.append(size)
                failures[0] += status != 200
                if status != 200:
                    statuses[status] = statuses.get(status, 0) + 1

    threads = [threading.Thread(target=run, args=(s,)) for s in savers]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    took = time.monotonic() - began
    ordered = sorted(times)
    return {
        "rate": len(times) / took,
        "requests": len(times),
        "p50": ordered[len(ordered) // 2],
        "p99": ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))],
        "bad": failures[0],
        "statuses": statuses,
        "body": max(sizes),
    }


# --------------------------------------------------------------------------- the run


def seed_database(url: str, folder: Path) -> dict:
    os.environ["SURVEYS_INSTANCE_PATH"] = str(folder / "instance")
    from bench.load.seed import seed
    from surveys import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET, "TESTING": True})
    return seed(app)


def heaviest_area(browser: Browser, plan: dict) -> tuple[str, int]:
    sizes = {}
    for area in plan["areas"]:
        path = f"/submissions/{plan['submissions'][0]}/areas/{area}"
        status, page, _ = browser.request("GET", path)
        assert status == 200, (path, status)
        sizes[path] = len(page)
    path = max(sizes, key=sizes.get)
    return path, sizes[path]


def matching_questions(browser: Browser, size: int) -> tuple[int, int]:
    """The number of questions of the bare form whose page is as large as `size` bytes."""
    low, high = 1, 2000
    while low < high:
        middle = (low + high) // 2
        _, page, _ = browser.request("GET", f"/bare/form/{middle}")
        if len(page) < size:
            low = middle + 1
        else:
            high = middle
    _, page, _ = browser.request("GET", f"/bare/form/{low}")
    return low, len(page)


def row(name: str, ours: dict, anchor: dict, goal: str) -> str:
    ratio = ours["rate"] / anchor["rate"] if anchor["rate"] else 0
    return (
        f"{name:<22} {ours['rate']:8.1f}/s p50 {ours['p50']:6.1f} p99 {ours['p99']:7.1f} ms"
        f" cpu {ours.get('cpu_ms', 0):5.1f} ms | anchor {anchor['rate']:8.1f}/s"
        f" p50 {anchor['p50']:6.1f} p99 {anchor['p99']:7.1f} ms"
        f" cpu {anchor.get('cpu_ms', 0):5.1f} ms"
        f" | ratio {ratio:4.2f} (goal {goal})"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10, help="per measurement")
    parser.add_argument("--rounds", type=int, default=2, help="interleaved rounds")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--worker-class", default="sync", choices=("sync", "gthread"))
    parser.add_argument("--threads", type=int, default=4, help="gthread threads per worker")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--savers", type=int, default=16, help="closed-loop autosave threads")
    parser.add_argument("--port", type=int, default=5160)
    parser.add_argument("--database-url", default="")
    parser.add_argument(
        "--compare-workers",
        action="store_true",
        help="sync against gthread workers, interleaved in one run (no anchors)",
    )
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed on the PATH (apt-get install wrk)")

    with tempfile.TemporaryDirectory(prefix="serving-") as tmp:
        folder = Path(tmp)
        url = args.database_url or f"sqlite:///{folder / 'serving.db'}"
        if args.database_url:
            recreate_database(url)
        plan = seed_database(url, folder)
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "SECRET_KEY": SECRET,
            "SURVEYS_INSTANCE_PATH": str(folder / "instance"),
            "SURVEYS_ENV": "development",
            "MAIL_BACKEND": "console",
            "WEB_CONCURRENCY": str(args.workers),
            "WEB_MAX_REQUESTS": "0",
            "LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(ROOT),
        }
        from bench.anchors import create_table

        create_table(url)
        if args.compare_workers:
            return compare_workers(args, plan, env, folder)
        server = gunicorn(args, env, args.port, "bench.anchors:app", folder / "server.log")
        try:
            wait_for(args.port, "/bare/form/1")
            return run(args, plan, server, env, folder)
        finally:
            server.terminate()
            server.wait(30)


def run(args, plan: dict, server: subprocess.Popen, env: dict, folder: Path) -> int:
    base = f"http://{HOST}:{args.port}"
    reader = Browser(args.port)
    reader.sign_in(plan["respondents"][0]["email"], plan["password"])
    path, size = heaviest_area(reader, plan)
    questions, bare_size = matching_questions(reader, size)
    cookie = "; ".join(f"{k}={v}" for k, v in reader.cookies.items())
    people = plan["respondents"][: args.savers]
    savers = [Saver(args.port, person, plan["password"]) for person in people]
    print(
        f"gunicorn {args.workers} {args.worker_class} workers"
        + (f" x {args.threads} threads" if args.worker_class == "gthread" else "")
        + f", {args.connections} connections, {args.rounds} interleaved rounds of"
        f" {args.seconds} s; load average before: {os.getloadavg()[0]:.2f}",
        flush=True,
    )
    print(
        f"area page {path}: {size / 1024:.1f} KB; bare form of {questions} questions:"
        f" {bare_size / 1024:.1f} KB"
    )
    for _ in range(2):  # warm both (form classes, templates, connections)
        wrk_short = argparse.Namespace(**{**vars(args), "seconds": 2})
        wrk(wrk_short, base + path, cookie)
        wrk(wrk_short, f"{base}/bare/form/{questions}", "")
    pages, bare_pages, saves, bare_saves = [], [], [], []
    for number in range(args.rounds):
        pages.append(measured(server.pid, lambda: wrk(args, base + path, cookie)))
        bare_pages.append(
            measured(server.pid, lambda: wrk(args, f"{base}/bare/form/{questions}", ""))
        )
        saves.append(measured(server.pid, lambda: closed_loop(savers, args.seconds, False)))
        bare_saves.append(measured(server.pid, lambda: closed_loop(savers, args.seconds, True)))
        print(f"round {number + 1}:", flush=True)
        print("  " + row("area page", pages[-1], bare_pages[-1], ">= 0.35"))
        print("  " + row("autosave (one field)", saves[-1], bare_saves[-1], ">= 0.7"))
    load_after = os.getloadavg()[0]
    memory = memory_line(workers_of(server.pid))
    bare_memory = bare_worker_memory(args, env, folder, questions)
    page, bare_page = _best(pages, bare_pages)
    save, bare_save = _best(saves, bare_saves)
    print("\neach row's round with the most requests of ours (its ratio is within that round):")
    print(row("area page", page, bare_page, ">= 0.35; p99 < 150 ms"))
    print(row("autosave (one field)", save, bare_save, ">= 0.7"))
    print(f"autosave request body: {save['body']} B (goal <= 2048 B)")
    failures = sum(f["bad"] for f in pages + bare_pages + saves + bare_saves)
    print(f"non-2xx answers: {failures}")
    print(
        f"worker memory after load: {memory} (goal RSS <= 100 MB);"
        f" bare-only worker after the same page load: {bare_memory}"
    )
    print(f"load average after: {load_after:.2f} (2 cores, shared)")
    return 1 if failures else 0


def _best(ours: list[dict], anchors: list[dict]) -> tuple[dict, dict]:
    index = max(range(len(ours)), key=lambda i: ours[i]["requests"])
    return ours[index], anchors[index]


def bare_worker_memory(args, env: dict, folder: Path, questions: int) -> str:
    """Resident memory of a gunicorn serving only the bare app, after the same page load."""
    port = args.port + 1
    server = gunicorn(args, env, port, "bench.load.bare:app", folder / "bare.log")
    try:
        wait_for(port, "/form")
        quick = argparse.Namespace(**{**vars(args), "seconds": min(args.seconds, 5)})
        wrk(quick, f"http://{HOST}:{port}/form", "")
        return memory_line(workers_of(server.pid))
    finally:
        server.terminate()
        server.wait(30)


# --------------------------------------------------------------------------- sync against gthread


def compare_workers(args, plan: dict, env: dict, folder: Path) -> int:
    """The same load on a sync and a gthread gunicorn (same database), interleaved."""
    classes = ("sync", "gthread")
    ports = {"sync": args.port, "gthread": args.port + 2}
    servers = {
        name: gunicorn(args, env, ports[name], "bench.anchors:app", folder / f"{name}.log", name)
        for name in classes
    }
    try:
        for name in classes:
            wait_for(ports[name], "/bare/form/1")
        return _compare(args, plan, servers, ports)
    finally:
        for server in servers.values():
            server.terminate()
        for server in servers.values():
            server.wait(30)


def _compare(args, plan: dict, servers: dict, ports: dict) -> int:
    reader = Browser(ports["sync"])
    reader.sign_in(plan["respondents"][0]["email"], plan["password"])
    path, size = heaviest_area(reader, plan)
    cookie = "; ".join(f"{k}={v}" for k, v in reader.cookies.items())  # good on both servers
    people = plan["respondents"]
    # Different people on each server (each follows its own lock version), and on each server
    # people of different countries, as in the anchored run: the seed deals respondents to the
    # 16 countries in turn. Two savers on one submission race for its lock version, and the
    # loser merges again: a measure of contention (8 threads against 2), not of a save.
    savers = {
        name: [
            Saver(ports[name], p, plan["password"])
            for p in people[i * args.savers : (i + 1) * args.savers]
        ]
        for i, name in enumerate(servers)
    }
    print(
        f"gunicorn {args.workers} sync workers against {args.workers} gthread workers x"
        f" {args.threads} threads, {args.connections} connections, {args.rounds} interleaved"
        f" rounds of {args.seconds} s; load average before: {os.getloadavg()[0]:.2f}",
        flush=True,
    )
    print(f"area page {path}: {size / 1024:.1f} KB")
    for name in servers:  # warm both
        short = argparse.Namespace(**{**vars(args), "seconds": 2})
        wrk(short, f"http://{HOST}:{ports[name]}{path}", cookie)
        closed_loop(savers[name], 2, False)
    pages: dict[str, list] = {name: [] for name in servers}
    saves: dict[str, list] = {name: [] for name in servers}
    for number in range(args.rounds):
        order = list(servers) if number % 2 == 0 else list(reversed(servers))
        for name in order:
            url = f"http://{HOST}:{ports[name]}{path}"
            pages[name].append(measured(servers[name].pid, lambda u=url: wrk(args, u, cookie)))
        for name in order:
            group = savers[name]
            saves[name].append(
                measured(servers[name].pid, lambda g=group: closed_loop(g, args.seconds, False))
            )
        print(f"round {number + 1} ({' then '.join(order)}):", flush=True)
        for name in servers:
            print(f"  {'area page':<12} {name:<8} {_figures(pages[name][-1])}")
        for name in servers:
            print(f"  {'autosave':<12} {name:<8} {_figures(saves[name][-1])}")
    print("\nall rounds (requests summed; p50 and p99 the median of the rounds'):")
    for label, runs in (("area page", pages), ("autosave", saves)):
        summary = {name: _summary(runs[name]) for name in servers}
        for name in servers:
            print(f"{label:<12} {name:<8} {_figures(summary[name])}")
        sync, threaded = summary["sync"], summary["gthread"]
        ratios = {key: threaded[key] / sync[key] for key in ("rate", "p99", "cpu_ms")}
        print(
            f"{label:<12} gthread/sync: throughput {ratios['rate']:.2f}, p99 {ratios['p99']:.2f},"
            f" cpu {ratios['cpu_ms']:.2f} (goal: throughput >= ~1, p99 <= ~1)"
        )
    for name in servers:
        print(f"{name} worker memory after load: {memory_line(workers_of(servers[name].pid))}")
    failures = sum(f["bad"] for runs in (pages, saves) for name in runs for f in runs[name])
    print(f"non-2xx answers: {failures}")
    print(f"load average after: {os.getloadavg()[0]:.2f} (2 cores, shared)")
    return 1 if failures else 0


def _figures(run: dict) -> str:
    return (
        f"{run['rate']:7.1f}/s p50 {run['p50']:7.1f} p99 {run['p99']:7.1f} ms"
        f" cpu {run['cpu_ms']:5.1f} ms ({run['requests']} requests"
        + (f", {run['bad']} non-2xx{_codes(run)})" if run.get("bad") else ")")
    )


def _codes(run: dict) -> str:
    """The statuses of a closed loop's failed saves (wrk counts them without telling them)."""
    codes = run.get("statuses") or {}
    return (": " + ", ".join(f"{n} x {code}" for code, n in sorted(codes.items()))) if codes else ""


def _summary(runs: list[dict]) -> dict:
    def median(key: str) -> float:
        values = sorted(run[key] for run in runs)
        middle = len(values) // 2
        return values[middle] if len(values) % 2 else (values[middle - 1] + values[middle]) / 2

    requests = sum(run["requests"] for run in runs)
    return {
        "rate": sum(run["rate"] for run in runs) / len(runs),
        "requests": requests,
        "p50": median("p50"),
        "p99": median("p99"),
        "cpu_ms": sum(run["cpu_ms"] * run["requests"] for run in runs) / max(1, requests),
    }


if __name__ == "__main__":
    sys.exit(main())
