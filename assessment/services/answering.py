"""Answering items: autosaved drafts and final answers, under the section's deadline.

Most of the traffic of a test is here (a draft every few seconds per candidate), so the common
autosave runs as statements built once (`_save_draft`, and `_save_draft_by_link` for the web's,
which on SQLite, whose write lock is one for the whole database, holds it for one UPDATE); every other case goes
through the general path under the attempt's lock (`delivery.attempt_locked`), which decides
from values that only move one way (status, sequence number, deadline). Saves are idempotent: a retried
request gets the same acknowledgement, an older sequence number never overwrites a newer save.
"""
import datetime as dt
from dataclasses import dataclass
from typing import NamedTuple

import sqlalchemy as sa
from sqlmodel import Session, select

from assessment.content.answers import AnswerError, parse_answer, score_answer
from assessment.content.coding import MAX_CODE_CHARS
from assessment.models import Attempt, Invitation, Item, Response, SectionAttempt, utcnow
from assessment.models.delivery import ResponseStatus, SectionStatus
from assessment.services.delivery import (
    INVALID_LINK,
    LIVE_TOKEN,
    MAX_ID,
    DeliveryError,
    LateAnswer,
    attempt_locked,
    close_section,
    log_event,
    present_next_item,
    token_params,
)
from assessment.services.failures import ErrorKind
from assessment.services.transactions import DriverStatement, write_transaction


def _from_shown(order: list | None, item_type: str, payload: dict) -> dict:
    """Map the page's option values (shown positions) back to the bank's option ids."""
    order = order or []

    def option(value, field: str):
        if isinstance(value, str) and value.isdigit() and 1 <= int(value) <= len(order):
            return order[int(value) - 1]
        raise AnswerError(f"answer.{field}: {str(value)[:40]!r} is not an option of this item")

    if item_type == "single_choice" and payload.get("choice") not in (None, ""):
        return {**payload, "choice": option(payload["choice"], "choice")}
    if item_type == "multiple_choice" and payload.get("choices") is not None:
        choices = payload["choices"]
        if isinstance(choices, str):
            choices = [choices]
        if not isinstance(choices, list):
            raise AnswerError("answer.choices: must be a list of options")
        return {**payload, "choices": [option(c, "choices") for c in choices]}
    return payload


@dataclass
class SaveResult:
    """What a save stored: the answer and its seq (the newer one when a stale save was ignored)."""

    response_id: int
    answer: dict | None
    saved_seq: int
    final: bool

    @property
    def saved_value(self):
        """The numeric value as stored (e.g. 0.5 for "0,5"), so the page can show what counts."""
        return (self.answer or {}).get("value")


def check_id(value, field: str) -> int:
    """An id from a request: a whole number in the column's range, else a clear refusal."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise DeliveryError(f"{field}: must be a whole number")
    if not 1 <= value <= MAX_ID:
        raise DeliveryError(f"{field}: out of range (1 to {MAX_ID})")
    return value


def find_response(*, session: Session, attempt: Attempt, response_id) -> tuple[Response, SectionAttempt, Item]:
    """The attempt's own presented item, its section and item; NOT_FOUND for anything else."""
    check_id(response_id, "response_id")
    row = session.exec(select(Response, SectionAttempt, Item)
                       .join(SectionAttempt, SectionAttempt.id == Response.section_attempt_id)
                       .join(Item, Item.id == Response.item_id)
                       .where(Response.id == response_id, SectionAttempt.attempt_id == attempt.id)).first()
    if row is None:
        raise DeliveryError("response_id: no such item in this attempt", kind=ErrorKind.NOT_FOUND)
    return tuple(row)


