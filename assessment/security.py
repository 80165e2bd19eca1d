"""CSRF on every form and fetch(), and response headers that keep tokens and pages private."""
import secrets

from flask import Flask, g, request
from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()

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
