"""gunicorn settings for the platform, each overridable by an environment variable.

Use: `gunicorn -c python:surveys.gunicorn_conf surveys.wsgi:app` (from a source checkout,
`gunicorn wsgi:app` reads ./gunicorn.conf.py, which imports this).

Forwarded headers: TRUSTED_PROXIES is the one setting. The app trusts X-Forwarded-For and
X-Forwarded-Proto from that many proxies (werkzeug's ProxyFix); gunicorn itself is told to trust
none, so the two can never disagree about a client's address or scheme.
"""

from __future__ import annotations

import gc
import json
import multiprocessing
import os

from surveys.web_settings import whole_number_problem


def _int(name: str, default: int) -> int:
    """A whole-number setting (`surveys.web_settings`); a value that is not one stops gunicorn
    with one line (a SystemExit passes through gunicorn's "Failed to read config file"
    traceback). `surveys check` names it too, before a start."""
    problem = whole_number_problem(name)
    if problem:
        raise SystemExit(f"surveys cannot start:\n  {problem}")
    raw = os.environ.get(name, "").strip()
    return int(raw) if raw else default


# Where it listens: the reverse proxy's upstream (0.0.0.0:8000 when the proxy is another machine).
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Rendering is CPU work in Python: about two processes per core. Each worker keeps a pool of
# database connections (up to WEB_THREADS in use), so workers x machines x threads must stay
# under PostgreSQL's max_connections.
workers = _int("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1)
# Sync workers unless WEB_THREADS asks for threads (gthread). Under Python's global lock threads
# add no CPU, only switching: 2 x 4 gthread workers served 0.83-0.88x the pages of 2 sync workers
# with p99 1.6-2.0x on PostgreSQL (bench.serving --compare-workers; docs/performance.md).
# Threads pay off only with slow clients reaching gunicorn unbuffered, or a distant database.
threads = _int("WEB_THREADS", 1)
worker_class = "gthread" if threads > 1 else "sync"
# The slowest page is a workbook built during the request (under 20 s at the web limit of
# 50,000 answers); anything longer is stuck and is restarted.
timeout = _int("WEB_TIMEOUT", 120)  # 0: never
graceful_timeout = _int("WEB_GRACEFUL_TIMEOUT", 30)
# Behind a reverse proxy that keeps upstream connections open: longer than its idle timeout
# (nginx: 60 s), or it sends a request on a connection gunicorn is closing and gets a reset.
keepalive = _int("WEB_KEEPALIVE", 75)
# A worker is replaced after this many requests (with jitter, not all at once): bounded memory.
max_requests = _int("WEB_MAX_REQUESTS", 5000)  # 0: never replaced
max_requests_jitter = max(1, max_requests // 10)
# WEB_PRELOAD=1: the master builds the app once and the workers share its memory (serving
# benchmark, 2 workers: PSS 69 -> 55 MB a worker, more saved with more workers; RSS, which counts
# shared pages in full, stays ~80 MB). Off by default: a `kill -HUP` then no longer loads new
# code (restart the service after an upgrade instead).
preload_app = os.environ.get("WEB_PRELOAD", "").strip().lower() in ("1", "true", "yes")
# Uploads are limited by the app (MAX_UPLOAD_MB); these bound the request line and headers.
limit_request_line = 8190
limit_request_fields = 100

# Forwarded headers: see the module's docstring.
forwarded_allow_ips = ""
secure_scheme_headers: dict[str, str] = {}

# The app writes one structured line per request (with the user and the route); gunicorn's own
# access log would repeat it, so it is off unless GUNICORN_ACCESS_LOG names a file or "-".
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
access_log_format = json.dumps(
    {
        "time": "%(t)s",
        "remote": "%(h)s",
        "request": "%(m)s %(U)s",
        "status": "%(s)s",
        "bytes": "%(B)s",
        "duration_ms": "%(M)s",
        "request_id": "%({x-request-id}o)s",
    }
)
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
proc_name = "surveys"
# The workers' heartbeat files on a RAM file system: a slow disk never looks like a stuck worker.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108


# gthread workers keep a client's connection open between requests (keepalive); a worker then
# serves the same clients until they hang up. A worker started after the others (a restart after
# max_requests, a crash) found every client of a proxy's pool or a load generator taken, and idled
# while another did all the work, its threads contending for one core (2 x 4 threads: rounds of
# the area page at 190/s against sync's 410/s, `bench.serving --compare-workers`). After this many
# requests a connection is closed (as nginx's keepalive_requests does): its client connects again,
# and the worker with time to spare is the quickest to accept it. Sync workers close every one.
REQUESTS_PER_CONNECTION = _int("WEB_REQUESTS_PER_CONNECTION", 25)


def pre_request(worker, req) -> None:
    """The last request of a kept-alive connection is answered with `Connection: close`."""
    # HTTP/1.1 requests count their connection's requests; an HTTP/2 stream has no such number.
    if getattr(req, "req_number", 1) >= REQUESTS_PER_CONNECTION:
        req.must_close = True


def when_ready(server) -> None:
    """With preload_app, the master's app is frozen before the workers are forked: a worker's
    collections then never write to (and so copy) the pages they share with the master."""
    if server.cfg.preload_app:
        gc.collect()
        gc.freeze()


def post_worker_init(worker) -> None:
    """Once the worker has built the app: what it holds for its whole life (modules, models,
    routes, templates' code; some 100,000 objects) goes out of the garbage collector's reach.

    Without this, a full collection walks all of it every time, and so runs only when the
    objects a request leaves in reference cycles (forms, ORM rows) reach a quarter of it: some
    200 area pages of garbage, 10-15 MB of resident memory a worker. Frozen, the long-lived set
    a full collection weighs against is small, so such garbage goes after a few pages; a full
    collection every third of the middle generation's (instead of every tenth) keeps ~3 MB
    less of it (600 area pages in-process: 88 -> 85 MB), at no CPU cost measured.
    """
    gc.collect()
    gc.freeze()
    youngest, middle, _ = gc.get_threshold()
    gc.set_threshold(youngest, middle, FULL_COLLECTION_EVERY)


FULL_COLLECTION_EVERY = 3  # collections of the middle generation (Python's default: 10)
