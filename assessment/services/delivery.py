"""Taking a test: invitations, attempts, the server clock, presenting items and closing
sections (saving answers is in `answering`).

Every function here re-checks the clock: a section whose deadline has passed is closed on the
next request that touches it (and by the periodic sweep when nobody comes back).

Every state change of an attempt (begin, start a section, present the next item, save or finish
an answer, close a section, record a grade) runs inside `attempt_locked`: the attempt's row lock
(SQLite: the write lock) is taken before anything is read, so two requests that race (a double
click, two tabs, a retried request, a grade landing while the section closes) are serialized
and the second one sees what the first one did.
"""
import datetime as dt
import hashlib
import secrets
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Session, func, select

from assessment.content.answers import is_blank, score_answer
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
from assessment.models.delivery import AssessmentMode, AttemptStatus, ResponseStatus, SectionStatus
from assessment.services import adaptive
from assessment.services.failures import ErrorKind, ServiceError
from assessment.services.transactions import write_transaction

TOKEN_BYTES = 32  # 256 bits: unguessable, and only its hash is stored

#: Largest id any table holds: ids are INTEGER columns, 32-bit on PostgreSQL. A larger number in
#: a request names nothing; it is refused before it reaches the database driver.
MAX_ID = 2**31 - 1


class DeliveryError(ServiceError):
    """A request of the test's delivery that cannot be honoured (kind: see failures.ErrorKind)."""


class LateAnswer(DeliveryError):
    kind = ErrorKind.CONFLICT


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def log_event(session: Session, attempt_id: int | None, kind: str, **payload) -> None:
    session.add(Event(attempt_id=attempt_id, kind=kind, payload=payload))


@contextmanager
def attempt_locked(session: Session, attempt_id: int):
    """A transaction that holds the attempt's lock from before its first read and commits at
    the end (rolls back on any error). A writer that did not take the lock and collided anyway
    (a response's row version, a unique constraint) is answered as "busy": the page retries."""
    write_transaction(session)
    try:
        attempt = session.exec(select(Attempt).where(Attempt.id == attempt_id).with_for_update()).one()
        yield attempt
        session.commit()
    except (IntegrityError, StaleDataError):
        session.rollback()
        raise DeliveryError("Another request changed this test at the same moment; retrying.",
                            kind=ErrorKind.BUSY) from None
    except BaseException:
        session.rollback()
        raise


# --- assessments and invitations -------------------------------------------------------------

def create_assessment(*, session: Session, title: str, section_ids: list[str], mode: str = AssessmentMode.ADAPTIVE,
                      company_id: int | None = None, public_slug: str | None = None,
                      overrides: dict | None = None) -> Assessment:
    """`overrides` maps section id -> {time_limit_seconds, min_items, max_items}."""
    write_transaction(session)  # reads, then writes: SQLite must not hand this a stale snapshot
    if mode not in tuple(AssessmentMode):
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
    write_transaction(session)
    invitation = Invitation(assessment_id=assessment.id, token_hash=hash_token(token), email=email, name=name,
                            is_practice=practice)
    session.add(invitation)
    session.commit()
    return invitation, token


#: The invitation a link names: its token's hash, not revoked (a revoked invitation is no
#: invitation: the same 404 as a link that never existed). Bound to `token_params(token)`.
LIVE_TOKEN = (Invitation.token_hash == sa.bindparam("token_hash")) & Invitation.revoked_at.is_(None)


def token_params(token: str) -> dict | None:
    """The parameters of `LIVE_TOKEN` for a token, or None for a token no link can have."""
    if not token or len(token) > 128:
        return None
    return {"token_hash": hash_token(token)}


def find_invitation(*, session: Session, token: str) -> Invitation | None:
    params = token_params(token)
    return session.exec(select(Invitation).where(LIVE_TOKEN), params=params).first() if params else None


@dataclass
class Visit:
    """Who opened a /t/<token> link: the invitation, its assessment and the attempt if begun."""

    invitation: Invitation
    assessment: Assessment
    attempt: Attempt | None


INVALID_LINK = "This test link is not valid. Check that you copied the whole link."

