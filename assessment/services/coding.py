"""Coding items: run sample tests on demand, submit for grading on the hidden tests, record grades.

The web process never runs a submission: it hands the code to the grading queue (an in-process
pool on the embedded default), which runs it in the sandbox. A submitted response waits in
status "submitted" until its grade is recorded; nothing depends on the job finishing while the
candidate waits, and a section closed in the meantime is re-scored when the grade arrives.
"""
import datetime as dt
import hashlib
import logging
from pathlib import Path

from sqlmodel import Session, func, select

from assessment.content.loader import item_folder
from assessment.grading.grader import GradeResult
from assessment.models import Attempt, CodeRun, Item, Response, SectionAttempt, utcnow
from assessment.services import delivery
from assessment.services.delivery import DeliveryError

log = logging.getLogger(__name__)

#: Sample runs per attempt per minute: enough to iterate, too few to brute-force the grader.
RUNS_PER_MINUTE = 10


def _sha(code: str) -> str:
    return hashlib.sha256(code.encode("utf-8", "replace")).hexdigest()


def item_dir(sections_dir: str | Path, item: Item) -> Path:
    return item_folder(sections_dir, item.section_id, item.item_key)


def _open_code_response(session: Session, attempt: Attempt, response_id, *, grace_seconds: float,
                        now: dt.datetime) -> tuple[Response, Item, SectionAttempt]:
    response, part, item = delivery.find_response(session=session, attempt=attempt, response_id=response_id)
    if item.type != "code":
        raise DeliveryError("response_id: this item is not a coding item", status=400)
    if response.status != "presented":
        raise DeliveryError("This item is already closed; its code can no longer change.", status=409)
    delivery.enforce_deadline(session=session, section_attempt=part, response=response,
                              grace_seconds=grace_seconds, now=now, final=True)
    return response, item, part


def _check_code(code) -> str:
    if not isinstance(code, str):
        raise DeliveryError("code: must be text")
    if len(code) > delivery.MAX_CODE_CHARS:
        raise DeliveryError(f"code: longer than {delivery.MAX_CODE_CHARS} characters", status=413)
    return code


def start_sample_run(*, session: Session, attempt: Attempt, response_id: int, code: str, seq: int,
                     grace_seconds: float, now: dt.datetime | None = None) -> tuple[CodeRun, Item]:
    """Save the code (an autosave with the client's seq, so an older save never wins) and record
    a sample run, within the rate limit."""
    now = now or utcnow()
    code = _check_code(code)
    response, item, _ = _open_code_response(session, attempt, response_id, grace_seconds=grace_seconds, now=now)
    recent = session.exec(select(func.count()).select_from(CodeRun).where(
        CodeRun.attempt_id == attempt.id, CodeRun.kind == "sample",
        CodeRun.created_at > now - dt.timedelta(minutes=1))).one()
    if recent >= RUNS_PER_MINUTE:
        raise DeliveryError(f"Too many runs: at most {RUNS_PER_MINUTE} sample runs per minute. "
                            "Wait a moment and try again.", status=429)
    conflict: list = []
    with delivery.first_writer_wins(session, conflict):
        if seq >= response.save_seq:
            response.answer, response.saved_at, response.save_seq = {"code": code}, now, seq
        run = CodeRun(attempt_id=attempt.id, response_id=response.id, kind="sample", code_sha256=_sha(code),
                      created_at=now)
        session.add(run)
    if conflict:
        raise DeliveryError("Your code was being saved at the same moment; run the tests again.", status=409)
    return run, item


def finish_sample_run(*, session: Session, run: CodeRun, result: GradeResult | None, error: str | None = None) -> dict:
    """Store the run's outcome and return what the candidate sees."""
    run.status, run.finished_at = ("done", utcnow()) if result is not None else ("error", utcnow())
    run.result = result.to_dict() if result is not None else {"error": error}
    session.commit()
    if result is None:
        return {"status": "error", "message": error}
    return public_result(result, show_details=True)


def public_result(result: GradeResult, *, show_details: bool) -> dict:
    """Sample runs show messages and output; hidden runs show names and statuses only."""
    tests = [{"name": t.name, "status": t.status,
              **({"message": t.message, "stdout": t.stdout, "stderr": t.stderr} if show_details else {})}
             for t in result.tests]
    return {"status": result.status, "passed": result.passed, "total": result.total,
            "time_ms": round(result.time_ms), "tests": tests,
            "stopped": result.stopped, **({"stdout": result.stdout, "stderr": result.stderr} if show_details else {})}


def submit_code(*, session: Session, attempt: Attempt, response_id: int, code: str, grace_seconds: float,
                now: dt.datetime | None = None) -> Response:
    """Take the code as final: the response waits for its grade; the next item comes now."""
    now = now or utcnow()
    code = _check_code(code)
    response, _, part = _open_code_response(session, attempt, response_id, grace_seconds=grace_seconds, now=now)
    conflict: list = []
    with delivery.first_writer_wins(session, conflict):
        response.answer, response.saved_at, response.save_seq = {"code": code}, now, response.save_seq + 1
        response.status, response.answered_at = "submitted", now
        delivery.log_event(session, attempt.id, "code.submitted", response_id=response.id, code_sha256=_sha(code))
        session.flush()
        delivery.present_next_item(session=session, attempt=attempt, section_attempt=part, now=now)
    if conflict:
        raise DeliveryError("This item was just submitted from another window; reload the page.", status=409)
    return response


def pending_submissions(*, session: Session, limit: int = 100) -> list[int]:
    """Responses submitted (or closed with saved code) whose grade is not recorded yet."""
    return list(session.exec(select(Response.id).where(Response.status == "submitted")
                             .order_by(Response.id).limit(limit)).all())


def record_grade(*, session: Session, response_id: int, result: GradeResult, now: dt.datetime | None = None) -> None:
    """Store a hidden-test grade: the response's GPCM category; re-score a closed section."""
    now = now or utcnow()
    response = session.get(Response, response_id)
    if response is None or response.status != "submitted":
        return  # graded already (a duplicate job) or gone
    part = session.get(SectionAttempt, response.section_attempt_id, with_for_update=True)
    code = (response.answer or {}).get("code", "")
    session.add(CodeRun(attempt_id=part.attempt_id, response_id=response.id, kind="hidden", status="done",
                        code_sha256=_sha(code), created_at=now, finished_at=now, result=result.to_dict()))
    if result.status == "sandbox error":
        # Not the candidate's fault: leave it submitted so the next sweep grades it again.
        log.error("sandbox error grading response %s; will retry", response_id)
        session.commit()
        return
    response.score, response.status = float(result.category), "answered"
    delivery.log_event(session, part.attempt_id, "code.graded", response_id=response.id, status=result.status,
                       passed=result.passed, total=result.total, category=result.category)
    session.flush()
    if part.status == "closed":
        delivery.apply_section_score(session=session, section_attempt=part)
    session.commit()


def grading_input(*, session: Session, response_id: int, sections_dir: str) -> tuple[Path, str] | None:
    """(item folder, code) for a pending submission, or None if it no longer needs grading."""
    response = session.get(Response, response_id)
    if response is None or response.status != "submitted":
        return None
    item = session.get(Item, response.item_id)
    return item_dir(sections_dir, item), (response.answer or {}).get("code", "")

