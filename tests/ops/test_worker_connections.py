"""gthread workers close a kept-alive connection after WEB_REQUESTS_PER_CONNECTION requests
(surveys/gunicorn_conf.py), so that clients keeping theirs open spread again over the workers:
a worker restarted after max_requests otherwise got none of them and idled."""

from __future__ import annotations

import http.client
import os
import sys
from pathlib import Path

from tests.live import free_port, running

BIN = Path(sys.executable).parent
TINY_APP = """
def app(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
    return [b"ok"]
"""


def _connection_headers(port: int, requests: int) -> tuple[list[str], bool]:
    """The Connection header of each answer on one client connection, and whether the server
    had closed it after the last."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    headers = []
    for _ in range(requests):
        connection.request("GET", "/health")
        answer = connection.getresponse()
        answer.read()
        headers.append(answer.getheader("Connection"))
    closed = connection.sock is None  # http.client closes its side on "Connection: close"
    connection.close()
    return headers, closed


def test_a_threaded_worker_answers_the_last_request_of_a_connection_with_close(tmp_path):
    (tmp_path / "tiny.py").write_text(TINY_APP)
    port = free_port()
    env = {
        **os.environ,
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "1",
        "WEB_THREADS": "2",
        "WEB_REQUESTS_PER_CONNECTION": "3",
    }
    server = [str(BIN / "gunicorn"), "-c", "python:surveys.gunicorn_conf", "tiny:app"]
    with running(server, env, tmp_path, port, tmp_path / "gunicorn.log"):
        headers, closed = _connection_headers(port, 3)
        assert headers == ["keep-alive", "keep-alive", "close"]
        assert closed
        # The client connects again, and is served as before.
        assert _connection_headers(port, 2) == (["keep-alive", "keep-alive"], False)
