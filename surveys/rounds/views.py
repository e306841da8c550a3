from __future__ import annotations

from flask import Blueprint

from surveys.access import allow
from surveys.accounts.models import Role

bp = Blueprint("rounds", __name__, template_folder="templates")


@bp.get("/<int:round_id>")
@allow(Role.COORDINATOR, Role.ANALYST)
def show(round_id: int):
    return str(round_id)
