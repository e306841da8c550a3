from __future__ import annotations

from flask import Blueprint

bp = Blueprint("questionnaire", __name__, template_folder="templates")
