"""The install a real user makes: an sdist, a wheel built from it, a fresh virtual environment
outside the repository, gunicorn, and the app in French (pages and workbooks).

Dependencies come from a wheel cache kept in .venv/wheelhouse (filled from the package index
the first time), so the test runs in about half a minute once the cache exists.
"""

from __future__ import annotations

import io
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.conftest import ROOT
from tests.live import Browser, free_port, running

pytestmark = pytest.mark.slow

WHEELHOUSE = Path(sys.prefix) / "wheelhouse"


def build(tmp: Path) -> tuple[Path, Path]:
    """An sdist of the checkout, then a wheel built from that sdist (as pip does)."""
    dist = tmp / "dist"
    sdist_name = _backend(ROOT, f"build_sdist({str(dist)!r})")
    sdist = dist / sdist_name
    with tarfile.open(sdist) as archive:
        archive.extractall(tmp / "src", filter="data")
    source = tmp / "src" / sdist_name.removesuffix(".tar.gz")
    return sdist, dist / _backend(source, f"build_wheel({str(dist)!r})")


def _backend(cwd: Path, call: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", f"from setuptools import build_meta; print(build_meta.{call})"],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip().splitlines()[-1]


def pip(*args: str, target: Path | None = None) -> subprocess.CompletedProcess:
    into = ["--python", str(target / "bin" / "python")] if target else []
    return subprocess.run(
        [sys.executable, "-m", "pip", *into, "--disable-pip-version-check", "-q", *args],
        capture_output=True,
        text=True,
        check=False,
    )


def install(wheel: Path, venv: Path) -> None:
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    offline = ("install", "--no-compile", "--no-index", "--find-links", str(WHEELHOUSE), str(wheel))
    result = pip(*offline, target=venv)
    if result.returncode != 0:  # first run, or new dependencies: fill the cache
        fetched = pip("download", "--dest", str(WHEELHOUSE), str(wheel))
        assert fetched.returncode == 0, fetched.stderr[-3000:]
        result = pip(*offline, target=venv)
    assert result.returncode == 0, result.stderr[-3000:]


def test_an_installed_wheel_serves_french_pages_and_workbooks(tmp_path):
    sdist, wheel = build(tmp_path)
    with tarfile.open(sdist) as archive:
        names = archive.getnames()
    assert any(n.endswith("fr/LC_MESSAGES/messages.mo") for n in names)
    assert any("/migrations/versions/" in n for n in names)
    with zipfile.ZipFile(wheel) as archive:
        members = set(archive.namelist())
    assert "surveys/translations/fr/LC_MESSAGES/messages.mo" in members
    assert "surveys/bundled/questionnaires/niamey-2018/v2.yaml" in members
    assert "surveys/gunicorn_conf.py" in members

    venv = tmp_path / "venv"
    install(wheel, venv)
    home = tmp_path / "site"  # nothing of the repository is reachable from here
    home.mkdir()
    env = {
        "PATH": f"{venv / 'bin'}:/usr/bin:/bin",
        "HOME": str(home),
        "SURVEYS_INSTANCE_PATH": str(home / "instance"),
        "DATABASE_URL": f"sqlite:///{home / 'surveys.db'}",
        "LANG": "C.UTF-8",
    }

    def surveys(*args: str) -> str:
        done = subprocess.run(
            [str(venv / "bin" / "surveys"), *args],
            cwd=home,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    where = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import surveys; print(surveys.__file__)"],
        cwd=home,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert where.startswith(str(venv)), where
    surveys("db", "upgrade")
    surveys("demo")
    password = (home / "instance" / "demo-logins.txt").read_text().split("password:")[1].split()[0]

    port = free_port()
    server = [
        str(venv / "bin" / "gunicorn"),
        "-c",
        "python:surveys.gunicorn_conf",
        "surveys.wsgi:app",
    ]
    server_env = {**env, "GUNICORN_BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": "1"}
    with running(server, server_env, home, port, tmp_path / "gunicorn.log") as url:
        browser = Browser(url, language="fr")
        assert "Se connecter" in browser.get("/login").text
        browser.sign_in("analyst@demo.example.org", password)
        closed_round = 1
        reply = browser.get(f"/exports/rounds/{closed_round}/scorecard.xlsx?lang=fr")
        assert reply.status == 200, reply.text[:500]
        workbook = load_workbook(io.BytesIO(reply.body), read_only=True)
        assert "Réponses" in workbook.sheetnames
        coordinator = Browser(url)  # works in French by her own preference
        coordinator.sign_in("coordinator@demo.example.org", password)
        rounds = coordinator.get("/rounds/").text
        assert '<html lang="fr" dir="ltr">' in rounds and "Cycles d'évaluation" in rounds