#: Built once: every candidate request runs it, and building it costs more than running it.
_OPEN_VISIT = (select(Invitation, Assessment, Attempt)
               .join(Assessment, Assessment.id == Invitation.assessment_id)
               .outerjoin(Attempt, Attempt.invitation_id == Invitation.id)
               .where(LIVE_TOKEN))


def open_invitation(*, session: Session, token: str) -> Visit:
    """Every candidate request starts here: one query for the invitation, its assessment and
    the attempt if begun."""
    params, row = token_params(token), None
    if params is not None:
        row = session.exec(_OPEN_VISIT, params=params).first()
    if row is None:
        raise DeliveryError(INVALID_LINK, kind=ErrorKind.NOT_FOUND)
    return Visit(*row)


#: Practice attempts one client may create per hour: plenty for a person, useless for a flood.
PRACTICE_PER_HOUR = 10


def practice_assessments(*, session: Session) -> list[Assessment]:
    return list(session.exec(select(Assessment).where(Assessment.is_public_practice)).all())


def find_practice(*, session: Session, slug: str) -> Assessment:
    assessment = session.exec(select(Assessment).where(Assessment.public_slug == slug,
                                                       Assessment.is_public_practice)).first()
    if assessment is None:
        raise DeliveryError("There is no practice test at this address.", kind=ErrorKind.NOT_FOUND)
    return assessment


def create_practice_invitation(*, session: Session, slug: str, client_key: str,
                               now: dt.datetime | None = None) -> str:
    """A private practice link for one visitor; `client_key` identifies the client (e.g. a hash
    of its address) so that one client cannot create attempts without bound."""
    now = now or utcnow()
    write_transaction(session)  # the count and the insert in one transaction: no burst slips past the limit
    assessment = find_practice(session=session, slug=slug)
    client = hash_token(client_key)[:32]
    recent = session.exec(select(func.count()).select_from(Event).where(
        Event.kind == "practice.created", Event.created_at > now - dt.timedelta(hours=1),
        Event.payload["client"].as_string() == client)).one()
    if recent >= PRACTICE_PER_HOUR:
        raise DeliveryError(f"Too many practice tests started from here: at most {PRACTICE_PER_HOUR} per hour. "
                            "Continue one you already started, or try again later.",
                            kind=ErrorKind.RATE_LIMITED, retry_after=600)
    token = secrets.token_urlsafe(TOKEN_BYTES)
    invitation = Invitation(assessment_id=assessment.id, token_hash=hash_token(token), is_practice=True)
    session.add(invitation)
    session.flush()
    log_event(session, None, "practice.created", client=client, invitation_id=invitation.id)
    session.commit()
    return token


def overview(*, session: Session, assessment: Assessment, time_multiplier: float = 1.0) -> list[dict]:
    """The sections of an assessment as the start page lists them (times include the
    invitation's accommodation multiplier)."""
    rows = session.exec(select(AssessmentSection, Section).join(Section)
                        .where(AssessmentSection.assessment_id == assessment.id)
                        .order_by(AssessmentSection.position)).all()
    return [{"title": s.title, "description": s.description,
             "minutes": round((p.time_limit_seconds or s.time_limit_seconds) * time_multiplier / 60),
             "min_items": p.min_items or s.min_items, "max_items": p.max_items or s.max_items}
            for p, s in rows]


# --- attempts ---------------------------------------------------------------------------------

def get_or_start_attempt(*, session: Session, invitation: Invitation, now: dt.datetime | None = None) -> Attempt:
    """One attempt per invitation; reopening the link resumes it."""
    now = now or utcnow()
    write_transaction(session)  # two begins at once: the second one waits and finds the first's attempt
    try:
        attempt = session.exec(select(Attempt).where(Attempt.invitation_id == invitation.id)).first()
        if attempt is not None:
            session.commit()
            return attempt
        if invitation.expires_at is not None and now > invitation.expires_at:
            raise DeliveryError("This invitation has expired.", kind=ErrorKind.GONE)
        attempt = Attempt(invitation_id=invitation.id, seed=secrets.randbits(31), started_at=now)
        session.add(attempt)
        session.flush()
        parts = session.exec(select(AssessmentSection, Section).join(Section)
                             .where(AssessmentSection.assessment_id == invitation.assessment_id)
                             .order_by(AssessmentSection.position)).all()
        for part, section in parts:
            session.add(SectionAttempt(
                attempt_id=attempt.id, section_id=section.id, position=part.position,
                # The invitation's accommodation (e.g. 1.5x) is applied here, by the server clock.
                time_limit_seconds=round((part.time_limit_seconds or section.time_limit_seconds)
                                         * invitation.time_multiplier),
                min_items=part.min_items or section.min_items, max_items=part.max_items or section.max_items,
                se_target=section.se_target))
        log_event(session, attempt.id, "attempt.started")
        session.commit()
        return attempt
    except IntegrityError:  # PostgreSQL: the other begin inserted first (unique invitation_id)
        session.rollback()
        return session.exec(select(Attempt).where(Attempt.invitation_id == invitation.id)).one()
    except BaseException:
        session.rollback()
        raise


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


