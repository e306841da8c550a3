"""The platform and its bare anchors in one WSGI app, so that one gunicorn serves both.

    gunicorn -c python:surveys.gunicorn_conf bench.anchors:app

Everything under /bare/ is a bare Flask app (no session, no access check, no ORM):
- GET /bare/form/<n>: a static Jinja form of n questions (bench/load/bare.py's template), the
  size-matched yardstick of an area page;
- POST /bare/save: parses the posted body as the platform would (form or JSON) and inserts one
  row with SQLAlchemy Core into the same database: the yardstick of an autosave.
Anything else goes to the platform (`surveys.wsgi:app`), in the same worker processes.
"""

from __future__ import annotations

import json
import os

import sqlalchemy as sa
from flask import Flask, jsonify, render_template, request
from jinja2 import DictLoader
from werkzeug.middleware.dispatcher import DispatcherMiddleware

from bench.load.bare import FORM, TEMPLATE

OPTIONS = ("Yes", "Partly", "No", "Not applicable", "No information")
metadata = sa.MetaData()
saves = sa.Table(
    "bench_anchor_saves",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("body", sa.Text, nullable=False),
)

bare = Flask(__name__)
bare.jinja_loader = DictLoader({FORM: TEMPLATE})  # compiled once, as a template file is
_engines: list[sa.Engine] = []


def engine() -> sa.Engine:
    if not _engines:
        _engines.append(sa.create_engine(os.environ["DATABASE_URL"], pool_pre_ping=True))
    return _engines[0]


@bare.get("/form/<int:questions>")
def form(questions: int):
    return render_template(
        FORM,
        title="Legal framework",
        token="x" * 40,
        questions=range(1, questions + 1),
        options=OPTIONS,
    )


@bare.post("/save")
def save():
    fields = request.get_json() if request.is_json else request.form.to_dict(flat=False)
    with engine().begin() as connection:
        row = connection.execute(
            saves.insert().values(body=json.dumps(fields))
        ).inserted_primary_key
    return jsonify({"id": row[0], "saved": len(fields)})


def create_table(url: str) -> None:
    """The anchor's table (made by the benchmark before the server starts)."""
    made = sa.create_engine(url)
    metadata.create_all(made)
    made.dispose()


def __getattr__(name: str):
    """`app`, built on first use (by gunicorn in each worker): importing this module for
    `create_table` does not build the platform."""
    if name != "app":
        raise AttributeError(name)
    from surveys.wsgi import app as platform

    application = DispatcherMiddleware(platform, {"/bare": bare})
    globals()["app"] = application
    return application
