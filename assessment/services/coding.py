"""Coding items: run sample tests on demand, submit for grading on the hidden tests, record grades.

Two use cases, one call each from the web and the workers:
- `run_samples(...)`: save the code, run the sample tests on the grading queue, store and
  return what the candidate sees;
- `submit_code(...)` takes the code as final and queues `grade_submission(response_id, ...)`,
  which the queue's worker runs: grade in the sandbox, record the grade, re-score a closed section.

The web process never runs a submission itself: the queue (passed in) runs it in the sandbox. A
submitted response waits in status "submitted" until its grade is recorded; nothing depends on
the job finishing while the candidate waits, and the sweep re-queues what is still ungraded.
"""
import datetime as dt
import functools
import hashlib
import logging

from sqlmodel import Session, func, select

from assessment.content.coding import MAX_CODE_CHARS, CodingTask, task_from_body
from assessment.grading.grader import GradeResult
from assessment.grading.pool import QueueFull
from assessment.models import Attempt, CodeRun, Event, Item, Response, SectionAttempt, utcnow
from assessment.models.delivery import CodeRunKind, CodeRunStatus, ResponseStatus, SectionStatus
from assessment.services import answering, delivery
from assessment.services.delivery import DeliveryError
from assessment.services.failures import ErrorKind
from assessment.services.transactions import write_transaction

log = logging.getLogger(__name__)

#: Sample runs per attempt per minute: enough to iterate, too few to brute-force the grader.
RUNS_PER_MINUTE = 10
#: Code submissions per attempt per minute: a section has a few coding items, each submitted once.
SUBMISSIONS_PER_MINUTE = 4
#: Seconds a "busy" answer asks the page to wait before retrying.
BUSY_RETRY_SECONDS = 2


def _sha(code: str) -> str:
    return hashlib.sha256(code.encode("utf-8", "replace")).hexdigest()


def grading_task(item: Item) -> CodingTask:
    """The tests of the item version the candidate answered (stored with the version)."""
    return task_from_body(item.item_key, item.body)


def _check_code(code) -> str:
    if not isinstance(code, str):
        raise DeliveryError("code: must be text")
    if len(code) > MAX_CODE_CHARS:
        raise DeliveryError(f"code: longer than {MAX_CODE_CHARS} characters", kind=ErrorKind.TOO_LARGE)
    return code


def _open_code_response(session: Session, attempt: Attempt, response_id, *, grace_seconds: float,
                        now: dt.datetime) -> tuple[Response, Item, SectionAttempt]:
    """Under the attempt's lock: the attempt's coding item on screen, within its deadline."""
    response, part, item = answering.find_response(session=session, attempt=attempt, response_id=response_id)
    if item.type != "code":
        raise DeliveryError("response_id: this item is not a coding item")
    if response.status != ResponseStatus.PRESENTED:
        raise DeliveryError("This item is already closed; its code can no longer change.", kind=ErrorKind.CONFLICT)
    answering.enforce_deadline(session=session, section_attempt=part, response=response,
                               grace_seconds=grace_seconds, now=now, final=True)
    return response, item, part


# --- sample runs ------------------------------------------------------------------------------

