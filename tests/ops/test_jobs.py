"""The job queue on the real Redis (127.0.0.1:6379, database 15): fair turns per attempt, bounds,
de-duplication, results back to the waiting request, and a dead worker's lease running out."""
import functools
import time

import pytest
import redis as redis_lib

from assessment import jobs

REDIS_URL = "redis://127.0.0.1:6379/15"
ORDER = "assessment:test:order"


def record_run(label: str, *, session, grade):
    """A job as the services make them: module level, plain arguments, session and grade given."""
    client = redis_lib.Redis.from_url(REDIS_URL)
    client.rpush(ORDER, label)
    client.close()
    if label.startswith("fail"):
        raise ValueError(f"{label} failed on purpose")
    return {"label": label, "has_session": session is not None}


@pytest.fixture
def redis_client():
    client = redis_lib.Redis.from_url(REDIS_URL)
    client.flushdb()
    yield client
    client.flushdb()
    client.close()


@pytest.fixture
def queue(make_app, redis_client):
    app = make_app(REDIS_URL=REDIS_URL)
    yield jobs.RedisQueue(app, max_queued=10, max_per_attempt=3), app
    jobs._worker_state.clear()


def _drain(app):
    jobs.run_worker(REDIS_URL, burst=True, app=app)


def test_attempts_take_turns_one_job_in_flight_each(queue, redis_client):
    q, app = queue
    q.submit(functools.partial(record_run, "A1"), 1)
    q.submit(functools.partial(record_run, "A2"), 1)
    q.submit(functools.partial(record_run, "A3"), 1)
    q.submit(functools.partial(record_run, "B1"), 2)
    # Only one job per attempt is in RQ's queue; the others wait in the attempt's own list.
    assert q.grading.count == 2
    _drain(app)
    assert [x.decode() for x in redis_client.lrange(ORDER, 0, -1)] == ["A1", "B1", "A2", "A3"]
    assert q.wait_idle(5)


def test_results_and_failures_reach_the_waiting_request(queue):
    q, app = queue
    ok = q.submit(functools.partial(record_run, "ok"), 1)
    failed = q.submit(functools.partial(record_run, "fail-1"), 2)
    _drain(app)
    assert ok.result(timeout=5) == {"label": "ok", "has_session": True}
    with pytest.raises(RuntimeError, match="fail-1 failed on purpose"):
        failed.result(timeout=5)


def test_the_queue_is_bounded_in_total_and_per_attempt(make_app, redis_client):
    app = make_app(REDIS_URL=REDIS_URL)
    q = jobs.RedisQueue(app, max_queued=3, max_per_attempt=2)
    q.submit(functools.partial(record_run, "a"), 1)
    q.submit(functools.partial(record_run, "b"), 1)
    with pytest.raises(jobs.QueueFull, match="previous run"):
        q.submit(functools.partial(record_run, "c"), 1)
    q.submit(functools.partial(record_run, "d"), 2)
    with pytest.raises(jobs.QueueFull, match="busy"):
        q.submit(functools.partial(record_run, "e"), 3)


def test_the_same_key_is_queued_once(queue, redis_client):
    q, app = queue
    first = q.submit(functools.partial(record_run, "graded-once"), 1, key="grade-7")
    second = q.submit(functools.partial(record_run, "graded-once"), 1, key="grade-7")
    assert first.job_id == second.job_id
    _drain(app)
    assert redis_client.lrange(ORDER, 0, -1) == [b"graded-once"]


def test_a_dead_workers_turn_expires_and_the_attempt_goes_on(make_app, redis_client, monkeypatch):
    monkeypatch.setattr(jobs, "JOB_LEASE_SECONDS", 1)
    app = make_app(REDIS_URL=REDIS_URL)
    q = jobs.RedisQueue(app, max_queued=10, max_per_attempt=3)
    q.submit(functools.partial(record_run, "lost"), 1)
    # A worker takes the job and dies: RQ's copy is gone, the attempt's turn is still taken.
    q.grading.empty()
    q.submit(functools.partial(record_run, "next"), 1)
    assert q.grading.count == 0  # still blocked behind the dead job's turn
    time.sleep(2.2)
    q.submit(functools.partial(record_run, "after-lease"), 1)  # a new submit (or the sweeper) pumps
    _drain(app)
    assert redis_client.lrange(ORDER, 0, -1)[0] == b"next"


