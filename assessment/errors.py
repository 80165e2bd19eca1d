"""Every error is a clear message with the right status: JSON for fetch()/API, a page otherwise.
Never a stack trace in the response. Services raise error kinds; this module alone maps them
to HTTP statuses."""
import logging

from flask import Flask, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException
from werkzeug.http import HTTP_STATUS_CODES

from assessment.content.answers import AnswerError
from assessment.services.failures import ErrorKind, ServiceError

log = logging.getLogger(__name__)

STATUS = {
    ErrorKind.INVALID: 400,
    ErrorKind.NOT_FOUND: 404,
    ErrorKind.CONFLICT: 409,
    ErrorKind.GONE: 410,
    ErrorKind.TOO_LARGE: 413,
    ErrorKind.RATE_LIMITED: 429,
    ErrorKind.BUSY: 503,
}


def wants_json() -> bool:
    return (request.path.startswith("/api/") or request.is_json
            or request.accept_mimetypes.best == "application/json")


def error_response(status: int, message: str, retry_after: float | None = None):
    if request.path.startswith("/api/"):  # the company API answers with problem details (RFC 9457)
        response = jsonify(type="about:blank", title=HTTP_STATUS_CODES.get(status, "Error"), status=status,
                           detail=message)
        response.mimetype = "application/problem+json"
    elif wants_json():
        response = jsonify(error=message, status=status)
    else:
        response = render_template("error.html", status=status, message=message)
    response = (response, status)
    if retry_after is not None:
        response += ({"Retry-After": str(max(1, round(retry_after)))},)
    return response


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(exc):
        return error_response(400, f"The form's security token is missing or invalid ({exc.description}). "
                                   "Reload the page and try again.")

    @app.errorhandler(ServiceError)
    def _service(exc):
        return error_response(STATUS[exc.kind], str(exc), exc.retry_after)

    @app.errorhandler(AnswerError)
    def _answer(exc):
        return error_response(400, str(exc))

    @app.errorhandler(HTTPException)
    def _http(exc):
        return error_response(exc.code or 500, exc.description or exc.name)

    @app.errorhandler(Exception)
    def _unexpected(exc):
        log.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(500, "Something went wrong on our side. Your saved answers are safe; reload the page.")