def run_samples(*, session: Session, attempt: Attempt, response_id: int, code: str, seq: int,
                grace_seconds: float, queue, now: dt.datetime | None = None) -> dict:
    """Save the code (an autosave with the client's seq, so an older save never wins), run the
    sample tests on `queue` within the per-attempt rate limit, store the run and return what
    the candidate sees. A full queue is BUSY (the page retries); so is a run that failed for a
    reason of ours."""
    now = now or utcnow()
    code = _check_code(code)
    with delivery.attempt_locked(session, attempt.id) as attempt:
        response, item, _ = _open_code_response(session, attempt, response_id, grace_seconds=grace_seconds, now=now)
        recent = session.exec(select(func.count()).select_from(CodeRun).where(
            CodeRun.attempt_id == attempt.id, CodeRun.kind == CodeRunKind.SAMPLE,
            CodeRun.created_at > now - dt.timedelta(minutes=1))).one()
        if recent >= RUNS_PER_MINUTE:
            raise DeliveryError(f"Too many runs: at most {RUNS_PER_MINUTE} sample runs per minute. "
                                "Wait a moment and try again.", kind=ErrorKind.RATE_LIMITED, retry_after=10)
        if seq > response.save_seq:
            response.answer, response.saved_at, response.save_seq = {"code": code}, now, seq
        run = CodeRun(attempt_id=attempt.id, response_id=response.id, kind=CodeRunKind.SAMPLE,
                      code_sha256=_sha(code), created_at=now)
        session.add(run)
    task = grading_task(item)
    timeout = 30 + len(task.cases("sample")) * (task.limits.time_s + 1)
    try:
        result = queue.submit(functools.partial(sample_job, task=task, code=code), attempt.id).result(timeout=timeout)
    except QueueFull:
        _finish_run(session, run, None, "busy")
        raise DeliveryError("The grading servers are busy; retrying in a moment.", kind=ErrorKind.BUSY,
                            retry_after=BUSY_RETRY_SECONDS) from None
    except Exception:  # noqa: BLE001  the candidate gets a clear message; the details go to the log
        log.exception("sample run %s failed", run.id)
        _finish_run(session, run, None, "failed")
        raise DeliveryError("The sample tests could not be run right now. Try again.", kind=ErrorKind.BUSY,
                            retry_after=BUSY_RETRY_SECONDS) from None
    _finish_run(session, run, result, None)
    return public_result(result)


def sample_job(*, task, code: str, session: Session, grade) -> GradeResult:
    """A sample run as a queue job: module level with plain arguments, so a queue on Redis can
    ship it to a worker process."""
    return grade(task, code, "sample")


def _finish_run(session: Session, run: CodeRun, result: GradeResult | None, error: str | None) -> None:
    write_transaction(session)
    run = session.get(CodeRun, run.id)
    run.status = CodeRunStatus.DONE if result is not None else CodeRunStatus.ERROR
    run.finished_at = utcnow()
    run.result = result.to_dict() if result is not None else {"error": error}
    session.commit()


def public_result(result: GradeResult) -> dict:
    """A sample run as the candidate sees it: per-test status, message and output."""
    tests = [{"name": t.name, "status": t.status, "message": t.message, "stdout": t.stdout, "stderr": t.stderr}
             for t in result.tests]
    return {"status": result.status, "passed": result.passed, "total": result.total,
            "time_ms": round(result.time_ms), "tests": tests, "stopped": result.stopped,
            "stdout": result.stdout, "stderr": result.stderr}


# --- submissions and grades ------------------------------------------------------------------

def submit_code(*, session: Session, attempt: Attempt, response_id: int, code: str, grace_seconds: float,
                queue=None, now: dt.datetime | None = None, rate_limited: bool = True) -> Response:
    """Take the code as final (the next item comes now) and queue its grading on `queue`
    (None: left for the sweep to queue). `rate_limited=False` only for synthetic candidates,
    who answer a whole test in a second on the server's own behalf."""
    now = now or utcnow()
    code = _check_code(code)
    with delivery.attempt_locked(session, attempt.id) as attempt:
        recent = session.exec(select(func.count()).select_from(Event).where(
            Event.attempt_id == attempt.id, Event.kind == "code.submitted",
            Event.created_at > now - dt.timedelta(minutes=1))).one()
        if rate_limited and recent >= SUBMISSIONS_PER_MINUTE:
            raise DeliveryError(f"Too many submissions: at most {SUBMISSIONS_PER_MINUTE} per minute. "
                                "Wait a moment and submit again.", kind=ErrorKind.RATE_LIMITED, retry_after=15)
        response, _, part = _open_code_response(session, attempt, response_id, grace_seconds=grace_seconds, now=now)
        response.answer, response.saved_at, response.save_seq = {"code": code}, now, response.save_seq + 1
        response.status, response.answered_at = ResponseStatus.SUBMITTED, now
        delivery.log_event(session, attempt.id, "code.submitted", response_id=response.id, code_sha256=_sha(code))
        session.flush()
        delivery.present_next_item(session=session, attempt=attempt, section_attempt=part, now=now)
    if queue is not None:
        queue_grading(queue=queue, response_id=response.id, attempt_id=attempt.id)
    return response


