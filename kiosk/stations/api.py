"""The JSON API (/api/v1): the same services as the pages, for integrations and tests."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")
