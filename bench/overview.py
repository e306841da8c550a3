"""Benchmark: the results overview of a round at 16 and at 200 countries.

    .venv/bin/python bench/overview.py [--countries 16 200] [--repeat 5]

For each size, loads the Niamey questionnaire and a round whose every country submitted, with
score snapshots (bench/api_responses.py's data), into a temporary SQLite database, and times
the overview page an analyst opens (/results/rounds/<id>, the first page, sorted by the overall
index) through the WSGI app: median CPU time over `--repeat` and the bytes of HTML. Goal at 200
countries: under 120 ms and 300 KB.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def measure(countries: int, repeat: int) -> tuple[float, int]:
    import api_responses
    import sqlalchemy as sa

    from surveys import create_app

    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(
            {
                "TESTING": True,
                "SECRET_KEY": "bench-only-" + "x" * 32,
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{Path(tmp) / 'overview.db'}",
                "MAIL_BACKEND": "memory",
            }
        )
        with app.app_context():
            from surveys.accounts.models import User
            from surveys.extensions import db

            db.create_all()
            round_id, _token = api_responses.seed(countries)
            analyst = db.session.scalar(sa.select(User))
            client = app.test_client()
            with client.session_transaction() as session:
                session["_user_id"] = analyst.get_id()
                session["_fresh"] = True
            url = f"/results/rounds/{round_id}"
            page = client.get(url)
            assert page.status_code == 200, page.status_code
            times = []
            for _ in range(repeat):
                start = time.process_time()
                client.get(url)
                times.append(time.process_time() - start)
            db.engine.dispose()
    return statistics.median(times) * 1000, len(page.get_data())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--countries", type=int, nargs="+", default=[16, 200])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    for countries in args.countries:
        cpu_ms, size = measure(countries, args.repeat)
        goal = "  (goal <= 120 ms, <= 300 KB)" if countries >= 200 else ""
        print(
            f"{countries:>4} countries: {cpu_ms:6.1f} ms CPU, {size / 1024:7.1f} KB of HTML{goal}"
        )


if __name__ == "__main__":
    main()
