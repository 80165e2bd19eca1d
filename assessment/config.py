"""Configuration: defaults, then instance/config.py, then ASSESSMENT_* variables, then a test mapping.

DATABASE_URL (without prefix) is honoured too, because that is what hosting platforms set.
"""
import json
import os
from pathlib import Path

DEFAULT_SECRET_KEY = "dev-only-not-secret"

#: Seconds added to a section's deadline before an answer counts as late: covers the request's
#: trip over a slow network (the browser's clock is never trusted, only this margin).
DEFAULT_ANSWER_GRACE_SECONDS = 3


class Defaults:
    SECRET_KEY = DEFAULT_SECRET_KEY
    DATABASE_URL = None  # None -> sqlite file in the instance folder
    SECTIONS_DIR = str(Path(__file__).resolve().parent.parent / "sections")
    ANSWER_GRACE_SECONDS = DEFAULT_ANSWER_GRACE_SECONDS
    SWEEP_INTERVAL_SECONDS = 30
    MAX_CONTENT_LENGTH = 256 * 1024  # answers and code are small; anything bigger is an attack
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = True
    WTF_CSRF_TIME_LIMIT = None  # a test can last hours; the token is bound to the session anyway
    SANDBOX_PRODUCTION = None  # None: required layers enforced unless debug/testing
    SANDBOX_RUNTIME = None     # the sandbox's interpreter venv (default /var/lib/assessment/...)
    SANDBOX_WORK = None        # where run dirs are made (default /dev/shm when writable)
    SANDBOX_BASE_UID = None    # first slot uid (default 61000)
    SANDBOX_SLOTS = None       # grading slots (default one per core)
    SANDBOX_LOCKS = None       # slot lock dir
    #: Commands that sign nothing (db upgrade, sections, irt, grade) set this False, so a new
    #: installation can create its schema before it has a secret key.
    SECRET_KEY_REQUIRED = True
    RUN_SWEEPER = True
    ACCESS_LOG = False  # one JSON line per request (gunicorn serving turns it on)
    TRUSTED_PROXIES = 0  # proxies in front (nginx: 1): client address and scheme from X-Forwarded-*
    REDIS_URL = None  # set: background jobs go through the queue on Redis (`assessment worker`)
    SQLITE_SYNCHRONOUS = "full"  # commits on disk when acknowledged (group commit); "normal": last ones lost on a power cut (assessment/db.py)


def _coerce(value: str):
    """Environment values are strings; accept JSON literals (numbers, booleans) where they parse."""
    try:
        return json.loads(value)
    except ValueError:
        return value


SECRET_KEY_FILE = "secret_key"


def load_config(app, test_config=None) -> None:
    app.config.from_object(Defaults)
    # A key generated once into the instance folder (by `assessment demo`, or by hand), so
    # every command and server process of this installation signs with the same key.
    secret_file = Path(app.instance_path) / SECRET_KEY_FILE
    if secret_file.is_file():
        app.config["SECRET_KEY"] = secret_file.read_text().strip()
    app.config.from_pyfile("config.py", silent=True)
    for key, value in os.environ.items():
        if key.startswith("ASSESSMENT_"):
            app.config[key.removeprefix("ASSESSMENT_")] = _coerce(value)
    # The unprefixed names hosting platforms set are honoured too.
    for name in ("DATABASE_URL", "REDIS_URL"):
        if os.environ.get(name) and f"ASSESSMENT_{name}" not in os.environ:
            app.config[name] = os.environ[name]
    if test_config:
        app.config.update(test_config)
    if app.config["DATABASE_URL"] is None:
        app.config["DATABASE_URL"] = f"sqlite:///{Path(app.instance_path) / 'assessment.db'}"
    if app.debug or app.testing:
        # Local http://127.0.0.1 has no TLS; a Secure cookie would never come back.
        app.config["SESSION_COOKIE_SECURE"] = False
    elif app.config["SECRET_KEY"] == DEFAULT_SECRET_KEY and app.config["SECRET_KEY_REQUIRED"]:
        raise RuntimeError(
            "SECRET_KEY is the built-in development value. Set ASSESSMENT_SECRET_KEY "
            "(e.g. python -c 'import secrets; print(secrets.token_hex(32))') or run with debug."
        )


def sandbox_config(app):
    """The grading sandbox's settings, from the app config only. Required layers are enforced
    (``SANDBOX_PRODUCTION``) unless set otherwise, or the app runs in debug or test mode."""
    from assessment.grading.sandbox import SandboxConfig

    production = app.config["SANDBOX_PRODUCTION"]
    if production is None:
        production = not (app.debug or app.testing)
    return SandboxConfig.from_config(app.config, production=bool(production))


def sections_dir(app) -> Path:
    """The item bank folder: SECTIONS_DIR, made absolute once."""
    return Path(app.config["SECTIONS_DIR"]).resolve()
