"""Taking a test: invitations, attempts, the server clock, presenting items, saving answers.

Every function here re-checks the clock: a section whose deadline has passed is closed on the
next request that touches it (and by the periodic sweep when nobody comes back).
"""
import datetime as dt
import hashlib
from contextlib import contextmanager
import logging
import secrets
from dataclasses import dataclass

import numpy as np
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Session, select

from assessment.grading.objective import AnswerError, is_blank, parse_answer, score_answer
from assessment.models import (
    Assessment,
    AssessmentSection,
    Attempt,
    Event,
    Invitation,
    Item,
    Response,
    Section,
    SectionAttempt,
    utcnow,
)
from assessment.services import adaptive

log = logging.getLogger(__name__)

TOKEN_BYTES = 32  # 256 bits: unguessable, and only its hash is stored


class DeliveryError(Exception):
    """A request that cannot be honoured; `status` is the HTTP status the web layer returns."""

    status = 400

    def __init__(self, message: str, *, status: int | None = None):
        super().__init__(message)
        if status is not None:
            self.status = status


class LateAnswer(DeliveryError):
    status = 409


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def log_event(session: Session, attempt_id: int | None, kind: str, **payload) -> None:
    session.add(Event(attempt_id=attempt_id, kind=kind, payload=payload))


@contextmanager
def first_writer_wins(session: Session, conflict: list):
    """Run a block and commit it; when a concurrent request (a double click, a second tab)
    already made the same change, a unique constraint (or a response's row version) refuses
    this copy: roll it back and append to `conflict` so the caller can answer with what the
    winner stored."""
    try:
        yield
        session.commit()
    except (IntegrityError, StaleDataError):
        session.rollback()
        conflict.append(True)


# --- assessments and invitations -------------------------------------------------------------

def create_assessment(*, session: Session, title: str, section_ids: list[str], mode: str = "adaptive",
                      company_id: int | None = None, public_slug: str | None = None,
                      overrides: dict | None = None) -> Assessment:
    """`overrides` maps section id -> {time_limit_seconds, min_items, max_items}."""
    if mode not in ("adaptive", "fixed"):
        raise DeliveryError(f"mode: {mode!r} is not adaptive or fixed")
    if not section_ids:
        raise DeliveryError("sections: an assessment needs at least one section")
    for section_id in section_ids:
        if session.get(Section, section_id) is None:
            raise DeliveryError(f"sections: unknown section {section_id!r} (run `assessment sections load`)")
    assessment = Assessment(title=title, mode=mode, company_id=company_id, public_slug=public_slug,
                            is_public_practice=public_slug is not None)
    session.add(assessment)
    session.flush()
    for position, section_id in enumerate(section_ids):
        extra = (overrides or {}).get(section_id, {})
        session.add(AssessmentSection(assessment_id=assessment.id, section_id=section_id, position=position, **extra))
    session.commit()
    return assessment


