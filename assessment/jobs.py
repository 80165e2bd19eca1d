"""Background jobs on Redis (RQ) when REDIS_URL is set: grading and report rendering leave the
web servers, so any number of app servers share one pool of `assessment worker` processes.

RQ rather than Celery: the jobs are plain Python callables, one Redis is the only broker we
want to operate, and RQ's worker model (a process that takes one job at a time) matches the
sandbox's one-slot-per-process design; Celery's broker abstraction and prefork pool would be
weight without a use here.

Fairness holds on the queue as in-process (grading/pool.py): per attempt, at most one job waits
in RQ or runs at a time; the attempt's further jobs wait in its own Redis list, and each one is
pushed to the back of RQ's queue only when the previous one finishes, so attempts take turns.
The queue is bounded in total and per attempt (`QueueFull`: the web answers "busy, retrying").
Every bookkeeping key expires: a worker killed mid-job frees its attempt's turn after
`JOB_LEASE_SECONDS`, and the sweeper re-submits the grading that never landed. Landing is
exactly once because recording a grade is a conditional update in the services.
"""
import logging
import os
import pickle
import threading
import time
import uuid

from assessment.grading.pool import QueueFull  # the web answers it the same for both backends

log = logging.getLogger(__name__)

PREFIX = "assessment:fair:"
#: A job's lease on its attempt's turn: longer than any grading or rendering takes (the
#: sandbox's wall clock is at most about a minute), so only a dead worker's lease runs out.
JOB_LEASE_SECONDS = int(os.environ.get("ASSESSMENT_JOB_LEASE_SECONDS", "180"))
#: Garbage collection only: how long a waiting job and its data are kept at most (an attempt's
#: jobs wait behind each other, each within its lease; this is far beyond any real wait).
WAITING_TTL_SECONDS = 3600
#: How long a result stays for the web request that waits on it.
RESULT_TTL_SECONDS = 600
#: RQ's own limit on one job, below the lease.
JOB_TIMEOUT_SECONDS = 150
#: One blocking read on Redis while a request waits for its job: below the client's socket timeout.
BLOCKING_READ_SECONDS = 2
GRADING_QUEUE = "grading"
REPORTS_QUEUE = "reports"

# Atomically: de-duplicate by key, enforce the bounds, append the job to its attempt's list.
_SUBMIT = """
local now = tonumber(redis.call('TIME')[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if ARGV[3] ~= '' then
  local existing = redis.call('GET', KEYS[4])
  if existing then return {'DUPLICATE', existing} end
end
local mine = redis.call('LLEN', KEYS[2]) + redis.call('EXISTS', KEYS[3])
if mine >= tonumber(ARGV[5]) then return {'FULL_ATTEMPT', ''} end
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[4]) then return {'FULL', ''} end
redis.call('RPUSH', KEYS[2], ARGV[1])
redis.call('EXPIRE', KEYS[2], ARGV[6])
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
if ARGV[3] ~= '' then redis.call('SET', KEYS[4], ARGV[1], 'EX', ARGV[2]) end
return {'OK', ARGV[1]}
"""

# Atomically: if the attempt has no job in RQ, take its next waiting job (the caller enqueues it).
_TAKE_TURN = """
if redis.call('EXISTS', KEYS[2]) == 1 then return false end
local job = redis.call('LPOP', KEYS[1])
if not job then return false end
redis.call('SET', KEYS[2], job, 'EX', ARGV[1])
return job
"""


def _keys(attempt_id) -> tuple[str, str, str]:
    return PREFIX + "live", f"{PREFIX}waiting:{attempt_id}", f"{PREFIX}turn:{attempt_id}"