def enforce_deadline(*, session: Session, section_attempt: SectionAttempt, response: Response,
                     grace_seconds: float, now: dt.datetime, final: bool) -> None:
    """Refuse anything for a closed section; past the deadline plus grace, record the late
    answer, close the section (committed) and raise LateAnswer. Call it under `attempt_locked`."""
    part = section_attempt
    if part.status != SectionStatus.ACTIVE:
        raise DeliveryError("This section is closed.", kind=ErrorKind.CONFLICT)
    if now > part.deadline_at + dt.timedelta(seconds=grace_seconds):
        log_event(session, part.attempt_id, "answer.late", response_id=response.id, section=part.section_id,
                  seconds_late=round((now - part.deadline_at).total_seconds(), 3), final=final)
        close_section(session=session, section_attempt=part, reason="time", now=now)
        session.commit()
        raise LateAnswer("Time is up for this section: the answer arrived after the deadline and was not counted.")


def save_answer(*, session: Session, attempt: Attempt, response_id: int, payload: dict, seq: int, final: bool,
                grace_seconds: float, shown: bool = False, now: dt.datetime | None = None) -> SaveResult:
    """Save (and, when `final`, submit) an answer. Idempotent: a retried request (same seq, same
    answer) gets the same acknowledgement; the same seq with a different answer is refused; an
    older seq never overwrites a newer save. `shown`: the payload names options by their shown
    positions (the page), not by the bank's option ids."""
    _check_save(response_id, seq)
    attempt_id = attempt.id
    write_transaction(session)
    return _save(session, attempt_id, response_id, payload, seq, final, grace_seconds, shown, now or utcnow())


#: The attempt of a link, locked (FOR UPDATE OF attempt on PostgreSQL; on SQLite the write
#: transaction is the lock), by the rule of `LIVE_TOKEN`; `_LINK` tells why there is none.
_LOCKED_ATTEMPT_OF_LINK = (sa.select(Attempt.id).join(Invitation, Invitation.id == Attempt.invitation_id)
                           .where(LIVE_TOKEN).with_for_update(of=Attempt))
_LINK = sa.select(Invitation.id).where(LIVE_TOKEN)


def save_answer_for_link(*, session: Session, token: str, response_id: int, payload: dict, seq: int, final: bool,
                         grace_seconds: float, shown: bool = False, now: dt.datetime | None = None) -> SaveResult:
    """`save_answer` for the attempt a candidate's link names, found and locked by the save's
    first statement: the answer route is most of the traffic, and a separate lookup of the visit
    first (its own transaction, three ORM objects) cost as much as the save."""
    params = token_params(token)
    if params is None:
        raise DeliveryError(INVALID_LINK, kind=ErrorKind.NOT_FOUND)
    _check_save(response_id, seq)
    now = now or utcnow()
    if not final:
        saved = _save_draft_by_link(session, params, response_id, payload, seq, shown, grace_seconds, now)
        if saved is not None:
            return saved
    write_transaction(session)
    connection = session.connection()
    attempt_id = connection.execute(_LOCKED_ATTEMPT_OF_LINK, params).scalar()
    if attempt_id is None:
        link = connection.execute(_LINK, params).first()
        session.rollback()
        if link is None:
            raise DeliveryError(INVALID_LINK, kind=ErrorKind.NOT_FOUND)
        raise DeliveryError("Begin the test first.", kind=ErrorKind.CONFLICT)
    return _save(session, attempt_id, response_id, payload, seq, final, grace_seconds, shown, now, locked=True)


def _check_save(response_id, seq) -> None:
    check_id(response_id, "response_id")
    if isinstance(seq, bool) or not isinstance(seq, int) or not 0 <= seq <= MAX_ID:
        raise DeliveryError("seq: out of range")