def test_a_worker_that_rq_quits_on_an_error_starts_again_and_stops_when_asked(queue, monkeypatch):
    """RQ's work loop ends quietly on an error it does not handle (Redis gone while a job's result
    is stored): `assessment worker` must start it again, and still end on a stop request."""
    from rq import SimpleWorker
    from rq.exceptions import StopRequested

    _, app = queue
    calls, waits = [], []

    def work(self, burst=False, with_scheduler=False):
        calls.append(burst)
        if len(calls) == 1:
            return False  # "found an unhandled exception, quitting..."
        if len(calls) == 2:
            raise redis_lib.exceptions.ConnectionError("Connection closed by server.")  # its teardown failed
        try:
            self.request_stop(15, None)  # SIGTERM while idle: RQ raises StopRequested...
        except StopRequested:
            return True  # ...and its loop ends on it
        raise AssertionError("RQ no longer raises StopRequested on a stop while idle")

    monkeypatch.setattr(SimpleWorker, "work", work)
    monkeypatch.setattr(jobs, "_pause", waits.append)
    jobs.run_worker(REDIS_URL, app=app)
    assert calls == [False, False, False] and waits == [2.0, 4.0]  # backing off, bounded by WORKER_RESTART_MAX_SECONDS


def test_a_worker_made_while_redis_is_still_down_is_made_again(queue, monkeypatch):
    """After RQ quits, Redis can still be gone when the next worker is made (RQ asks Redis for the
    worker's address in its constructor): that must be one more restart, not the process's end."""
    from rq import SimpleWorker

    _, app = queue
    made, waits = [], []
    make = SimpleWorker.__init__

    def init(self, *args, **kwargs):
        made.append(True)
        if len(made) == 2:
            raise redis_lib.exceptions.ConnectionError("Error while reading from 127.0.0.1 : (104, 'reset')")
        make(self, *args, **kwargs)

    def work(self, burst=False, with_scheduler=False):
        if len(made) == 3:
            self.stop_asked = True  # as on SIGTERM: the loop ends
        return False

    monkeypatch.setattr(SimpleWorker, "__init__", init)
    monkeypatch.setattr(SimpleWorker, "work", work)
    monkeypatch.setattr(jobs, "_pause", waits.append)
    jobs.run_worker(REDIS_URL, app=app)
    assert len(made) == 3 and waits == [2.0, 4.0]


def test_a_burst_worker_is_not_started_again(queue, monkeypatch):
    from rq import SimpleWorker

    _, app = queue
    calls = []
    monkeypatch.setattr(SimpleWorker, "work", lambda self, burst=False, with_scheduler=False: calls.append(burst))
    jobs.run_worker(REDIS_URL, burst=True, app=app)
    assert calls == [True]


def test_a_job_queued_but_never_given_its_turn_gets_it_when_the_sweep_submits_it_again(queue, redis_client,
                                                                                         monkeypatch):
    """Redis went away between queueing a job and giving its attempt the turn: the sweep's next
    submission of the same key finds the duplicate and gives the turn, instead of waiting out
    the job's lease."""
    redis_queue, _ = queue
    real_pump = jobs.pump

    def cut(*args):
        raise redis_lib.exceptions.ConnectionError("Connection closed by server.")

    monkeypatch.setattr(jobs, "pump", cut)
    with pytest.raises(redis_lib.exceptions.ConnectionError):
        redis_queue.submit(functools.partial(record_run, "lost"), 7, key=4242)
    assert redis_queue.grading.count == 0  # waiting, with no turn
    monkeypatch.setattr(jobs, "pump", real_pump)
    future = redis_queue.submit(functools.partial(record_run, "lost"), 7, key=4242)  # the sweep, 5 s later
    assert redis_queue.grading.count == 1
    _drain(queue[1])
    assert future.result(timeout=10)["label"] == "lost"
    assert redis_client.lrange(ORDER, 0, -1) == [b"lost"]  # run once