class RedisFuture:
    """The web side's handle on a job: result() waits (bounded) for the worker to publish it."""

    def __init__(self, redis, job_id: str):
        self.redis, self.job_id = redis, job_id

    def result(self, timeout: float | None = None):
        # Short blocking reads: the client's socket timeout (5 s in redis-py) must not cut a wait.
        deadline = time.monotonic() + (timeout if timeout is not None else JOB_TIMEOUT_SECONDS)
        while not self.redis.blpop([f"{PREFIX}done:{self.job_id}"], timeout=BLOCKING_READ_SECONDS):
            if time.monotonic() > deadline:
                raise TimeoutError(f"job {self.job_id} did not finish within {timeout} s")
        self.redis.lpush(f"{PREFIX}done:{self.job_id}", b"1")  # later waiters see it too
        self.redis.expire(f"{PREFIX}done:{self.job_id}", RESULT_TTL_SECONDS)
        ok, value = pickle.loads(self.redis.get(f"{PREFIX}result:{self.job_id}"))
        if not ok:
            raise RuntimeError(value)
        return value

    def done(self) -> bool:
        return bool(self.redis.exists(f"{PREFIX}result:{self.job_id}"))


class RedisQueue:
    """The same `submit(job, attempt_id, key=None)` as the in-process GradingQueue, on Redis."""

    def __init__(self, app, *, max_queued: int, max_per_attempt: int):
        import redis
        from rq import Queue

        self.app = app
        self.redis = redis.Redis.from_url(app.config["REDIS_URL"])
        self.grading = Queue(GRADING_QUEUE, connection=self.redis)
        self.reports = Queue(REPORTS_QUEUE, connection=self.redis)
        self.max_queued, self.max_per_attempt = max_queued, max_per_attempt
        self._submit = self.redis.register_script(_SUBMIT)
        self._take_turn = self.redis.register_script(_TAKE_TURN)

    def start(self) -> list[str]:
        """Web servers grade nothing themselves with a queue: no sandbox needed here."""
        return []

    def submit(self, job, attempt_id: int, *, key=None) -> RedisFuture:
        """Queue `job(session=, grade=)` (a picklable callable) for an attempt."""
        job_id = uuid.uuid4().hex
        self.redis.set(f"{PREFIX}job:{job_id}", pickle.dumps((job, attempt_id)), ex=WAITING_TTL_SECONDS)
        live, waiting, _ = _keys(attempt_id)
        key_name = f"{PREFIX}key:{key}" if key is not None else ""
        status, found = self._submit(keys=[live, waiting, _keys(attempt_id)[2], key_name or "unused"],
                                     args=[job_id, JOB_LEASE_SECONDS, key_name and "1", self.max_queued,
                                           self.max_per_attempt, WAITING_TTL_SECONDS])
        status = status.decode()
        if status == "DUPLICATE":
            self.redis.delete(f"{PREFIX}job:{job_id}")
            # Queued before and maybe never given its turn (Redis went away between the two):
            # the sweep's re-submission gives it one now instead of after the lease.
            pump(self.redis, self.grading, attempt_id)
            return RedisFuture(self.redis, found.decode())
        if status != "OK":
            self.redis.delete(f"{PREFIX}job:{job_id}")
            raise QueueFull("The grading queue is busy; retrying." if status == "FULL"
                            else "Your previous run is still being graded; try again when it has finished.")
        pump(self.redis, self.grading, attempt_id)
        return RedisFuture(self.redis, job_id)

    def render_report(self, kind: str, attempt_id: int) -> str:
        """Render a report on a queue worker (de-duplicated per attempt and kind while queued)."""
        from assessment.services import reports

        job = self.reports.enqueue(reports.render_report, kind, attempt_id,
                                   job_id=f"report-{kind}-{attempt_id}-{int(time.time() // 60)}",
                                   job_timeout=JOB_TIMEOUT_SECONDS, result_ttl=60, failure_ttl=3600)
        return job.id

    def enqueue_pending(self) -> int:
        from assessment.db import get_session
        from assessment.services import coding

        with self.app.app_context():
            return coding.queue_pending_grading(session=get_session(), queue=self)

    def wait_idle(self, timeout: float = 60) -> bool:
        """Until no job is queued or running anywhere (tests and shutdown); False if unknown."""
        from redis.exceptions import RedisError

        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline:
                self.redis.zremrangebyscore(PREFIX + "live", "-inf", time.time())
                if not self.redis.zcard(PREFIX + "live"):
                    return True
                time.sleep(0.1)
        except RedisError:
            return False
        return False

    def shutdown(self) -> None:
        self.redis.close()


