"""CSRF on every form and fetch(), response headers that keep tokens and pages private, request
bodies parsed within bounds, and a development server that logs no token."""
import json
import re
import secrets

from flask import Flask, g, request
from flask_wtf.csrf import CSRFProtect
from werkzeug.serving import WSGIRequestHandler

csrf = CSRFProtect()

#: An invitation token in a path (or a logged request line).
_TOKEN_IN_PATH = re.compile(r"(/t/)[^/?#\s\"]+")

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'{style_nonce}; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)


def csp_nonce() -> str:
    """A per-response nonce for the code editor's generated styles (no 'unsafe-inline')."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def _headers(response):
    nonce = g.get("csp_nonce")
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY.format(
        style_nonce=f" 'nonce-{nonce}'" if nonce else ""))
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    # Candidate links carry their token in the path: never leak it to another site.
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    if not request.path.startswith("/static/"):
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def init_app(app: Flask) -> None:
    csrf.init_app(app)
    app.after_request(_headers)
    app.jinja_env.globals["csp_nonce"] = csp_nonce


# --- request bodies --------------------------------------------------------------------------

#: Deepest JSON nesting a request may have: answers are at most an object holding a list.
MAX_JSON_DEPTH = 16
_JSON_STRING = re.compile(rb'"[^"]*"')
_NOT_BRACKETS = bytes(c for c in range(256) if c not in b"[]{}")


class BadBody(ValueError):
    """The request body is not an acceptable JSON object; the message says why."""


def _refuse_constant(name: str):
    raise BadBody(f"the request body contains {name}, which is not a number JSON allows")


def load_json_object(raw: bytes, *, max_depth: int = MAX_JSON_DEPTH) -> dict:
    """Parse a request body as a JSON object, refusing before the parser runs anything deeper
    than `max_depth` (a 100,000-deep body would exhaust the parser's recursion) and refusing
    NaN and Infinity. The size is capped before this, by MAX_CONTENT_LENGTH."""
    # Strings may hold brackets: drop escape pairs (so no quote inside a string is left
    # escaped), then the strings, then everything but brackets; all at C speed.
    unescaped = raw.replace(b"\\\\", b"").replace(b'\\"', b"")
    brackets = _JSON_STRING.sub(b"", unescaped).translate(None, delete=_NOT_BRACKETS)
    depth = deepest = 0
    for c in brackets:
        depth += 1 if c in b"[{" else -1
        deepest = max(deepest, depth)
        if deepest > max_depth:
            raise BadBody(f"the request body is nested deeper than {max_depth} levels")
    try:
        data = json.loads(raw, parse_constant=_refuse_constant)
    except BadBody:
        raise
    except (ValueError, RecursionError) as exc:
        raise BadBody(f"the request body is not valid JSON ({str(exc)[:80]})") from None
    if not isinstance(data, dict):
        raise BadBody("the request body must be a JSON object")
    return data


# --- the development server ------------------------------------------------------------------

class QuietRequestHandler(WSGIRequestHandler):
    """Werkzeug's server for `assessment demo` and `serve --dev`: no invitation token in its
    access log (the token is the candidate's only credential), and no server or Python
    version in the Server header."""

    def version_string(self) -> str:
        return "assessment"

    def log(self, type: str, message: str, *args) -> None:
        text = message % args if args else message
        super().log(type, "%s", _TOKEN_IN_PATH.sub(r"\1<token>", text))
