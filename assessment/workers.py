"""In-process background work for the embedded default: the periodic sweep (closes sections
whose time is up even when the candidate never comes back, and re-queues code waiting for a
grade) and the grading queue over the sandbox pool.

The queue's interface is one call, `GradingQueue.submit(job, attempt_id, key=None)`: `job(session=,
grade=)` runs on a grading slot inside an app context, `grade(task, code, which)` grading in that
slot's sandbox. Fairness (one job per attempt in flight, round-robin between attempts) and the
bound (a full queue raises `QueueFull`) live behind it, in grading/pool.py. A Redis/RQ backend
can replace this class with the same call: the services never see which one runs.
"""
import logging
import threading

from assessment.grading.pool import QueueFull  # noqa: F401  re-exported: callers catch it from here

log = logging.getLogger(__name__)

#: Jobs waiting in the whole queue per grading slot before it answers "busy".
MAX_QUEUED_PER_SLOT = 8
#: Jobs one attempt may have waiting or running: its submission, a sample run, one more.
MAX_PER_ATTEMPT = 2


class GradingQueue:
    """Hidden-test grading of submitted responses, and sample runs, on a fair pool of sandbox
    slots (one per core by default). The pool starts on first use, not at import."""

    def __init__(self, app):
        self.app = app
        self._pool = None
        self._lock = threading.Lock()

    def _get_pool(self):
        with self._lock:
            if self._pool is None:
                from assessment.config import sandbox_config
                from assessment.grading.pool import GradingPool
                from assessment.grading.sandbox import Sandbox

                sandbox = Sandbox(sandbox_config(self.app))
                self._pool = GradingPool(sandbox=sandbox, max_per_owner=MAX_PER_ATTEMPT,
                                         max_queued=MAX_QUEUED_PER_SLOT * sandbox.config.slots)
            return self._pool

    def start(self) -> list[str]:
        """Create the pool now and clear what a crashed server left in the sandbox slots, so the
        sandbox detects and logs its layers at server start-up rather than at the first
        submission; returns the layers missing for production."""
        from assessment.grading.pool import sweep_leftovers

        pool = self._get_pool()
        swept = sweep_leftovers(pool.sandbox)
        if swept["killed_uids"] or swept["removed"]:
            log.warning("cleared leftovers of an earlier run: %s", swept)
        return pool.sandbox.layers.missing_for_production()

    def submit(self, job, attempt_id: int, *, key=None):
        """Queue `job(session=, grade=)` for an attempt; returns a Future of its result. A job
        with the `key` of one already queued or running is not queued again. Raises QueueFull
        when the queue, or this attempt's share of it, is full."""
        from assessment.db import get_session

        def in_app(grade):
            with self.app.app_context():
                return job(session=get_session(), grade=grade)

        return self._get_pool().run(in_app, attempt_id, key=key)

    def enqueue_pending(self) -> int:
        """Queue the grading of every submission still waiting for its grade (after a restart,
        a full queue or a sandbox error); returns how many were queued."""
        from assessment.db import get_session
        from assessment.services import coding

        with self.app.app_context():
            return coding.queue_pending_grading(session=get_session(), queue=self)

    def wait_idle(self, timeout: float = 60) -> bool:
        """Block until nothing is being graded (tests and shutdown)."""
        return self._pool is None or self._pool.wait_idle(timeout)

    def shutdown(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)


def sandbox_summary(app) -> str:
    """One line for people starting a server: the full sandbox, or what is missing and how to get it."""
    from assessment.config import sandbox_config
    from assessment.grading.sandbox import Sandbox

    missing = Sandbox(sandbox_config(app)).layers.missing_for_production()
    if not missing:
        return "full sandbox (uid separation, Landlock, seccomp, dedicated runtime)"
    return ("DEGRADED sandbox, missing: " + "; ".join(missing)
            + ". Run as root after `assessment sandbox setup` for the full sandbox.")


def grading_queue(app) -> GradingQueue:
    return app.extensions["assessment.grading"]


#: With a queue on Redis, jobs waiting across all workers before the web answers "busy".
REDIS_MAX_QUEUED = 1000


def init_app(app) -> None:
    if app.config.get("REDIS_URL"):
        # Scale-out: jobs go to `assessment worker` processes; this process grades nothing.
        from assessment.jobs import RedisQueue

        app.extensions["assessment.grading"] = RedisQueue(
            app, max_queued=int(app.config.get("QUEUE_MAX_JOBS") or REDIS_MAX_QUEUED), max_per_attempt=MAX_PER_ATTEMPT)
    else:
        app.extensions["assessment.grading"] = GradingQueue(app)


def sweep_once(app) -> int:
    """Close expired sections and re-queue ungraded code; returns how many sections closed."""
    from assessment.db import get_session
    from assessment.services.delivery import rescore_stale_sections, sweep_expired

    with app.app_context():
        closed = sweep_expired(session=get_session(), grace_seconds=app.config["ANSWER_GRACE_SECONDS"])
        rescore_stale_sections(session=get_session())
    grading_queue(app).enqueue_pending()
    return closed


def _sweep_forever(app, stop: threading.Event) -> None:
    interval = float(app.config["SWEEP_INTERVAL_SECONDS"])
    while not stop.wait(interval):
        try:
            closed = sweep_once(app)
            if closed:
                log.info("sweep closed %d expired section(s)", closed)
        except Exception:  # noqa: BLE001  a failed sweep must not kill the thread; the next one retries
            log.exception("sweep failed")


def start_background(app) -> threading.Event:
    """Start the sweeper thread; set the returned event to stop it."""
    stop = threading.Event()
    missing = grading_queue(app).start()
    if missing:
        log.warning("code grading sandbox is missing: %s (see `assessment sandbox check`)", "; ".join(missing))
    if app.config.get("RUN_SWEEPER", True):
        threading.Thread(target=_sweep_forever, args=(app, stop), name="sweeper", daemon=True).start()
    return stop
