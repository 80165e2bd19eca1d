"""services/coding.py called directly: sample runs, submissions, the grading queue and recorded
grades, with a queue that runs its job at once and a grader that answers from the code's text
(the sandbox itself is tested in tests/grading and tests/sandbox)."""
import datetime as dt
from concurrent.futures import Future

import pytest
from service_helpers import GRACE, T0, events, on_first_item, right, submit
from sqlmodel import select

from assessment.grading import grader as grading
from assessment.grading.grader import GradeResult
from assessment.grading.pool import QueueFull
from assessment.models import CodeRun, Event, Item, Response, SectionAttempt
from assessment.services import coding, delivery
from assessment.services.delivery import DeliveryError, ErrorKind, LateAnswer

GOOD = "def double(x):\n    return 2 * x\n"
BAD = "def double(x):\n    return x\n"



class Grader:
    """grade(task, code, which): every test passes for GOOD, none for anything else."""

    def __init__(self, status=None):
        self.calls = []
        self.status = status

    def __call__(self, task, code, which):
        self.calls.append((task.item_id, code, which))
        ok = code == GOOD
        return GradeResult(item_id=task.item_id, which=which, status=self.status or ("passed" if ok else "failed"),
                           passed=2 if ok else 0, total=2, score=1.0 if ok else 0.0, category=2 if ok else 0,
                           time_ms=12.6, tests=[grading.TestResult("two", "passed" if ok else "failed", "m", 1.0, "o", "e")],
                           stopped=[{"what": "w", "why": "y"}], stdout="out", stderr="err")


class Queue:
    """Runs each job at once; `full` refuses it like a full grading queue."""

    def __init__(self, session, grade, full=False):
        self.session, self.grade, self.full = session, grade, full
        self.submitted, self.timeouts = [], []

    def submit(self, job, attempt_id, key=None):
        self.submitted.append((attempt_id, key))
        if self.full:
            raise QueueFull("full")
        future = Future()
        try:
            future.set_result(job(session=self.session, grade=self.grade))
        except Exception as exc:  # noqa: BLE001  the caller reads it from the future
            future.set_exception(exc)
        timeouts = self.timeouts

        class Watched(Future):
            def result(self, timeout=None):
                timeouts.append(timeout)
                return future.result(0)

        return Watched()


def _code_item(session):
    attempt, part, state = on_first_item(session, sections=("gamma",))
    assert state.item.type == "code"
    return attempt, part, state.response


def _run(session, attempt, response, queue, code=GOOD, seq=1, now=T0):
    return coding.run_samples(session=session, attempt=attempt, response_id=response.id, code=code, seq=seq,
                              grace_seconds=GRACE, queue=queue, now=now)


def test_a_sample_run_saves_the_code_and_returns_what_the_candidate_sees(session):
    attempt, _, response = _code_item(session)
    grader = Grader()
    queue = Queue(session, grader)
    seen = _run(session, attempt, response, queue, seq=3)
    assert seen == {"status": "passed", "passed": 2, "total": 2, "time_ms": 13,
                    "tests": [{"name": "two", "status": "passed", "message": "m", "stdout": "o", "stderr": "e"}],
                    "stopped": [{"what": "w", "why": "y"}], "stdout": "out", "stderr": "err"}
    assert grader.calls == [("gamma-double", GOOD, "sample")] and queue.submitted == [(attempt.id, None)]
    task = coding.grading_task(session.get(Item, response.item_id))
    assert queue.timeouts == [30 + len(task.cases("sample")) * (task.limits.time_s + 1)]
    session.expire_all()
    saved = session.get(Response, response.id)
    assert (saved.answer, saved.save_seq, saved.saved_at, saved.status) == ({"code": GOOD}, 3, T0, "presented")
    run = session.exec(select(CodeRun)).one()
    assert (run.kind, run.status, run.code_sha256, run.created_at) == ("sample", "done", coding._sha(GOOD), T0)
    assert run.result["passed"] == 2 and run.finished_at is not None
    # an older save's run is graded on its own code but does not overwrite the newer save
    assert _run(session, attempt, response, queue, code=BAD, seq=2)["passed"] == 0
    assert _run(session, attempt, response, queue, code=BAD, seq=3)["passed"] == 0
    session.expire_all()
    assert session.get(Response, response.id).answer == {"code": GOOD}


