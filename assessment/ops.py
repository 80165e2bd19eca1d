"""Operations endpoints and request logging: what a load balancer and a log pipeline need.

`/healthz` says the process answers (liveness: restart it if not); `/readyz` says it can serve a
candidate now (database reachable, and the job queue when one is configured), so a load balancer
takes a server out of rotation during a database outage instead of sending candidates to 500s.
Every request gets an id (the caller's `X-Request-ID` when it is sane, else a new one) that is
echoed in the response and written in one JSON access-log line, with invitation tokens redacted.
"""
import hashlib
import json
import logging
import re
import secrets
import time
from pathlib import Path

from flask import Blueprint, Flask, current_app, g, jsonify, request

bp = Blueprint("ops", __name__)
access_log = logging.getLogger("assessment.access")

#: A caller's request id is accepted only if it cannot forge log lines or grow without bound.
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{8,64}$")
#: The invitation token is the candidate's only credential: it never reaches a log; nor do the
#: company's password-reset and setup links.
_TOKEN_IN_PATH = re.compile(r"(/t/|/company/reset/|/company/setup/)[^/?#]+")


def redact_path(path: str) -> str:
    """The path with every invitation token replaced, for logs."""
    return _TOKEN_IN_PATH.sub(r"\1<token>", path)


@bp.get("/healthz")
def healthz():
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz():
    from assessment.services.readiness import check_readiness

    checks = check_readiness(engine=current_app.extensions["assessment.engine"],
                             redis_url=current_app.config.get("REDIS_URL"))
    ready = all(check["ok"] for check in checks.values())
    response = jsonify(status="ready" if ready else "unavailable", checks=checks)
    response.status_code = 200 if ready else 503
    if not ready:
        response.headers["Retry-After"] = "5"
    return response


class JsonFormatter(logging.Formatter):
    """One JSON object per line; the fields a log pipeline indexes."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {"time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"), "level": record.levelname,
                 "logger": record.name, "message": record.getMessage()}
        entry.update(getattr(record, "fields", {}))
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def configure_json_logging(level: int = logging.INFO) -> None:
    """Route every logger to stderr as JSON lines (servers and workers; the CLI keeps plain text)."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)


def _begin_request() -> None:
    supplied = request.headers.get("X-Request-ID", "")
    g.request_id = supplied if _REQUEST_ID.match(supplied) else secrets.token_hex(8)
    g.request_started = time.perf_counter()


def _end_request(response):
    request_id = g.get("request_id")
    if request_id is None:
        return response
    response.headers["X-Request-ID"] = request_id
    if current_app.config.get("ACCESS_LOG"):
        elapsed_ms = (time.perf_counter() - g.request_started) * 1000
        access_log.info("request", extra={"fields": {
            "request_id": request_id, "method": request.method, "path": redact_path(request.path),
            "status": response.status_code, "ms": round(elapsed_ms, 1)}})
    return response


#: Fingerprinted static files never change under their URL, so browsers and proxies keep them
#: for a year; a new deployment changes the fingerprint and with it the URL.
STATIC_MAX_AGE_SECONDS = 365 * 24 * 3600


def _static_fingerprint(app: Flask):
    cache: dict[str, tuple[float, str]] = {}

    def add_fingerprint(endpoint: str, values: dict) -> None:
        if endpoint != "static" or "filename" not in values or "v" in values:
            return
        path = Path(app.static_folder) / values["filename"]
        try:
            mtime = path.stat().st_mtime
        except OSError:
            return
        cached = cache.get(values["filename"])
        if cached is None or cached[0] != mtime:
            cached = (mtime, hashlib.sha256(path.read_bytes()).hexdigest()[:12])
            cache[values["filename"]] = cached
        values["v"] = cached[1]

    return add_fingerprint


def _cache_static(response):
    if request.endpoint == "static" and request.args.get("v") and response.status_code == 200:
        response.cache_control.public = True
        response.cache_control.max_age = STATIC_MAX_AGE_SECONDS
        response.cache_control.immutable = True
    return response


#: What a client is told during a database or queue outage: nothing it saved is lost, and a
#: retry after a few seconds is the right move (the page's autosave retries by itself).
OUTAGE_MESSAGE = ("The service is briefly unavailable (database or queue). Everything you saved is safe; "
                  "retry in a few seconds.")
OUTAGE_RETRY_AFTER_SECONDS = 5


def _dependency_down(exc):
    from assessment.errors import error_response

    logging.getLogger(__name__).warning("dependency unavailable on %s %s: %s", request.method,
                                        redact_path(request.path), type(exc).__name__)
    response, status = error_response(503, OUTAGE_MESSAGE)
    response = current_app.make_response((response, status))
    response.headers["Retry-After"] = str(OUTAGE_RETRY_AFTER_SECONDS)
    return response


def _trust_proxies(app: Flask) -> None:
    """Behind nginx (TRUSTED_PROXIES = number of proxies in front): the client's address for rate
    limits and https in generated links come from the proxy's X-Forwarded-* headers."""
    hops = int(app.config.get("TRUSTED_PROXIES") or 0)
    if hops:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)


def init_app(app: Flask) -> None:
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError
    from sqlalchemy.exc import OperationalError

    _trust_proxies(app)
    for outage in (OperationalError, RedisConnectionError, RedisTimeoutError):
        app.register_error_handler(outage, _dependency_down)
    app.before_request(_begin_request)
    app.after_request(_end_request)
    app.after_request(_cache_static)
    app.url_defaults(_static_fingerprint(app))
    app.register_blueprint(bp)