def pump(redis, queue, attempt_id) -> None:
    """Give the attempt its turn in RQ if it has none and a job waits."""
    _, waiting, turn = _keys(attempt_id)
    job_id = redis.eval(_TAKE_TURN, 2, waiting, turn, JOB_LEASE_SECONDS)
    if job_id:
        job_id = job_id.decode()
        queue.enqueue(run_fair_job, job_id, attempt_id, job_id=job_id, job_timeout=JOB_TIMEOUT_SECONDS,
                      result_ttl=0, failure_ttl=3600)


# --- the worker side ---------------------------------------------------------------------------

_worker_state: dict = {}
_worker_lock = threading.Lock()


def _worker_grading_queue():
    """This worker process's in-process grading queue (one warm app, sandbox slots), made once."""
    with _worker_lock:
        if "queue" not in _worker_state:
            from assessment import create_app

            _use_app(create_app({"RUN_SWEEPER": False}))
        return _worker_state["queue"]


def _use_app(app) -> None:
    from assessment.workers import GradingQueue

    queue = GradingQueue(app)  # the in-process queue: this process runs the job itself
    try:
        missing = queue.start()
        if missing:
            log.warning("grading sandbox layers missing: %s", "; ".join(missing))
    except Exception:  # noqa: BLE001  a worker without the sandbox still renders reports
        log.exception("the grading sandbox could not be started in this worker")
    _worker_state.update(app=app, queue=queue)


def run_fair_job(job_id: str, attempt_id: int) -> None:
    """RQ entry point: run the job in a sandbox slot, publish its result, pass the turn on."""
    from rq import get_current_job

    current = get_current_job()
    redis = current.connection
    try:
        payload = redis.get(f"{PREFIX}job:{job_id}")
        if payload is None:
            outcome = (False, "the job's data expired before a worker took it")
        else:
            job, _ = pickle.loads(payload)
            try:
                value = _worker_grading_queue().submit(job, attempt_id).result(timeout=JOB_TIMEOUT_SECONDS)
                outcome = (True, value)
            except Exception as exc:  # noqa: BLE001  published to the waiter, logged here
                log.exception("job %s of attempt %s failed", job_id, attempt_id)
                outcome = (False, f"{type(exc).__name__}: {exc}")
        with redis.pipeline() as pipe:
            pipe.set(f"{PREFIX}result:{job_id}", pickle.dumps(outcome), ex=RESULT_TTL_SECONDS)
            pipe.lpush(f"{PREFIX}done:{job_id}", b"1")
            pipe.expire(f"{PREFIX}done:{job_id}", RESULT_TTL_SECONDS)
            pipe.execute()
    finally:
        live, _, turn = _keys(attempt_id)
        with redis.pipeline() as pipe:
            pipe.zrem(live, job_id)
            pipe.delete(turn, f"{PREFIX}job:{job_id}")
            pipe.execute()
        from rq import Queue

        pump(redis, Queue(GRADING_QUEUE, connection=redis), attempt_id)


#: Longest wait between restarts of a queue worker that keeps failing (Redis down for long).
WORKER_RESTART_MAX_SECONDS = 30
_pause = time.sleep  # the wait between restarts (tests replace it)


def run_worker(redis_url: str, *, burst: bool = False, app=None) -> None:
    """One worker process: grading first, then reports; one job at a time, no fork per job
    (the app, its database pool and the sandbox stay warm). `app`: the app whose database and
    sandbox settings the jobs use (default: one built from the configuration)."""
    import redis
    from rq import Queue, SimpleWorker

    if app is not None:
        with _worker_lock:
            _use_app(app)
    connection = redis.Redis.from_url(redis_url)
    queues = [Queue(GRADING_QUEUE, connection=connection), Queue(REPORTS_QUEUE, connection=connection)]
    class Worker(SimpleWorker):
        stop_asked = False

        def request_stop(self, signum, frame):
            self.stop_asked = True  # SIGTERM/SIGINT: RQ ends its loop, and so does this one
            super().request_stop(signum, frame)

    delay = 1.0
    while True:
        worker, started = None, time.monotonic()
        try:
            # RQ's worker asks Redis for its address as it is made: with Redis still gone, that
            # too raises (the fault run's redis-outage killed both workers here).
            worker = Worker(queues, connection=connection)
            worker.work(burst=burst, with_scheduler=False)
        except redis.exceptions.RedisError as exc:  # its teardown, with Redis gone
            log.warning("queue worker lost Redis: %s", exc)
        if burst or (worker is not None and worker.stop_asked):
            return
        # RQ quits on an error it does not handle, such as Redis going away while a job's result
        # is stored; the job's lease brings it back to the queue. Start again instead of dying.
        delay = 1.0 if time.monotonic() - started > WORKER_RESTART_MAX_SECONDS else min(2 * delay, WORKER_RESTART_MAX_SECONDS)
        log.warning("queue worker stopped on an error; starting again in %.0f s", delay)
        _pause(delay)


