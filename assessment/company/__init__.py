"""The company workspace: accounts, assessments, invitations, the candidate dashboard.

Every route is behind the blueprint's `before_request` guard except the few sign-in pages
listed in `views.PUBLIC_ENDPOINTS`; a new route is protected without anyone remembering to."""
from flask import Blueprint

bp = Blueprint("company", __name__, url_prefix="/company", template_folder="templates",
               static_folder="static", static_url_path="/static")

from assessment.company import views  # noqa: E402,F401  routes register on bp
