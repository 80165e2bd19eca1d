"""Production serving: gunicorn web workers plus one sweeper process per server.

Web workers only answer requests (`RUN_SWEEPER` off in each of them); the sweep runs in its own
process that competes for a leader lock (`assessment.leader`), so with any number of servers
exactly one sweeper closes expired sections and re-queues ungraded code.
"""
import logging
import os
import signal
import subprocess
import sys
import threading

from gunicorn.app.base import BaseApplication
from gunicorn.glogging import Logger

log = logging.getLogger(__name__)


class GunicornServer(BaseApplication):
    """gunicorn driven from Python: our CLI options, our app factory in each worker."""

    def __init__(self, options: dict):
        self.options = options
        super().__init__()

    def load_config(self):
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        from assessment import create_app

        return create_app({"RUN_SWEEPER": False, "ACCESS_LOG": True})


class WithoutAccessLog(Logger):
    """gunicorn's logger minus its access log, and tokens redacted from its error lines: the app
    writes one JSON line per request itself, with tokens redacted. gunicorn's line would print
    the raw path, token included, and with a logging configuration given it builds that line for
    every request even when nothing prints it (a few per cent of an answer save's CPU)."""

    def access(self, resp, req, environ, request_time) -> None:
        return None

    def exception(self, msg, *args, **kwargs) -> None:
        """gunicorn's "Error handling request <path>" (an error that escaped the app) without the
        invitation token in the path."""
        from assessment.ops import redact_path

        super().exception(msg, *[redact_path(a) if isinstance(a, str) else a for a in args], **kwargs)


def gunicorn_options(*, host: str, port: int, workers: int, threads: int) -> dict:
    from assessment.ops import JsonFormatter  # noqa: F401  (imported for the logconfig below)

    return {
        "bind": f"{host}:{port}",
        "workers": workers,
        # gthread: a worker waiting on the database or a sample run keeps serving others.
        "worker_class": "gthread" if threads > 1 else "sync",
        "threads": threads,
        # A sample run waits for the sandbox (bounded by the item's limits, about 30 s at most).
        "timeout": 60,
        # Candidates pause between answers: keep their connections (parked in gthread's poller,
        # not holding a thread) instead of making every request reconnect after 2 s.
        "keepalive": 30,
        "graceful_timeout": 20,
        # The app writes one JSON access line per request itself, with tokens redacted;
        # gunicorn's own access log would print the raw path, token included.
        "accesslog": None,
        "logger_class": WithoutAccessLog,
        "errorlog": "-",
        "logconfig_dict": {
            "version": 1, "disable_existing_loggers": False,
            "formatters": {"json": {"()": "assessment.ops.JsonFormatter"}},
            "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "json"}},
            "root": {"level": "INFO", "handlers": ["stderr"]},
            "loggers": {"gunicorn.error": {"level": "INFO", "handlers": ["stderr"], "propagate": False}},
        },
        "control_socket_disable": True,
    }


def start_sweeper_process() -> subprocess.Popen:
    """`assessment sweeper` beside the web workers; it leads only if no other server's does."""
    return subprocess.Popen([sys.executable, "-m", "assessment.cli", "sweeper"], env=os.environ.copy())


def serve_production(*, host: str, port: int, workers: int, threads: int, sweeper: bool = True) -> None:
    child = start_sweeper_process() if sweeper else None
    try:
        GunicornServer(gunicorn_options(host=host, port=port, workers=workers, threads=threads)).run()
    finally:
        if child is not None and child.poll() is None:
            child.send_signal(signal.SIGTERM)
            try:
                child.wait(10)
            except subprocess.TimeoutExpired:
                child.kill()


def run_sweeper(app, stop: threading.Event) -> None:
    """Sweep every SWEEP_INTERVAL_SECONDS while holding the leader lock; otherwise wait for it."""
    from pathlib import Path

    from assessment import workers
    from assessment.leader import LeaderLock

    lock = LeaderLock(app.extensions["assessment.engine"], Path(app.instance_path) / "sweeper.lock")
    interval = float(app.config["SWEEP_INTERVAL_SECONDS"])
    was_leader = False
    try:
        while True:
            try:
                leader = lock.try_acquire()
            except Exception:  # noqa: BLE001  database unreachable: nobody can sweep now; retry
                log.warning("cannot reach the database for the sweeper lock; retrying in %.0f s", interval)
                lock.release()
                leader = False
            if leader != was_leader:
                log.info("sweeper %s", "leads: sweeping" if leader
                         else "stands by: another process leads, or the lock was lost with the database")
                was_leader = leader
            if leader:
                try:
                    closed = workers.sweep_once(app)
                    if closed:
                        log.info("sweep closed %d expired section(s)", closed)
                except Exception:  # noqa: BLE001  a failed sweep (database down) retries next round
                    log.exception("sweep failed; retrying in %.0f s", interval)
            if stop.wait(interval):
                return
    finally:
        lock.release()