# --- reports: rendered on queue workers, the PDF handed back through Redis ---------------------

#: A rendered PDF waits this long in Redis for any server to collect it into its own cache.
REPORT_RESULT_TTL_SECONDS = 3600
#: RQ status -> the progress stage the download button shows.
_REPORT_STAGES = {"queued": "queued", "deferred": "queued", "scheduled": "queued", "started": "layout"}


def render_report_bytes(kind: str, facts: dict) -> bytes:
    """RQ entry point: the PDF of one report from its facts (no database needed on the worker)."""
    import reports

    return reports.render_pdf(kind, reports.compose(facts))


class _RedisRender:
    """A Future-like handle: result() waits for the worker, then writes this server's cache file."""

    def __init__(self, job, path):
        self.job, self.path = job, path

    def result(self, timeout: float | None = None):
        deadline = time.monotonic() + (timeout if timeout is not None else JOB_TIMEOUT_SECONDS)
        while True:
            status = self.job.get_status(refresh=True)
            if status == "finished":
                return collect_report(self.job, self.path)
            if status in ("failed", "stopped", "canceled"):
                raise RuntimeError(f"rendering failed on the worker ({status})")
            if time.monotonic() > deadline:
                import concurrent.futures

                raise concurrent.futures.TimeoutError()
            time.sleep(0.1)


def collect_report(job, path):
    """Write a finished job's PDF into this server's cache (atomically) and return the path."""
    from assessment.services.reports import _write_atomically

    if not path.is_file():
        data = job.return_value(refresh=True)
        if data is None:
            raise RuntimeError("the rendered report expired from the queue before it was collected")
        _write_atomically(path, data)
    return path


class RedisRenderer:
    """The web's render pool when REDIS_URL is set: the same submit(path, kind, facts) -> job
    as services.reports.Renderer, but the work runs on `assessment worker` processes. The job id
    is the report's cache key, so every server sees the same job and collects the same PDF into
    its own cache: nothing a candidate's next request needs stays on one server."""

    def __init__(self, redis_url: str):
        import redis
        from rq import Queue

        self.redis = redis.Redis.from_url(redis_url)
        self.queue = Queue(REPORTS_QUEUE, connection=self.redis)

    def submit(self, path, kind: str, facts: dict):
        from rq.exceptions import NoSuchJobError
        from rq.job import Job as RQJob

        from assessment.services.reports import Job

        job_id = f"report-{path.parent.name}-{path.stem}"
        try:
            job = RQJob.fetch(job_id, connection=self.redis)
            status = job.get_status(refresh=False)
            if status in ("failed", "stopped", "canceled"):
                job.delete()
                raise NoSuchJobError(job_id)
        except NoSuchJobError:
            job = self.queue.enqueue(render_report_bytes, kind, facts, job_id=job_id, job_timeout=JOB_TIMEOUT_SECONDS,
                                     result_ttl=REPORT_RESULT_TTL_SECONDS, failure_ttl=300)
            status = "queued"
        handle = _RedisRender(job, path)
        if status == "finished":
            collect_report(job, path)
            return Job(stage="ready", future=handle)
        return Job(stage=_REPORT_STAGES.get(status, "queued"), future=handle, started=time.monotonic())

    def job(self, path):
        return None

    def shutdown(self) -> None:
        self.redis.close()
