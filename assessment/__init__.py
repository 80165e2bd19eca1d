"""Skills-assessment engine."""
import os
from pathlib import Path


def create_app(test_config=None):
    """Build the web app; every subsystem wires itself with init_app.

    Flask is imported here, not at package import, so `assessment.scoring` and the CLI's
    non-web commands stay light."""
    from flask import Flask

    # ASSESSMENT_INSTANCE_PATH moves the instance folder (config.py, the SQLite file, secrets).
    app = Flask(__name__, instance_relative_config=True,
                instance_path=os.environ.get("ASSESSMENT_INSTANCE_PATH") or None)
    from assessment import config, db, errors, ops, security, workers
    from assessment.candidate import bp as candidate_bp
    from assessment.content import markdown as content_markdown

    app.debug = bool((test_config or {}).get("DEBUG", app.debug))
    config.load_config(app, test_config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    db.init_app(app)
    ops.init_app(app)
    security.init_app(app)
    errors.init_app(app)
    content_markdown.init_app(app)
    workers.init_app(app)
    app.register_blueprint(candidate_bp)
    from assessment.api import bp as api_bp
    from assessment.company import bp as company_bp

    app.register_blueprint(company_bp)
    app.register_blueprint(api_bp)
    return app