def test_sample_runs_are_limited_per_attempt_and_minute(session):
    attempt, _, response = _code_item(session)
    queue = Queue(session, Grader())
    for n in range(coding.RUNS_PER_MINUTE):
        _run(session, attempt, response, queue, seq=n + 1, now=T0 + dt.timedelta(seconds=n))
    with pytest.raises(DeliveryError, match=f"at most {coding.RUNS_PER_MINUTE} sample runs per minute") as raised:
        _run(session, attempt, response, queue, seq=20, now=T0 + dt.timedelta(seconds=59))
    assert raised.value.kind == ErrorKind.RATE_LIMITED and raised.value.retry_after == 10
    assert _run(session, attempt, response, queue, seq=21, now=T0 + dt.timedelta(seconds=60))["passed"] == 2


@pytest.mark.parametrize("full, error, message", [
    (True, "busy", "The grading servers are busy; retrying in a moment."),
    (False, "failed", "The sample tests could not be run right now. Try again.")])
def test_a_sample_run_that_cannot_run_asks_the_page_to_retry(session, full, error, message):
    attempt, _, response = _code_item(session)

    def broken(task, code, which):
        raise RuntimeError("sandbox gone")

    with pytest.raises(DeliveryError) as raised:
        _run(session, attempt, response, Queue(session, broken, full=full))
    assert str(raised.value) == message
    assert raised.value.kind == ErrorKind.BUSY and raised.value.retry_after == coding.BUSY_RETRY_SECONDS
    session.expire_all()
    run = session.exec(select(CodeRun)).one()
    assert (run.status, run.result) == ("error", {"error": error}) and run.finished_at is not None


@pytest.mark.parametrize("code, kind, message", [
    (None, ErrorKind.INVALID, "code: must be text"),
    ("x" * (coding.MAX_CODE_CHARS + 1), ErrorKind.TOO_LARGE, f"code: longer than {coding.MAX_CODE_CHARS} characters"),
])
def test_code_must_be_text_of_bounded_size(session, code, kind, message):
    attempt, _, response = _code_item(session)
    for call in (lambda: _run(session, attempt, response, Queue(session, Grader()), code=code),
                 lambda: coding.submit_code(session=session, attempt=attempt, response_id=response.id, code=code,
                                            grace_seconds=GRACE, now=T0)):
        with pytest.raises(DeliveryError) as raised:
            call()
        assert str(raised.value) == message and raised.value.kind == kind
    assert coding._check_code("x" * coding.MAX_CODE_CHARS)


def test_only_the_attempts_open_coding_item_within_its_time_takes_code(session):
    attempt, part, state = on_first_item(session)  # alpha: no coding items
    with pytest.raises(DeliveryError, match="this item is not a coding item"):
        _run(session, attempt, state.response, Queue(session, Grader()))
    attempt, part, response = _code_item(session)
    coding.submit_code(session=session, attempt=attempt, response_id=response.id, code=GOOD, grace_seconds=GRACE,
                       now=T0)
    with pytest.raises(DeliveryError, match="its code can no longer change") as closed:
        _run(session, attempt, response, Queue(session, Grader()))
    assert closed.value.kind == ErrorKind.CONFLICT
    late, part, response = _code_item(session)
    with pytest.raises(LateAnswer):
        _run(session, late, response, Queue(session, Grader()),
             now=T0 + dt.timedelta(seconds=part.time_limit_seconds + GRACE + 1))
    assert session.exec(select(CodeRun)).all() == []