def create_invitation(*, session: Session, assessment: Assessment, email: str | None = None,
                      name: str | None = None, practice: bool = False) -> tuple[Invitation, str]:
    """Returns the invitation and its raw token (shown once; only the hash is stored)."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    invitation = Invitation(assessment_id=assessment.id, token_hash=hash_token(token), email=email, name=name,
                            is_practice=practice)
    session.add(invitation)
    session.commit()
    return invitation, token


def find_invitation(*, session: Session, token: str) -> Invitation | None:
    if not token or len(token) > 128:
        return None
    return session.exec(select(Invitation).where(Invitation.token_hash == hash_token(token))).first()


# --- attempts ---------------------------------------------------------------------------------

def get_or_start_attempt(*, session: Session, invitation: Invitation, now: dt.datetime | None = None) -> Attempt:
    """One attempt per invitation; reopening the link resumes it."""
    now = now or utcnow()
    attempt = session.exec(select(Attempt).where(Attempt.invitation_id == invitation.id)).first()
    if attempt is not None:
        return attempt
    if invitation.expires_at is not None and now > invitation.expires_at:
        raise DeliveryError("This invitation has expired.", status=410)
    conflict: list = []
    with first_writer_wins(session, conflict):
        attempt = Attempt(invitation_id=invitation.id, seed=secrets.randbits(31), started_at=now)
        session.add(attempt)
        session.flush()
        parts = session.exec(select(AssessmentSection, Section).join(Section)
                             .where(AssessmentSection.assessment_id == invitation.assessment_id)
                             .order_by(AssessmentSection.position)).all()
        for part, section in parts:
            session.add(SectionAttempt(
                attempt_id=attempt.id, section_id=section.id, position=part.position,
                time_limit_seconds=part.time_limit_seconds or section.time_limit_seconds,
                min_items=part.min_items or section.min_items, max_items=part.max_items or section.max_items,
                se_target=section.se_target))
        log_event(session, attempt.id, "attempt.started")
    if conflict:
        return session.exec(select(Attempt).where(Attempt.invitation_id == invitation.id)).one()
    return attempt


def section_attempts(*, session: Session, attempt: Attempt) -> list[SectionAttempt]:
    return list(session.exec(select(SectionAttempt).where(SectionAttempt.attempt_id == attempt.id)
                             .order_by(SectionAttempt.position)).all())


def remaining_seconds(section_attempt: SectionAttempt, now: dt.datetime) -> float:
    if section_attempt.deadline_at is None:
        return float(section_attempt.time_limit_seconds)
    return max(0.0, (section_attempt.deadline_at - now).total_seconds())


@dataclass
class AttemptState:
    """What the candidate should see now."""

    kind: str  # "section-intro" | "item" | "finished"
    section: SectionAttempt | None = None
    response: Response | None = None
    item: Item | None = None
    just_closed: list | None = None  # sections closed by the clock during this request


def current_state(*, session: Session, attempt: Attempt, grace_seconds: float, now: dt.datetime | None = None) -> AttemptState:
    """Close what the clock has closed, then say what comes next."""
    now = now or utcnow()
    closed = []
    parts = section_attempts(session=session, attempt=attempt)
    for part in parts:
        if part.status == "active" and now > part.deadline_at + dt.timedelta(seconds=grace_seconds):
            close_section(session=session, section_attempt=part, reason="time", now=now)
            closed.append(part)
    if closed:
        session.commit()
    for part in parts:
        if part.status == "active":
            response = _open_response(session, part)
            if response is None:  # a crash between closing an item and presenting the next
                response = present_next_item(session=session, attempt=attempt, section_attempt=part, now=now)
                session.commit()
                if response is None:
                    continue
            return AttemptState("item", part, response, session.get(Item, response.item_id), closed)
        if part.status == "pending":
            return AttemptState("section-intro", part, just_closed=closed)
    if attempt.status != "completed":
        attempt.status, attempt.finished_at = "completed", now
        log_event(session, attempt.id, "attempt.completed")
        session.commit()
    return AttemptState("finished", just_closed=closed)


def start_section(*, session: Session, attempt: Attempt, position: int, now: dt.datetime | None = None) -> SectionAttempt:
    """Start the clock of the next pending section; starting it twice is harmless."""
    now = now or utcnow()
    parts = section_attempts(session=session, attempt=attempt)
    part = next((p for p in parts if p.position == position), None)
    if part is None:
        raise DeliveryError(f"section: this test has no section {position + 1}", status=404)
    if part.status != "pending":
        return part
    if any(p.status == "active" for p in parts) or any(p.status == "pending" for p in parts if p.position < position):
        raise DeliveryError("section: finish the current section first", status=409)
    conflict: list = []
    with first_writer_wins(session, conflict):
        part.status, part.started_at = "active", now
        part.deadline_at = now + dt.timedelta(seconds=part.time_limit_seconds)
        log_event(session, attempt.id, "section.started", section=part.section_id,
                  deadline=part.deadline_at.isoformat())
        present_next_item(session=session, attempt=attempt, section_attempt=part, now=now)
    if conflict:
        return session.get(SectionAttempt, part.id)  # the other request's start, with its deadline
    return part


def _open_response(session: Session, part: SectionAttempt) -> Response | None:
    return session.exec(select(Response).where(Response.section_attempt_id == part.id,
                                               Response.status == "presented")).first()


def _responses(session: Session, part: SectionAttempt) -> list[tuple[Response, Item]]:
    return list(session.exec(select(Response, Item).join(Item).where(Response.section_attempt_id == part.id)
                             .order_by(Response.position)).all())


def present_next_item(*, session: Session, attempt: Attempt, section_attempt: SectionAttempt,
                      now: dt.datetime) -> Response | None:
    """Choose and store the next item, or close the section when the stopping rule says so."""
    part = section_attempt
    done = _responses(session, part)
    assessment = session.get(Assessment, session.get(Invitation, attempt.invitation_id).assessment_id)
    bank = adaptive.section_bank(session=session, section_id=part.section_id)
    choice = adaptive.choose_next(bank=bank, answered=done, part=part, mode=assessment.mode,
                                 rng=np.random.default_rng([attempt.seed, part.position, len(done)]))
    if choice.stop_reason is not None:
        close_section(session=session, section_attempt=part, reason=choice.stop_reason, now=now)
        return None
    item = session.get(Item, choice.item_id)
    order = None
    if item.type in ("single_choice", "multiple_choice"):
        ids = [o["id"] for o in item.body["options"]]
        order = [ids[i] for i in np.random.default_rng([attempt.seed, item.id]).permutation(len(ids))]
    response = Response(section_attempt_id=part.id, item_id=item.id, position=len(done), option_order=order,
                        presented_at=now)
    session.add(response)
    session.flush()
    return response


def close_section(*, session: Session, section_attempt: SectionAttempt, reason: str, now: dt.datetime) -> None:
    """Close a section and score it. A saved (acknowledged) answer to the item on screen counts,
    saved code is graded like a submission; an item never answered counts as not administered:
    it carries no evidence either way."""
    part = section_attempt
    if part.status == "closed":
        return
    for response, item in _responses(session, part):
        if response.status != "presented":
            continue
        if is_blank(response.answer):
            response.status = "unanswered"
        elif item.type == "code":
            response.status, response.answered_at = "submitted", response.saved_at
        else:
            response.score = score_answer(item.type, item.body, response.answer).score
            response.status, response.answered_at = "answered", response.saved_at
    part.status, part.closed_at, part.close_reason = "closed", now, reason
    session.flush()
    apply_section_score(session=session, section_attempt=part)
    log_event(session, part.attempt_id, "section.closed", section=part.section_id, reason=reason,
              score=part.score, n_answered=part.n_answered)


def apply_section_score(*, session: Session, section_attempt: SectionAttempt) -> None:
    """(Re)compute a section's IRT score from its graded responses; code still being graded
    joins when its grade is recorded."""
    part = section_attempt
    result = adaptive.score_section(_responses(session, part))
    part.theta, part.se = result.theta, result.se
    part.score, part.score_low, part.score_high, part.band = result.score, result.low, result.high, result.band
    part.diagnosis, part.n_answered = result.diagnosis, result.n_answered


# --- answers ----------------------------------------------------------------------------------

@dataclass
class SaveResult:
    response: Response
    saved_seq: int
    final: bool


def find_response(*, session: Session, attempt: Attempt, response_id) -> tuple[Response, SectionAttempt, Item]:
    """The attempt's own presented item, its section (row-locked) and item; 404 for anything else."""
    response = session.get(Response, response_id) if isinstance(response_id, int) else None
    # Row lock (PostgreSQL): two tabs submitting at once must not both present a next item.
    part = session.get(SectionAttempt, response.section_attempt_id, with_for_update=True) if response else None
    if response is None or part is None or part.attempt_id != attempt.id:
        raise DeliveryError("response_id: no such item in this attempt", status=404)
    return response, part, session.get(Item, response.item_id)


