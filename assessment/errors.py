"""Every error is a clear message with the right status: JSON for fetch()/API, a page otherwise.
Never a stack trace in the response."""
import logging

from flask import Flask, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from assessment.content.answers import AnswerError
from assessment.services.delivery import DeliveryError

log = logging.getLogger(__name__)


def wants_json() -> bool:
    return (request.path.startswith("/api/") or request.is_json
            or request.accept_mimetypes.best == "application/json")


def error_response(status: int, message: str):
    if wants_json():
        return jsonify(error=message, status=status), status
    return render_template("error.html", status=status, message=message), status


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(exc):
        return error_response(400, f"The form's security token is missing or invalid ({exc.description}). "
                                   "Reload the page and try again.")

    @app.errorhandler(DeliveryError)
    def _delivery(exc):
        return error_response(exc.status, str(exc))

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