def test_a_submission_is_final_presents_the_next_item_and_is_graded_on_the_hidden_tests(session):
    attempt, part, response = _code_item(session)
    grader = Grader()
    queue = Queue(session, grader)
    submitted = coding.submit_code(session=session, attempt=attempt, response_id=response.id, code=GOOD,
                                   grace_seconds=GRACE, queue=queue, now=T0)
    assert queue.submitted == [(attempt.id, response.id)] and grader.calls == [("gamma-double", GOOD, "hidden")]
    assert events(session, "code.submitted") == [{"response_id": response.id, "code_sha256": coding._sha(GOOD)}]
    assert events(session, "code.graded") == [{"response_id": response.id, "status": "passed", "passed": 2,
                                               "total": 2, "category": 2}]
    session.expire_all()
    graded = session.get(Response, submitted.id)
    assert (graded.status, graded.score, graded.answer, graded.save_seq) == ("answered", 2.0, {"code": GOOD}, 1)
    assert graded.answered_at == T0 and graded.saved_at == T0
    hidden = session.exec(select(CodeRun).where(CodeRun.kind == "hidden")).one()
    assert (hidden.status, hidden.code_sha256, hidden.result["which"]) == ("done", coding._sha(GOOD), "hidden")
    state = delivery.current_state(session=session, attempt=attempt, grace_seconds=GRACE, now=T0)
    assert state.kind == "item" and state.response.position == 1


def test_submissions_are_limited_per_minute_unless_synthetic(session):
    attempt, _, response = _code_item(session)
    for seconds in (1, 20, 40, 59):
        session.add(Event(attempt_id=attempt.id, kind="code.submitted", payload={},
                          created_at=T0 - dt.timedelta(seconds=seconds)))
    session.add(Event(attempt_id=attempt.id, kind="code.submitted", payload={}, created_at=T0 - dt.timedelta(minutes=2)))
    session.commit()
    with pytest.raises(DeliveryError, match=f"at most {coding.SUBMISSIONS_PER_MINUTE} per minute") as raised:
        coding.submit_code(session=session, attempt=attempt, response_id=response.id, code=GOOD,
                           grace_seconds=GRACE, now=T0)
    assert raised.value.kind == ErrorKind.RATE_LIMITED and raised.value.retry_after == 15
    later = coding.submit_code(session=session, attempt=attempt, response_id=response.id, code=GOOD,
                               grace_seconds=GRACE, now=T0 + dt.timedelta(seconds=2))
    assert later.status == "submitted"


def test_a_submission_without_a_queue_waits_for_the_sweep(session):
    attempt, _, response = _code_item(session)
    coding.submit_code(session=session, attempt=attempt, response_id=response.id, code=BAD, grace_seconds=GRACE,
                       now=T0)
    grader = Grader()
    full = Queue(session, grader, full=True)
    assert coding.queue_pending_grading(session=session, queue=full) == 0 and full.submitted == [
        (attempt.id, response.id)]
    queue = Queue(session, grader)
    assert coding.queue_pending_grading(session=session, queue=queue, limit=0) == 0
    assert coding.queue_pending_grading(session=session, queue=queue) == 1
    session.expire_all()
    graded = session.get(Response, response.id)
    assert (graded.status, graded.score) == ("answered", 0.0)
    assert coding.queue_pending_grading(session=session, queue=queue) == 0


def test_a_grade_is_recorded_once_and_a_sandbox_error_is_retried(session):
    attempt, _, response = _code_item(session)
    coding.submit_code(session=session, attempt=attempt, response_id=response.id, code=GOOD, grace_seconds=GRACE,
                       now=T0)
    broken = Grader(status="sandbox error")
    assert coding.grade_submission(response.id, session=session, grade=broken).status == "sandbox error"
    session.expire_all()
    assert session.get(Response, response.id).status == "submitted"
    assert events(session, "code.graded") == []
    assert coding.grade_submission(response.id, session=session, grade=Grader()).category == 2
    assert coding.grade_submission(response.id, session=session, grade=Grader()) is None  # graded already
    assert coding.grade_submission(10**6, session=session, grade=Grader()) is None  # no such response
    result = Grader()(coding.grading_task(session.get(Item, response.item_id)), BAD, "hidden")
    coding.record_grade(session=session, response_id=response.id, result=result)  # a duplicate job
    coding.record_grade(session=session, response_id=10**6, result=result)
    session.expire_all()
    assert session.get(Response, response.id).score == 2.0
    assert len(session.exec(select(CodeRun).where(CodeRun.kind == "hidden")).all()) == 2