def _expired(part: SectionAttempt, now: dt.datetime, grace_seconds: float) -> bool:
    return part.status == SectionStatus.ACTIVE and now > part.deadline_at + dt.timedelta(seconds=grace_seconds)


def _needs_settling(session: Session, attempt: Attempt, parts: list[SectionAttempt], grace_seconds: float,
                    now: dt.datetime) -> bool:
    """Whether the clock or a crash left something to write: read without the lock, so that an
    ordinary page view does not queue behind other writers."""
    for part in parts:
        if _expired(part, now, grace_seconds):
            return True
        if part.status == SectionStatus.ACTIVE and _open_response(session, part) is None:
            return True
    if attempt.status != AttemptStatus.COMPLETED:
        return all(p.status == SectionStatus.CLOSED for p in parts)
    return False


def _settle(session: Session, attempt: Attempt, grace_seconds: float, now: dt.datetime) -> list:
    """Under the attempt's lock: close what the clock has closed, present an item where a crash
    left an active section without one, complete a finished attempt. Returns the closed parts."""
    closed = []
    parts = section_attempts(session=session, attempt=attempt)
    for part in parts:
        if _expired(part, now, grace_seconds):
            close_section(session=session, section_attempt=part, reason="time", now=now)
            closed.append(part)
    for part in parts:
        if part.status == SectionStatus.ACTIVE and _open_response(session, part) is None:
            present_next_item(session=session, attempt=attempt, section_attempt=part, now=now)
    if attempt.status != AttemptStatus.COMPLETED and all(p.status == SectionStatus.CLOSED for p in parts):
        attempt.status, attempt.finished_at = AttemptStatus.COMPLETED, now
        log_event(session, attempt.id, "attempt.completed")
    return closed


def current_state(*, session: Session, attempt: Attempt, grace_seconds: float, now: dt.datetime | None = None) -> AttemptState:
    """Close what the clock has closed, then say what comes next."""
    now = now or utcnow()
    closed: list = []
    parts = section_attempts(session=session, attempt=attempt)
    if _needs_settling(session, attempt, parts, grace_seconds, now):
        with attempt_locked(session, attempt.id) as attempt:
            closed = _settle(session, attempt, grace_seconds, now)
        parts = section_attempts(session=session, attempt=attempt)
    for part in parts:
        if part.status == SectionStatus.ACTIVE:
            response = _open_response(session, part)
            return AttemptState("item", part, response, session.get(Item, response.item_id), closed)
        if part.status == SectionStatus.PENDING:
            return AttemptState("section-intro", part, just_closed=closed)
    return AttemptState("finished", just_closed=closed)


def start_section(*, session: Session, attempt: Attempt, position: int, now: dt.datetime | None = None) -> SectionAttempt:
    """Start the clock of the next pending section. Exactly one of several concurrent starts
    (a double click, two tabs, a retry) starts it; the others see the started section."""
    now = now or utcnow()
    with attempt_locked(session, attempt.id) as attempt:
        parts = section_attempts(session=session, attempt=attempt)
        part = next((p for p in parts if p.position == position), None)
        if part is None:
            raise DeliveryError(f"section: this test has no section {position + 1}", kind=ErrorKind.NOT_FOUND)
        if part.status != SectionStatus.PENDING:
            return part
        if any(p.status == SectionStatus.ACTIVE for p in parts) or any(
                p.status == SectionStatus.PENDING for p in parts if p.position < position):
            raise DeliveryError("section: finish the current section first", kind=ErrorKind.CONFLICT)
        part.status, part.started_at = SectionStatus.ACTIVE, now
        part.deadline_at = now + dt.timedelta(seconds=part.time_limit_seconds)
        log_event(session, attempt.id, "section.started", section=part.section_id,
                  deadline=part.deadline_at.isoformat())
        present_next_item(session=session, attempt=attempt, section_attempt=part, now=now)
    return part


