"""`/health`: what a load balancer and a monitoring probe need, without signing in.

200 while this worker can reach the database (the scheduler's state is reported, not acted on:
a late scheduler is no reason to take web workers out of rotation); 503 when it cannot.
"""

from __future__ import annotations

import time

import sqlalchemy as sa
from flask import Blueprint, current_app

from surveys.access import public
from surveys.extensions import db
from surveys.logs import add_to_request_line
from surveys.scheduling.heartbeat import scheduler_status

bp = Blueprint("ops", __name__)


@bp.get("/health")
@bp.get("/healthz")
@public
def health():
    max_age = current_app.config["SCHEDULER_HEARTBEAT_MAX_AGE"]
    started = time.perf_counter()
    try:
        with db.engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
            latency_ms = round((time.perf_counter() - started) * 1000, 1)
            status = scheduler_status(connection, max_age)
    except sa.exc.SQLAlchemyError as error:
        # Probes ask every few seconds: the reason goes on the request's own line (one line a
        # poll, at ERROR as every 5xx), not a traceback of its own.
        reason = str(getattr(error, "orig", None) or error).strip().splitlines()
        add_to_request_line(
            error=f"database unreachable: {reason[0] if reason else type(error).__name__}"
        )
        body = {
            "status": "unavailable",
            "database": {"ok": False},
            "scheduler": {"ok": None, "heartbeat_age_seconds": None},
        }
        return _no_store(body, 503)
    scheduler_ok = status.fresh(max_age)
    body = {
        "status": "ok" if scheduler_ok else "degraded",
        "database": {"ok": True, "latency_ms": latency_ms},
        "scheduler": {
            "ok": scheduler_ok,
            "heartbeat_age_seconds": _rounded(status.leader_age_seconds),
            # When the leader last finished its catch-up of round work (None: not yet).
            "last_sweep_age_seconds": _rounded(status.swept_age_seconds),
            "max_age_seconds": max_age,
            "standbys": status.standbys,
        },
    }
    return _no_store(body, 200)


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _no_store(body: dict, status: int):
    return body, status, {"Cache-Control": "no-store"}