def queue_grading(*, queue, response_id: int, attempt_id: int) -> bool:
    """Queue `grade_submission` for a response (once, however often asked). A full queue is not
    an error here: the response stays "submitted" and the sweep queues it again."""
    try:
        queue.submit(functools.partial(grade_submission, response_id=response_id), attempt_id, key=response_id)
    except QueueFull:
        log.info("grading queue full; response %s waits for the next sweep", response_id)
        return False
    return True


def queue_pending_grading(*, session: Session, queue, limit: int = 100) -> int:
    """Queue every submission (or section closed with saved code) still waiting for its grade."""
    rows = session.exec(select(Response.id, SectionAttempt.attempt_id).join(SectionAttempt)
                        .where(Response.status == ResponseStatus.SUBMITTED)
                        .order_by(Response.id).limit(limit)).all()
    session.commit()
    return sum(queue_grading(queue=queue, response_id=rid, attempt_id=aid) for rid, aid in rows)


def grade_submission(response_id: int, *, session: Session, grade) -> GradeResult | None:
    """The worker's one call: grade a submitted response on the hidden tests of the item
    version answered (`grade(task, code, which)` runs the sandbox) and record the grade.
    Returns None when there is nothing to grade (graded already, or gone)."""
    response = session.get(Response, response_id)
    if response is None or response.status != ResponseStatus.SUBMITTED:
        session.commit()
        return None
    task = grading_task(session.get(Item, response.item_id))
    code = (response.answer or {}).get("code", "")
    session.commit()  # no transaction stays open while the sandbox runs
    result = grade(task, code, "hidden")
    record_grade(session=session, response_id=response_id, result=result)
    return result


def record_grade(*, session: Session, response_id: int, result: GradeResult, now: dt.datetime | None = None) -> None:
    """Store a hidden-test grade: the response's GPCM category; re-score a closed section. Runs
    under the attempt's lock, so a section closing at the same moment either sees the grade
    or is re-scored here."""
    now = now or utcnow()
    found = session.exec(select(SectionAttempt.attempt_id).join(Response).where(Response.id == response_id)).first()
    session.commit()
    if found is None:
        return
    with delivery.attempt_locked(session, found):
        response = session.get(Response, response_id)
        if response.status != ResponseStatus.SUBMITTED:
            return  # graded already (a duplicate job)
        part = session.get(SectionAttempt, response.section_attempt_id)
        code = (response.answer or {}).get("code", "")
        session.add(CodeRun(attempt_id=part.attempt_id, response_id=response.id, kind=CodeRunKind.HIDDEN,
                            status=CodeRunStatus.DONE, code_sha256=_sha(code), created_at=now, finished_at=now,
                            result=result.to_dict()))
        if result.status == "sandbox error":
            # Not the candidate's fault: leave it submitted so the next sweep grades it again.
            log.error("sandbox error grading response %s; will retry", response_id)
            return
        response.score, response.status = float(result.category), ResponseStatus.ANSWERED
        delivery.log_event(session, part.attempt_id, "code.graded", response_id=response.id, status=result.status,
                           passed=result.passed, total=result.total, category=result.category)
        session.flush()
        if part.status == SectionStatus.CLOSED:
            delivery.apply_section_score(session=session, section_attempt=part)
