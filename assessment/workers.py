"""In-process background work for the embedded default: the periodic sweep (closes sections
whose time is up even when the candidate never comes back, and re-queues code waiting for a
grade) and the grading queue over the sandbox pool. Scale-out replaces the queue with Redis."""
import dataclasses
import logging
import threading

log = logging.getLogger(__name__)


class GradingQueue:
    """Hidden-test grading of submitted responses, and synchronous sample runs, on a pool of
    sandbox slots (one per core by default). The pool starts on first use, not at import."""

    def __init__(self, app):
        self.app = app
        self._pool = None
        self._lock = threading.Lock()
        self._inflight: set[int] = set()
        self._idle = threading.Condition(self._lock)

    def _get_pool(self):
        with self._lock:
            if self._pool is None:
                from assessment.grading.pool import GradingPool
                from assessment.grading.sandbox import Sandbox, SandboxConfig

                config = SandboxConfig.from_env()
                production = self.app.config.get("SANDBOX_PRODUCTION")
                if production is None:
                    production = not (self.app.debug or self.app.testing)
                config = dataclasses.replace(config, production=bool(production))
                self._pool = GradingPool(sandbox=Sandbox(config))
            return self._pool

    def start(self) -> list[str]:
        """Create the pool now, so the sandbox detects and logs its layers at server start-up
        rather than at the first submission; returns the layers missing for production."""
        return self._get_pool().sandbox.layers.missing_for_production()

    def run_sample(self, item_folder, code: str):
        """Grade on the sample tests and wait for the result (bounded by the item's limits)."""
        from assessment.content.coding import load_coding_task

        task = load_coding_task(item_folder)
        timeout = 30 + len(task.cases("sample")) * (task.limits.time_s + 1)
        return self._get_pool().submit(task, code, "sample").result(timeout=timeout)

    def enqueue(self, response_id: int) -> bool:
        """Queue the hidden-test grading of a submitted response (once, however often asked)."""
        from assessment.db import get_session
        from assessment.content.coding import load_coding_task
        from assessment.services import coding

        with self._lock:
            if response_id in self._inflight:
                return False
            self._inflight.add(response_id)
        try:
            with self.app.app_context():
                found = coding.grading_input(session=get_session(), response_id=response_id,
                                             sections_dir=self.app.config["SECTIONS_DIR"])
            if found is None:
                self._finish(response_id)
                return False
            folder, code = found
            future = self._get_pool().submit(load_coding_task(folder), code, "hidden")
        except Exception:
            log.exception("could not queue grading of response %s", response_id)
            self._finish(response_id)
            return False
        future.add_done_callback(lambda f: self._record(response_id, f))
        return True

    def _record(self, response_id: int, future) -> None:
        from assessment.db import get_session
        from assessment.services import coding

        try:
            result = future.result()
            with self.app.app_context():
                coding.record_grade(session=get_session(), response_id=response_id, result=result)
        except Exception:  # noqa: BLE001  the sweep re-queues what is still ungraded
            log.exception("grading of response %s failed; the sweep will retry", response_id)
        finally:
            self._finish(response_id)

    def _finish(self, response_id: int) -> None:
        with self._idle:
            self._inflight.discard(response_id)
            self._idle.notify_all()

    def enqueue_pending(self) -> int:
        from assessment.db import get_session
        from assessment.services import coding

        with self.app.app_context():
            pending = coding.pending_submissions(session=get_session())
        return sum(self.enqueue(rid) for rid in pending)

    def wait_idle(self, timeout: float = 60) -> bool:
        """Block until nothing is being graded (tests and shutdown)."""
        with self._idle:
            return self._idle.wait_for(lambda: not self._inflight, timeout=timeout)

    def shutdown(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)


def grading_queue(app) -> GradingQueue:
    return app.extensions["assessment.grading"]


def init_app(app) -> None:
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