def _open_response(session: Session, part: SectionAttempt) -> Response | None:
    return session.exec(select(Response).where(Response.section_attempt_id == part.id,
                                               Response.status == ResponseStatus.PRESENTED)).first()


def _responses(session: Session, part: SectionAttempt) -> list[tuple[Response, Item]]:
    return list(session.exec(select(Response, Item).join(Item).where(Response.section_attempt_id == part.id)
                             .order_by(Response.position)).all())


def present_next_item(*, session: Session, attempt: Attempt, section_attempt: SectionAttempt,
                      now: dt.datetime) -> Response | None:
    """Choose and store the next item, or close the section when the stopping rule says so.
    Only call it under `attempt_locked`."""
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
    it carries no evidence either way. Only call it under `attempt_locked`."""
    part = section_attempt
    if part.status == SectionStatus.CLOSED:
        return
    for response, item in _responses(session, part):
        if response.status != ResponseStatus.PRESENTED:
            continue
        if is_blank(response.answer):
            response.status = ResponseStatus.UNANSWERED
        elif item.type == "code":
            response.status, response.answered_at = ResponseStatus.SUBMITTED, response.saved_at
        else:
            response.score = score_answer(item.type, item.body, response.answer).score
            response.status, response.answered_at = ResponseStatus.ANSWERED, response.saved_at
    part.status, part.closed_at, part.close_reason = SectionStatus.CLOSED, now, reason
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


# --- pages ------------------------------------------------------------------------------------

@dataclass
class Page:
    """Everything a candidate page shows, as plain data for the template."""

    kind: str  # "start" | "section-intro" | "item" | "finished"
    assessment: Assessment
    sections: list | None = None       # the start page's overview
    parts: list | None = None
    titles: dict | None = None
    just_closed: list | None = None
    part: SectionAttempt | None = None
    response: Response | None = None
    item: Item | None = None
    options: list | None = None        # [{"value", "text", "checked"}]: never the bank's option ids
    remaining: float | None = None
    time_multiplier: float = 1.0       # the invitation's accommodation, told on the start page


def _titles(session: Session, parts: list[SectionAttempt]) -> dict:
    ids = {p.section_id for p in parts}
    return {s.id: s.title for s in session.exec(select(Section).where(Section.id.in_(ids))).all()}


def page(*, session: Session, visit: Visit, grace_seconds: float, now: dt.datetime | None = None) -> Page:
    """What /t/<token> shows now: the start page, a section's intro, the item on screen, or
    "finished" (the caller sends the candidate to the results)."""
    now = now or utcnow()
    if visit.attempt is None:
        multiplier = visit.invitation.time_multiplier
        return Page("start", visit.assessment, time_multiplier=multiplier,
                    sections=overview(session=session, assessment=visit.assessment, time_multiplier=multiplier))
    state = current_state(session=session, attempt=visit.attempt, grace_seconds=grace_seconds, now=now)
    if state.kind == "finished":
        return Page("finished", visit.assessment)
    parts = section_attempts(session=session, attempt=visit.attempt)
    common = dict(parts=parts, titles=_titles(session, parts), just_closed=state.just_closed or [],
                  part=state.section)
    if state.kind == "section-intro":
        return Page("section-intro", visit.assessment, **common)
    return Page("item", visit.assessment, response=state.response, item=state.item,
                options=shown_options(state.item, state.response),
                remaining=remaining_seconds(state.section, now), **common)


def clock(*, session: Session, visit: Visit, grace_seconds: float, now: dt.datetime | None = None) -> dict:
    """The server's clock for the page's countdown: the browser only displays it."""
    now = now or utcnow()
    if visit.attempt is None:
        return {"status": "not-started"}
    state = current_state(session=session, attempt=visit.attempt, grace_seconds=grace_seconds, now=now)
    if state.kind != "item":
        return {"status": state.kind, "section_closed": True}
    return {"status": "active", "section": state.section.position, "response_id": state.response.id,
            "remaining_seconds": round(remaining_seconds(state.section, now), 3)}


def results(*, session: Session, visit: Visit, grace_seconds: float) -> dict | None:
    """The results page's data, or None while the attempt is not finished."""
    if visit.attempt is None:
        return None
    if current_state(session=session, attempt=visit.attempt, grace_seconds=grace_seconds).kind != "finished":
        return None
    parts = section_attempts(session=session, attempt=visit.attempt)
    sections = {s.id: s for s in session.exec(select(Section).where(
        Section.id.in_({p.section_id for p in parts}))).all()}
    grading = session.exec(select(func.count()).select_from(Response).where(
        Response.section_attempt_id.in_([p.id for p in parts]), Response.status == ResponseStatus.SUBMITTED)).one()
    skill_titles = {sid: {sk["id"]: sk["title"] for sk in s.skills} for sid, s in sections.items()}
    return {"assessment": visit.assessment, "parts": parts, "sections": sections,
            "skill_titles_by_section": skill_titles, "grading": grading}