def _save(session: Session, attempt_id: int, response_id: int, payload: dict, seq: int, final: bool,
          grace_seconds: float, shown: bool, now: dt.datetime, locked: bool = False) -> SaveResult:
    """`save_answer`'s work, in the write transaction the caller began (ids and seq checked;
    `locked`: the caller already holds the attempt's lock in it)."""
    if not final:
        saved = _save_draft(session, attempt_id, response_id, payload, seq, shown, grace_seconds, now, locked)
        if saved is not None:
            return saved
    with attempt_locked(session, attempt_id) as attempt:
        response, part, item = find_response(session=session, attempt=attempt, response_id=response_id)
        if item.type == "code":
            answer = _code_answer(payload)
        else:
            answer = parse_answer(item.type, item.body, _from_shown(response.option_order, item.type, payload) if shown else payload)
        if response.status != ResponseStatus.PRESENTED:
            if final and response.status == ResponseStatus.ANSWERED and response.save_seq == seq \
                    and response.answer == answer:
                return SaveResult(response.id, response.answer, response.save_seq, True)  # a retry of the submit we already took
            raise DeliveryError("This item is already closed; its answer can no longer change.",
                                kind=ErrorKind.CONFLICT)
        enforce_deadline(session=session, section_attempt=part, response=response, grace_seconds=grace_seconds,
                         now=now, final=final)
        if final and item.type == "code":
            raise DeliveryError("Code is submitted with the Submit button, which grades it.")
        if seq < response.save_seq:
            return SaveResult(response.id, response.answer, response.save_seq, False)  # stale retry: the newer save stands
        if seq == response.save_seq and seq > 0:
            if response.answer != answer:  # not a retry: a different answer under a used number
                raise DeliveryError(f"seq: {seq} was already used for a different answer; reload the page.",
                                    kind=ErrorKind.CONFLICT)
            if not final:
                return SaveResult(response.id, response.answer, seq, False)  # the same save, retried
        response.answer, response.save_seq, response.saved_at = answer, seq, now
        if final:
            response.score = score_answer(item.type, item.body, answer).score
            response.status, response.answered_at = ResponseStatus.ANSWERED, now
            session.flush()
            present_next_item(session=session, attempt=attempt, section_attempt=part, now=now)
    return SaveResult(response.id, answer, seq, final)


#: The autosave's statements (`_save_draft`), built once: SQLAlchemy then reuses their compiled form.
_RESPONSE, _PART, _ITEM, _ATTEMPT = (Response.__table__, SectionAttempt.__table__, Item.__table__,
                                     Attempt.__table__)
_LOCK_ATTEMPT = sa.select(_ATTEMPT.c.id).where(_ATTEMPT.c.id == sa.bindparam("attempt_id")).with_for_update()
_DRAFT_COLUMNS = (_RESPONSE.c.status, _RESPONSE.c.save_seq, _RESPONSE.c.row_version, _RESPONSE.c.option_order,
                  _ITEM.c.type, _ITEM.c.body, _PART.c.status.label("part_status"), _PART.c.deadline_at)
_READ_DRAFT = (sa.select(*_DRAFT_COLUMNS)
               .join(_PART, _PART.c.id == _RESPONSE.c.section_attempt_id)
               .join(_ITEM, _ITEM.c.id == _RESPONSE.c.item_id)
               .where(_RESPONSE.c.id == sa.bindparam("response_id"), _PART.c.attempt_id == sa.bindparam("attempt_id")))
_WRITE_DRAFT = (_RESPONSE.update()
                .where(_RESPONSE.c.id == sa.bindparam("response_id"), _RESPONSE.c.row_version == sa.bindparam("version"))
                .values(answer=sa.bindparam("new_answer"), save_seq=sa.bindparam("new_seq"),
                        saved_at=sa.bindparam("new_saved_at"), row_version=sa.bindparam("new_version")))

#: The web's autosave (`_save_draft_by_link`). The read, on the first autosave of an item by a
#: link: the draft, its item and section, found by the link. The UPDATE, on every autosave:
#: the draft written if it is still the common case, every condition re-checked in the statement
#: itself (the item still shown, the seq newer than the saved one, the section in time, the link
#: live and its own), the row's version moved (`Response`'s optimistic lock). "Section open"
#: needs no condition of its own: a section closes only in `delivery.close_section`, which
#: closes the item it shows in the same transaction.
_INVITATION = Invitation.__table__
_READ_DRAFT_OF_LINK = (sa.select(*_DRAFT_COLUMNS)
                       .join(_PART, _PART.c.id == _RESPONSE.c.section_attempt_id)
                       .join(_ITEM, _ITEM.c.id == _RESPONSE.c.item_id)
                       .join(_ATTEMPT, _ATTEMPT.c.id == _PART.c.attempt_id)
                       .join(_INVITATION, _INVITATION.c.id == _ATTEMPT.c.invitation_id)
                       .where(_RESPONSE.c.id == sa.bindparam("response_id"), LIVE_TOKEN))
