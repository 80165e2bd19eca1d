"""Why a service refused a request, as a kind the web layer maps to a status (assessment/errors.py).

Services know nothing of HTTP: they raise `ServiceError(message, kind=...)`; the message is for
the person who sent the request and says what is wrong.
"""
from enum import StrEnum


class ErrorKind(StrEnum):
    INVALID = "invalid"            # the request itself is malformed or not allowed as sent
    NOT_FOUND = "not found"        # no such thing (or not this caller's)
    CONFLICT = "conflict"          # the state changed: already answered, section closed, ...
    GONE = "gone"                  # existed once, now expired
    TOO_LARGE = "too large"        # a field over its size limit
    RATE_LIMITED = "rate limited"  # too many of these in a short time; try later
    BUSY = "busy"                  # the server is saturated right now; retrying will work


class ServiceError(Exception):
    """A request a service cannot honour; `kind` says why, the message says what to do."""

    kind: ErrorKind = ErrorKind.INVALID

    def __init__(self, message: str, *, kind: ErrorKind | None = None, retry_after: float | None = None):
        super().__init__(message)
        if kind is not None:
            self.kind = kind
        self.retry_after = retry_after
