"""Commands that run the service: serve (gunicorn or the dev server), sweeper, worker."""
import os
import signal
import threading

import click

from assessment.cli.app_commands import _app, _fail, _serve


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64),
              help="gunicorn worker processes (about one per core).")
@click.option("--threads", default=4, show_default=True, type=click.IntRange(1, 64),
              help="Threads per worker (gthread): requests waiting on the database or a sample run do not block others.")
@click.option("--no-sweeper", is_flag=True, help="Do not start a sweeper process beside the web workers "
              "(when `assessment sweeper` runs as its own service).")
@click.option("--dev", is_flag=True, help="Werkzeug's development server with in-process sweeper instead of gunicorn.")
def serve(host: str, port: int, workers: int, threads: int, no_sweeper: bool, dev: bool) -> None:
    """Serve the app: gunicorn web workers and one sweeper (exactly one sweeps across servers)."""
    if dev:
        _serve(_app(), host, port)
        return
    from assessment.ops import configure_json_logging
    from assessment.serving import serve_production

    _app()  # refuse a bad configuration (e.g. no SECRET_KEY) here, with a message, not in every worker
    configure_json_logging()
    serve_production(host=host, port=port, workers=workers, threads=threads, sweeper=not no_sweeper)


@click.command()
def sweeper() -> None:
    """Close expired sections and re-queue ungraded code every SWEEP_INTERVAL_SECONDS.

    Any number may run (one per server): a leader lock lets exactly one sweep at a time, and
    another takes over within one interval when the leader dies."""
    from assessment.ops import configure_json_logging
    from assessment.serving import run_sweeper

    configure_json_logging()
    app = _app(RUN_SWEEPER=False)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    run_sweeper(app, stop)


@click.command()
@click.option("--burst", is_flag=True, help="Exit when the queues are empty (tests, batch jobs).")
@click.option("--nice", "niceness", type=click.IntRange(0, 19), default=0, show_default=True,
              help="Lower this worker's CPU priority: on a machine shared with web servers, grading "
                   "and report rendering then take only what answer saves leave over (10 is a good value).")
def worker(burst: bool, niceness: int) -> None:
    """A queue worker on Redis (REDIS_URL): grades code in the sandbox and renders reports.

    Run as many as there are cores for grading, on any machine that reaches the database and
    Redis; as root, so the sandbox can switch each run to its own uid."""
    from assessment.jobs import run_worker
    from assessment.ops import configure_json_logging

    app = _app()
    if not app.config.get("REDIS_URL"):
        _fail("REDIS_URL is not set: without a queue the web servers grade in-process and no worker is needed. "
              "Set ASSESSMENT_REDIS_URL=redis://127.0.0.1:6379/0 (or REDIS_URL).")
    configure_json_logging()
    if niceness:
        os.nice(niceness)
    run_worker(app.config["REDIS_URL"], burst=burst, app=app)


COMMANDS = [serve, sweeper, worker]