_WRITE_DRAFT_OF_LINK = (_RESPONSE.update()
                        .where(_RESPONSE.c.id == sa.bindparam("response_id"),
                               _RESPONSE.c.status == ResponseStatus.PRESENTED,
                               _RESPONSE.c.save_seq < sa.bindparam("new_seq"),
                               sa.exists().where(_PART.c.id == _RESPONSE.c.section_attempt_id,
                                                 _PART.c.deadline_at >= sa.bindparam("deadline_at_least"),
                                                 _ATTEMPT.c.id == _PART.c.attempt_id,
                                                 _INVITATION.c.id == _ATTEMPT.c.invitation_id, LIVE_TOKEN))
                        .values(answer=sa.bindparam("new_answer"), save_seq=sa.bindparam("new_seq"),
                                saved_at=sa.bindparam("new_saved_at"), row_version=_RESPONSE.c.row_version + 1))


#: `_WRITE_DRAFT_OF_LINK` as a transaction of its own on the driver's connection: most requests are this UPDATE.
_WRITE_DRAFT_OF_LINK_ALONE = DriverStatement(_WRITE_DRAFT_OF_LINK)


class _ItemShown(NamedTuple):
    """What parsing a draft needs and never changes for a response: its item's type and body (an
    item row is one version of an item, whose content `bank.sync_bank` never changes) and the
    order its options were shown in."""

    type: str
    body: dict
    option_order: list | None


#: The items a link's autosaves were parsed against, per process: a candidate's next autosave of
#: the same item is one UPDATE. Keyed by the link (its token's hash) and the response, so only
#: the link that read it uses an entry; nothing in it can go stale, in this process or another.
_ITEMS_SHOWN: dict[tuple[str, int], _ItemShown] = {}
_ITEMS_SHOWN_MAX = 4096


def _is_new_draft_in_time(row, seq: int, grace_seconds: float, now: dt.datetime) -> bool:
    """The common autosave's case: a newer draft of an item still open, in time."""
    return (row is not None and row.status == ResponseStatus.PRESENTED and row.part_status == SectionStatus.ACTIVE
            and seq > row.save_seq and now <= row.deadline_at + dt.timedelta(seconds=grace_seconds))


def _draft_answer(row, payload: dict, shown: bool) -> dict:
    if row.type == "code":
        return _code_answer(payload)
    return parse_answer(row.type, row.body, _from_shown(row.option_order, row.type, payload) if shown else payload)


def _save_draft(session: Session, attempt_id: int, response_id: int, payload: dict, seq: int, shown: bool,
                grace_seconds: float, now: dt.datetime, locked: bool = False) -> SaveResult | None:
    """The common autosave (a newer draft of an open item, in time) under the attempt's lock, in
    statements built once: the lock (unless `locked`: the caller took it), one read, one UPDATE
    by id and row version. The ORM's version of the same steps is most of an autosave's CPU,
    and autosaves are most of the traffic. Anything else (a retry, a stale or reused seq, a closed item or section, a late
    answer, an id of another attempt) returns None and is decided by `save_answer`'s general
    path: what it decides from (status, seq, deadline) only ever moves one way, so it sees the
    same case. Runs in the write transaction the caller began."""
    connection = session.connection()
    try:
        if not locked:
            connection.execute(_LOCK_ATTEMPT, {"attempt_id": attempt_id})
        saved = _write_draft(connection, attempt_id, response_id, payload, seq, shown, grace_seconds, now)
        if saved is None:
            session.rollback()
            return None
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return saved


