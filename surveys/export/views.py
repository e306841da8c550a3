from __future__ import annotations

from flask import Blueprint

bp = Blueprint("export", __name__, template_folder="templates")
