"""The candidate's pages: practice tests, invitation links, the timed test, results."""
from flask import Blueprint, redirect, url_for

from assessment.candidate.samples import sample_table

bp = Blueprint("candidate", __name__, template_folder="templates")
bp.add_app_template_global(sample_table, "sample_table")


@bp.get("/favicon.ico")
def favicon():
    """Browsers ask for /favicon.ico whatever the page says; the icon is an SVG."""
    return redirect(url_for("static", filename="favicon.svg"), code=301)


from assessment.candidate import views  # noqa: E402,F401  routes register on bp