# --- options: opaque values on the page ------------------------------------------------------

def shown_options(item: Item, response: Response) -> list[dict]:
    """The options in the attempt's order. Each input's value is its shown position ("1", "2",
    ...), never the bank's option id: the ids follow the bank's key positions, the shown
    positions follow this attempt's shuffle (`answering._from_shown` maps them back). Only the
    text reaches the page: never the key or the misconception notes."""
    by_id = {o["id"]: o for o in item.body.get("options", [])}
    saved = response.answer or {}
    chosen = set(saved.get("choices") or []) | ({saved["choice"]} if saved.get("choice") else set())
    return [{"value": str(n), "text": by_id[oid]["text"], "checked": oid in chosen}
            for n, oid in enumerate(response.option_order or [], start=1)]


# --- the sweep and re-scoring -------------------------------------------------------------------

def sweep_expired(*, session: Session, grace_seconds: float, now: dt.datetime | None = None) -> int:
    """Close every active section whose deadline (plus grace) has passed; returns how many."""
    now = now or utcnow()
    limit = now - dt.timedelta(seconds=grace_seconds)
    candidates = session.exec(select(SectionAttempt.id, SectionAttempt.attempt_id).where(
        SectionAttempt.status == SectionStatus.ACTIVE, SectionAttempt.deadline_at < limit)).all()
    session.commit()
    closed = 0
    for part_id, attempt_id in candidates:
        with attempt_locked(session, attempt_id):
            part = session.get(SectionAttempt, part_id)  # re-read under the lock: a request may have closed it
            if _expired(part, now, grace_seconds):
                close_section(session=session, section_attempt=part, reason="time", now=now)
                closed += 1
    return closed


#: A grade races a section's close only within seconds; looking back this far keeps the
#: periodic check to recent sections instead of every response ever stored.
RESCORE_WINDOW = dt.timedelta(hours=1)


def rescore_stale_sections(*, session: Session, now: dt.datetime | None = None) -> int:
    """Re-score recently closed sections whose count of graded responses moved since they were
    scored: a grade recorded after the section's score was computed."""
    recent = select(SectionAttempt.id).where(SectionAttempt.status == SectionStatus.CLOSED,
                                             SectionAttempt.closed_at > (now or utcnow()) - RESCORE_WINDOW)
    graded = (select(Response.section_attempt_id, func.count().label("n"))
              .where(Response.status == ResponseStatus.ANSWERED, Response.section_attempt_id.in_(recent))
              .group_by(Response.section_attempt_id).subquery())
    stale = session.exec(select(SectionAttempt.id, SectionAttempt.attempt_id)
                         .join(graded, graded.c.section_attempt_id == SectionAttempt.id)
                         .where(func.coalesce(SectionAttempt.n_answered, -1) != graded.c.n)).all()
    session.commit()
    for part_id, attempt_id in stale:
        with attempt_locked(session, attempt_id):
            apply_section_score(session=session, section_attempt=session.get(SectionAttempt, part_id))
    return len(stale)