def _write_draft(connection, attempt_id: int, response_id: int, payload: dict, seq: int, shown: bool,
                 grace_seconds: float, now: dt.datetime) -> SaveResult | None:
    """`_save_draft`'s read and UPDATE, in the caller's transaction, which holds the attempt's lock."""
    row = connection.execute(_READ_DRAFT, {"response_id": response_id, "attempt_id": attempt_id}).first()
    if not _is_new_draft_in_time(row, seq, grace_seconds, now):
        return None
    answer = _draft_answer(row, payload, shown)
    written = connection.execute(_WRITE_DRAFT, {"response_id": response_id, "version": row.row_version,
                                                "new_answer": answer, "new_seq": seq, "new_saved_at": now,
                                                "new_version": row.row_version + 1})
    if written.rowcount != 1:  # a writer that did not take the attempt's lock changed the row
        raise DeliveryError("Another request changed this test at the same moment; retrying.", kind=ErrorKind.BUSY)
    return SaveResult(response_id, answer, seq, False)


def _save_draft_by_link(session: Session, params: dict, response_id: int, payload: dict, seq: int, shown: bool,
                        grace_seconds: float, now: dt.datetime) -> SaveResult | None:
    """The web's autosave (`save_answer_for_link`) when it is the common case, without the
    Session's machinery; None for anything else, which the general path then decides under the
    attempt's lock.

    The first autosave of an item by a link reads the draft (not the common case: None at
    once) and keeps the item as shown (`_ITEMS_SHOWN`); every autosave is then the one UPDATE
    `_WRITE_DRAFT_OF_LINK`, which lands only if the case is still the common one, run on the
    driver's connection as a transaction of its own (`DriverStatement`: no BEGIN, no COMMIT, no
    row lock; on SQLite, whose write lock is one for the whole database, only this statement
    holds it). The UPDATE's conditions are exact on PostgreSQL too: under READ COMMITTED a row changed
    after the statement's snapshot is re-checked at its newest version (the item's status and
    seq; closing a section closes the item it shows); a transaction that read the row before
    this save and writes it after fails on the row version (`attempt_locked` answers it "busy",
    to be retried); a revocation, which changes only its invitation, and a save that overlap
    are ordered save first."""
    if session.in_transaction():  # as `write_transaction` would: the caller's reads end here
        session.commit()
    session.expire_all()
    engine = session.get_bind()
    key = (params["token_hash"], response_id)
    item_shown = _ITEMS_SHOWN.get(key)
    if item_shown is None:
        with engine.connect() as connection:
            if connection.dialect.name != "sqlite":
                connection.execution_options(isolation_level="AUTOCOMMIT")  # no BEGIN, no ROLLBACK
            row = connection.execute(_READ_DRAFT_OF_LINK, {**params, "response_id": response_id}).first()
        if not _is_new_draft_in_time(row, seq, grace_seconds, now):
            return None
        if len(_ITEMS_SHOWN) >= _ITEMS_SHOWN_MAX:
            _ITEMS_SHOWN.clear()
        item_shown = _ITEMS_SHOWN[key] = _ItemShown(row.type, row.body, row.option_order)
    answer = _draft_answer(item_shown, payload, shown)
    written = _WRITE_DRAFT_OF_LINK_ALONE.rowcount(engine, {
        **params, "response_id": response_id, "new_seq": seq, "new_answer": answer, "new_saved_at": now,
        "deadline_at_least": now - dt.timedelta(seconds=grace_seconds)})
    return SaveResult(response_id, answer, seq, False) if written == 1 else None


def _code_answer(payload: dict) -> dict:
    code = payload.get("code") if isinstance(payload, dict) else None
    if not isinstance(code, str):
        raise AnswerError("answer.code: must be text")
    if len(code) > MAX_CODE_CHARS:
        raise DeliveryError(f"answer.code: longer than {MAX_CODE_CHARS} characters", kind=ErrorKind.TOO_LARGE)
    return {"code": code}
