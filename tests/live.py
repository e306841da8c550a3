"""Driving real app processes over HTTP: start a server, sign in through the form, post files.

Used by the tests that must run the app as an operator would (an installed wheel, two instances
on one database), where the Flask test client would hide what they are about.
"""

from __future__ import annotations

import contextlib
import http.cookiejar
import re
import socket
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

CSRF_FIELD = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Reply:
    status: int
    headers: dict
    body: bytes
    url: str = ""

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


class Browser:
    """A cookie-keeping HTTP client that follows redirects, like a person's browser."""

    def __init__(self, base_url: str, language: str = "en") -> None:
        self.base_url = base_url.rstrip("/")
        self.language = language
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def request(self, path: str, data: bytes | None = None, headers: dict | None = None) -> Reply:
        all_headers = {"Accept-Language": self.language, **(headers or {})}
        request = urllib.request.Request(self.base_url + path, data=data, headers=all_headers)
        try:
            with self.opener.open(request, timeout=60) as response:
                body = response.read()
                return Reply(response.status, dict(response.headers), body, response.url)
        except urllib.error.HTTPError as error:
            return Reply(error.code, dict(error.headers), error.read(), error.url)

    def get(self, path: str, **headers) -> Reply:
        return self.request(path, headers=headers)

    def csrf_token(self, path: str) -> str:
        match = CSRF_FIELD.search(self.get(path).text)
        return match.group(1) if match else ""

    def post(self, path: str, fields: dict, files: dict | None = None, token_from=None) -> Reply:
        fields = {"csrf_token": self.csrf_token(token_from or path), **fields}
        boundary = uuid.uuid4().hex
        body = b""
        for name, value in fields.items():
            body += (
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
            ).encode()
        for name, (filename, content) in (files or {}).items():
            body += (
                (
                    f"--{boundary}\r\nContent-Disposition: form-data; "
                    f'name="{name}"; filename="{filename}"\r\n'
                    "Content-Type: application/octet-stream\r\n\r\n"
                ).encode()
                + content
                + b"\r\n"
            )
        body += f"--{boundary}--\r\n".encode()
        return self.request(
            path, data=body, headers={"Content-Type": f"multipart/form-data; boundary={boundary}"}
        )

    def sign_in(self, email: str, password: str) -> Reply:
        reply = self.post("/login", {"email": email, "password": password})
        assert reply.status == 200 and "/login" not in reply.url, (reply.status, reply.url)
        return reply


def wait_until_healthy(base_url: str, process: subprocess.Popen, log: Path, timeout=60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the server stopped:\n{log.read_text(errors='replace')}")
        with (
            contextlib.suppress(OSError),
            urllib.request.urlopen(base_url + "/health", timeout=5) as response,
        ):
            if response.status == 200:
                return
        time.sleep(0.2)
    raise AssertionError(f"no answer from {base_url}:\n{log.read_text(errors='replace')}")


@contextlib.contextmanager
def running(command: list[str], env: dict, cwd: Path, port: int, log: Path) -> Iterator[str]:
    """A server process until the block ends; yields its base URL once /health answers."""
    with log.open("wb") as output:
        process = subprocess.Popen(command, env=env, cwd=cwd, stdout=output, stderr=output)
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(base_url, process, log)
        yield base_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