def enforce_deadline(*, session: Session, section_attempt: SectionAttempt, response: Response,
                     grace_seconds: float, now: dt.datetime, final: bool) -> None:
    """Refuse anything for a closed section; past the deadline plus grace, record the late
    answer, close the section (committed) and raise LateAnswer."""
    part = section_attempt
    if part.status != "active":
        raise DeliveryError("This section is closed.", status=409)
    if now > part.deadline_at + dt.timedelta(seconds=grace_seconds):
        log_event(session, part.attempt_id, "answer.late", response_id=response.id, section=part.section_id,
                  seconds_late=round((now - part.deadline_at).total_seconds(), 3), final=final)
        close_section(session=session, section_attempt=part, reason="time", now=now)
        session.commit()
        raise LateAnswer("Time is up for this section: the answer arrived after the deadline and was not counted.")


def save_answer(*, session: Session, attempt: Attempt, response_id: int, payload: dict, seq: int, final: bool,
                grace_seconds: float, now: dt.datetime | None = None) -> SaveResult:
    """Save (and, when `final`, submit) an answer. Idempotent: a retried request with the same
    seq returns the same acknowledgement; an older seq never overwrites a newer save."""
    now = now or utcnow()
    response, part, item = find_response(session=session, attempt=attempt, response_id=response_id)
    if response.status != "presented":
        if final and response.status == "answered" and response.save_seq == seq:
            return SaveResult(response, response.save_seq, True)  # a retry of the submit we already took
        raise DeliveryError("This item is already closed; its answer can no longer change.", status=409)
    enforce_deadline(session=session, section_attempt=part, response=response, grace_seconds=grace_seconds,
                     now=now, final=final)
    if final and item.type == "code":
        raise DeliveryError("Code is submitted with the Submit button, which grades it.", status=400)
    answer = parse_answer(item.type, item.body, payload) if item.type != "code" else _code_answer(payload)
    if seq < response.save_seq:
        return SaveResult(response, response.save_seq, False)  # stale retry: the newer save stands
    conflict: list = []
    with first_writer_wins(session, conflict):
        response.answer, response.save_seq, response.saved_at = answer, seq, now
        if final:
            response.score = score_answer(item.type, item.body, answer).score
            response.status, response.answered_at = "answered", now
            session.flush()
            present_next_item(session=session, attempt=attempt, section_attempt=part, now=now)
    if conflict:
        if final:
            raise DeliveryError("This item was just answered from another window; reload the page.", status=409)
        # Two saves crossed (another tab, or a sample run): the page retries this one.
        raise DeliveryError("Another save of this answer was in progress; retrying.", status=503)
    return SaveResult(response, seq, final)


