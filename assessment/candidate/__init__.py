"""The candidate's pages: practice tests, invitation links, the timed test, results."""
from flask import Blueprint

bp = Blueprint("candidate", __name__, template_folder="templates")

from assessment.candidate import views  # noqa: E402,F401  routes register on bp
