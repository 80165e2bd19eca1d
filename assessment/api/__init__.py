"""/api/v1 for applicant-tracking systems: Bearer API keys, JSON in and out, errors as problem
details (RFC 9457), described by the OpenAPI document at /api/v1/openapi.json."""
from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from assessment.api import views  # noqa: E402,F401  routes register on bp