def test_a_grade_landing_after_the_close_rescores_the_section(session):
    attempt, part, response = _code_item(session)
    coding.submit_code(session=session, attempt=attempt, response_id=response.id, code=GOOD, grace_seconds=GRACE,
                       now=T0)
    state = delivery.current_state(session=session, attempt=attempt, grace_seconds=GRACE, now=T0)
    submit(session, attempt, state, right(state.item))
    end = T0 + dt.timedelta(seconds=part.time_limit_seconds + GRACE + 1)
    delivery.sweep_expired(session=session, grace_seconds=GRACE, now=end)
    session.expire_all()
    before = session.get(SectionAttempt, part.id)
    assert before.status == "closed" and before.n_answered == 1
    theta = before.theta
    coding.grade_submission(response.id, session=session, grade=Grader())
    session.expire_all()
    after = session.get(SectionAttempt, part.id)
    assert after.n_answered == 2 and after.theta > theta


def test_queue_grading_says_whether_the_job_was_queued(session):
    grader = Grader()
    assert coding.queue_grading(queue=Queue(session, grader, full=True), response_id=7, attempt_id=3) is False
    queue = Queue(session, grader)
    assert coding.queue_grading(queue=queue, response_id=10**6, attempt_id=3) is True
    assert queue.submitted == [(3, 10**6)]


def test_a_sample_job_runs_the_sample_tests():
    grader = Grader()

    class Task:
        item_id = "t"

    assert coding.sample_job(task=Task(), code=GOOD, session=None, grade=grader).which == "sample"
    assert grader.calls == [("t", GOOD, "sample")]


def test_only_this_attempts_sample_runs_count_toward_its_limit(session):
    other, _, _ = _code_item(session)
    attempt, _, response = _code_item(session)
    for n in range(coding.RUNS_PER_MINUTE):
        session.add(CodeRun(attempt_id=other.id, response_id=response.id, kind="sample", code_sha256="x",
                            created_at=T0))
        session.add(CodeRun(attempt_id=attempt.id, response_id=response.id, kind="hidden", code_sha256="x",
                            created_at=T0))
    session.commit()
    assert _run(session, attempt, response, Queue(session, Grader()))["passed"] == 2
    for n in range(coding.RUNS_PER_MINUTE - 1):
        _run(session, attempt, response, Queue(session, Grader()), seq=n + 2)
    with pytest.raises(DeliveryError) as raised:
        _run(session, attempt, response, Queue(session, Grader()), seq=20)
    assert str(raised.value) == "Too many runs: at most 10 sample runs per minute. Wait a moment and try again."


def test_only_this_attempts_submissions_count_toward_its_limit(session):
    other, _, _ = _code_item(session)
    attempt, _, response = _code_item(session)
    session.add_all([Event(attempt_id=other.id, kind="code.submitted", payload={}, created_at=T0)
                     for _ in range(coding.SUBMISSIONS_PER_MINUTE)])
    session.commit()
    assert coding.submit_code(session=session, attempt=attempt, response_id=response.id, code=GOOD,
                              grace_seconds=GRACE, now=T0).status == "submitted"


def test_a_recorded_grade_is_stamped_with_its_time_and_attempt(session):
    attempt, _, response = _code_item(session)
    coding.submit_code(session=session, attempt=attempt, response_id=response.id, code=GOOD, grace_seconds=GRACE,
                       now=T0)
    task = coding.grading_task(session.get(Item, response.item_id))
    graded_at = T0 + dt.timedelta(minutes=3)
    coding.record_grade(session=session, response_id=response.id, result=Grader()(task, GOOD, "hidden"),
                        now=graded_at)
    hidden = session.exec(select(CodeRun).where(CodeRun.kind == "hidden")).one()
    assert (hidden.created_at, hidden.finished_at, hidden.attempt_id) == (graded_at, graded_at, attempt.id)
    [event] = session.exec(select(Event).where(Event.kind == "code.graded")).all()
    assert event.attempt_id == attempt.id


