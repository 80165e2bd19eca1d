"""CSRF on every form and fetch(), response headers that keep tokens and pages private, request
bodies parsed within bounds, and a development server that logs no token.

One route goes without the CSRF check: the candidate's answer save (`/t/<token>/answer`), most
of all traffic. CSRF forges a request that a browser's cookie authorises; that route is
authorised by the link's token in its own path, which a cross-site page cannot know (pages
send no Referer, `Referrer-Policy: no-referrer`), and no cookie adds to it (the candidate's
session cookie holds nothing but the CSRF token). Whoever knows the link can save answers with
or without the check, so it defends nothing there; it cost about a tenth of each save's CPU.
The candidate's other forms keep it (rare; defence in depth)."""
import json
import re
import secrets

from flask import Flask, abort, g, request
from flask_wtf.csrf import CSRFProtect
from werkzeug.exceptions import NotFound
from werkzeug.routing import IntegerConverter
from werkzeug.serving import WSGIRequestHandler

csrf = CSRFProtect()

#: An invitation token in a path (or a logged request line).
_TOKEN_IN_PATH = re.compile(r"(/t/)[^/?#\s\"]+")

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'{style_nonce}; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)


_FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})


def _refuse_nul_fields():
    """A NUL character in a form field or query argument is refused (400) before any view sees
    it: PostgreSQL's text columns cannot hold one (a 500 there), and no real input has one."""
    # Only the two form types have form fields (werkzeug parses no other body into `form`):
    # asking for `form` on a JSON body still ran the form parser's machinery on every answer save.
    sources = (request.args, request.form) if request.mimetype in _FORM_TYPES else (request.args,)
    for source in sources:
        if any("\x00" in value for values in source.listvalues() for value in values):
            abort(400, "A field contains a NUL character (\\x00), which no text field can hold.")


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


#: The largest id a path may name: every id column is a 32-bit integer on PostgreSQL.
MAX_PATH_ID = 2**31 - 1


class BoundedIntegerConverter(IntegerConverter):
    """`<int:...>` in every route: a number beyond the id columns' range is a 404 of that route
    (nothing can have that id) instead of overflowing the database driver (a 500)."""

    def to_python(self, value: str) -> int:
        number = super().to_python(value)
        if number > MAX_PATH_ID:
            raise NotFound("Nothing has that id.")
        return number


def init_app(app: Flask) -> None:
    """Call before the blueprints are registered: their routes bind the `int` converter."""
    app.url_map.converters["int"] = BoundedIntegerConverter
    csrf.init_app(app)
    app.before_request(_refuse_nul_fields)
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


#: What a body needs for the parser to give back a NUL or an unpaired surrogate: an escape
#: (\u0000, \ud800), a surrogate's own UTF-8 bytes (the parser decodes with "surrogatepass"),
#: or a NUL byte (a UTF-16 or UTF-32 body). A body with none of them holds neither, and the
#: walk over every string of it (a fifth of an autosave's parsing) is skipped.
_MAY_HOLD_BAD_TEXT = re.compile(rb"\\u|\xed|\x00")


def load_json_object(raw: bytes, *, max_depth: int = MAX_JSON_DEPTH, check_text: bool = True) -> dict:
    """Parse a request body as a JSON object, refusing before the parser runs anything deeper
    than `max_depth` (a 100,000-deep body would exhaust the parser's recursion) and refusing
    NaN and Infinity. The size is capped before this, by MAX_CONTENT_LENGTH. With check_text,
    every string (keys too) is checked by check_text(); without, the caller checks the fields it uses."""
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
    if check_text and _MAY_HOLD_BAD_TEXT.search(raw):
        check_text_value(data)
    return data


def check_text_value(value) -> None:
    """Refuse text no database column can hold: a NUL character (PostgreSQL's text and jsonb
    refuse it) or an unpaired surrogate (not encodable as UTF-8). The depth is bounded above."""
    if isinstance(value, dict):
        for key, item in value.items():
            check_text_value(key)
            check_text_value(item)
    elif isinstance(value, list):
        for item in value:
            check_text_value(item)
    elif isinstance(value, str):
        if "\x00" in value:
            raise BadBody("the request body contains a NUL character (\\u0000), which text fields cannot hold")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise BadBody("the request body contains an unpaired surrogate character (\\ud800-\\udfff), "
                          "which is not text") from None


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