#: Longest code accepted (characters); a real answer to a coding item is a few hundred lines.
MAX_CODE_CHARS = 64 * 1024


def _code_answer(payload: dict) -> dict:
    code = payload.get("code") if isinstance(payload, dict) else None
    if not isinstance(code, str):
        raise AnswerError("answer.code: must be text")
    if len(code) > MAX_CODE_CHARS:
        raise AnswerError(f"answer.code: longer than {MAX_CODE_CHARS} characters")
    return {"code": code}


def sweep_expired(*, session: Session, grace_seconds: float, now: dt.datetime | None = None) -> int:
    """Close every active section whose deadline (plus grace) has passed; returns how many."""
    now = now or utcnow()
    limit = now - dt.timedelta(seconds=grace_seconds)
    parts = session.exec(select(SectionAttempt).where(SectionAttempt.status == "active",
                                                      SectionAttempt.deadline_at < limit)).all()
    for part in parts:
        close_section(session=session, section_attempt=part, reason="time", now=now)
    session.commit()
    return len(parts)


#: A grade races a section's close only within seconds; looking back this far keeps the
#: periodic check to recent sections instead of every response ever stored.
RESCORE_WINDOW = dt.timedelta(hours=1)


def rescore_stale_sections(*, session: Session, now: dt.datetime | None = None) -> int:
    """Re-score recently closed sections whose count of graded responses moved since they were
    scored: a code grade that landed while another request was closing the section."""
    from sqlmodel import func

    recent = select(SectionAttempt.id).where(SectionAttempt.status == "closed",
                                             SectionAttempt.closed_at > (now or utcnow()) - RESCORE_WINDOW)
    graded = (select(Response.section_attempt_id, func.count().label("n"))
              .where(Response.status == "answered", Response.section_attempt_id.in_(recent))
              .group_by(Response.section_attempt_id).subquery())
    stale = session.exec(select(SectionAttempt).join(graded, graded.c.section_attempt_id == SectionAttempt.id)
                         .where(SectionAttempt.n_answered != graded.c.n)).all()
    for part in stale:
        apply_section_score(session=session, section_attempt=part)
    session.commit()
    return len(stale)