def test_at_most_a_hundred_pending_grades_are_queued_per_sweep(session):
    attempt, part, response = _code_item(session)
    session.add_all([Response(section_attempt_id=part.id, item_id=response.item_id, position=n, status="submitted",
                              answer={"code": GOOD}) for n in range(1, 102)])
    session.commit()
    queue = Queue(session, Grader(), full=True)
    assert coding.queue_pending_grading(session=session, queue=queue) == 0
    assert len(queue.submitted) == 100


def test_the_refusals_say_exactly_what_is_wrong(session):
    attempt, part, state = on_first_item(session)
    with pytest.raises(DeliveryError) as not_code:
        _run(session, attempt, state.response, Queue(session, Grader()))
    assert str(not_code.value) == "response_id: this item is not a coding item"
    attempt, _, response = _code_item(session)
    session.add_all([Event(attempt_id=attempt.id, kind="code.submitted", payload={},
                           created_at=T0 - dt.timedelta(seconds=1)) for _ in range(4)])
    session.commit()
    with pytest.raises(DeliveryError) as limited:
        coding.submit_code(session=session, attempt=attempt, response_id=response.id, code=GOOD,
                           grace_seconds=GRACE, now=T0)
    assert str(limited.value) == "Too many submissions: at most 4 per minute. Wait a moment and submit again."
    # a submission exactly a minute old no longer counts
    later = T0 + dt.timedelta(minutes=1, seconds=-1)
    submitted = coding.submit_code(session=session, attempt=attempt, response_id=response.id, code=GOOD,
                                   grace_seconds=GRACE, now=later)
    [event] = session.exec(select(Event).where(Event.kind == "code.submitted", Event.payload["response_id"]
                                               .as_integer() == submitted.id)).all()
    assert event.attempt_id == attempt.id
    following = delivery.current_state(session=session, attempt=attempt, grace_seconds=GRACE, now=later)
    assert following.response.presented_at == later
    with pytest.raises(DeliveryError) as closed:
        _run(session, attempt, submitted, Queue(session, Grader()), now=later)
    assert str(closed.value) == "This item is already closed; its code can no longer change."


def test_a_late_sample_run_is_logged_as_a_final_answer(session):
    attempt, part, response = _code_item(session)
    with pytest.raises(LateAnswer):
        _run(session, attempt, response, Queue(session, Grader()),
             now=T0 + dt.timedelta(seconds=part.time_limit_seconds + GRACE + 1))
    assert events(session, "answer.late")[0]["final"] is True


def test_code_with_a_lone_surrogate_is_still_hashed(session):
    attempt, _, response = _code_item(session)
    code = "s = '\ud800'\n"
    assert len(coding._sha(code)) == 64 and coding._sha(code) != coding._sha("s = ''\n")
    coding.submit_code(session=session, attempt=attempt, response_id=response.id, code=code, grace_seconds=GRACE,
                       now=T0)
    assert events(session, "code.submitted")[0]["code_sha256"] == coding._sha(code)


def test_the_operators_log_lines_word_for_word(session, caplog):
    caplog.set_level("INFO", logger="assessment.services.coding")
    attempt, _, response = _code_item(session)

    def broken(task, code, which):
        raise RuntimeError("down")

    with pytest.raises(DeliveryError):
        _run(session, attempt, response, Queue(session, broken))
    coding.queue_grading(queue=Queue(session, Grader(), full=True), response_id=5, attempt_id=attempt.id)
    coding.submit_code(session=session, attempt=attempt, response_id=response.id, code=GOOD, grace_seconds=GRACE,
                       now=T0)
    coding.grade_submission(response.id, session=session, grade=Grader(status="sandbox error"))
    run = session.exec(select(CodeRun).where(CodeRun.kind == "sample")).one()
    mine = [r.getMessage() for r in caplog.records if r.name == "assessment.services.coding"]
    assert mine == [f"sample run {run.id} failed", "grading queue full; response 5 waits for the next sweep",
                               f"sandbox error grading response {response.id}; will retry"]
