"""SQLite's autosave by link (`answering._save_draft_by_link`): the draft is read
before the write lock and written by one UPDATE under it. These tests run another writer in the
gap between the read and the UPDATE (from inside the answer's parsing, which falls between them)
and check that whatever that writer changed is honoured: the save lands only if nothing it
decided from has moved, and otherwise is decided by the general path under the lock.

Always on a SQLite file of their own (the path is SQLite's; PostgreSQL locks the attempt's row)."""
import datetime as dt

import pytest
from service_helpers import GRACE, T0, right, start, stored, wrong
from sqlmodel import Session

from assessment import migrate
from assessment.content import load_bank
from assessment.db import make_engine
from assessment.models import Invitation
from assessment.services import answering, delivery
from assessment.services.bank import sync_bank
from assessment.services.transactions import write_transaction
from support import FIXTURE_BANK


@pytest.fixture
def sqlite_session(tmp_path):
    url = f"sqlite:///{tmp_path / 'autosave.db'}"
    migrate.upgrade(url)
    engine = make_engine(url)
    with Session(engine, expire_on_commit=False) as session:
        sync_bank(load_bank(FIXTURE_BANK), session=session)
        yield session
    engine.dispose()


@pytest.fixture
def candidate(sqlite_session):
    """(attempt, token, section attempt, state on the first item), the section started at T0."""
    attempt, token = start(sqlite_session)
    part = delivery.start_section(session=sqlite_session, attempt=attempt, position=0, now=T0)
    state = delivery.current_state(session=sqlite_session, attempt=attempt, grace_seconds=GRACE, now=T0)
    return attempt, token, part, state


def _between_read_and_write(monkeypatch, engine, action) -> None:
    """Run `action(other_session)` once, in a session of its own, at the moment the save has read
    the draft and not yet taken the write lock (the answer is parsed in between)."""
    parse, done = answering.parse_answer, []

    def parse_then_act(*args, **kwargs):
        parsed = parse(*args, **kwargs)
        if not done:
            done.append(True)
            with Session(engine, expire_on_commit=False) as other:
                action(other)
        return parsed

    monkeypatch.setattr(answering, "parse_answer", parse_then_act)


def _answer_by_attempt(attempt, state, seq: int, final: bool):
    """An action: the right answer saved through the attempt (another tab, or the submit)."""
    def action(other):
        answering.save_answer(session=other, attempt=other.get(type(attempt), attempt.id),
                              response_id=state.response.id, payload=right(state.item), seq=seq, final=final,
                              grace_seconds=GRACE, now=T0)
    return action


def _save(session, token, state, seq, now=T0):
    return answering.save_answer_for_link(session=session, token=token, response_id=state.response.id,
                                          payload=wrong(state.item), seq=seq, final=False, grace_seconds=GRACE,
                                          now=now)


def test_the_write_lock_is_not_held_while_the_draft_is_read_and_parsed(sqlite_session, candidate, monkeypatch):
    _, token, _, state = candidate

    def write_something(other):  # the same thread: if the save held the lock this would raise
        write_transaction(other)
        other.commit()

    _between_read_and_write(monkeypatch, sqlite_session.get_bind(), write_something)
    saved = _save(sqlite_session, token, state, seq=1)
    assert (saved.saved_seq, stored(sqlite_session, state.response.id).save_seq) == (1, 1)


def test_a_section_closed_in_between_keeps_the_draft_out(sqlite_session, candidate, monkeypatch):
    attempt, token, part, state = candidate

    def close(other):
        delivery.close_section(session=other, section_attempt=other.get(type(part), part.id), reason="time",
                               now=T0 + dt.timedelta(seconds=1))
        other.commit()

    _between_read_and_write(monkeypatch, sqlite_session.get_bind(), close)
    # Closing a section closes its open item too: the general path's word for it.
    with pytest.raises(delivery.DeliveryError, match="This item is already closed") as refused:
        _save(sqlite_session, token, state, seq=1)
    assert refused.value.kind == delivery.ErrorKind.CONFLICT
    row = stored(sqlite_session, state.response.id)
    assert (row.answer, row.save_seq) == (None, 0)


def test_a_link_revoked_in_between_saves_nothing(sqlite_session, candidate, monkeypatch):
    attempt, token, _, state = candidate

    def revoke(other):
        invitation = other.get(Invitation, attempt.invitation_id)
        invitation.revoked_at = T0
        other.commit()

    _between_read_and_write(monkeypatch, sqlite_session.get_bind(), revoke)
    with pytest.raises(delivery.DeliveryError, match="This test link is not valid") as refused:
        _save(sqlite_session, token, state, seq=1)
    assert refused.value.kind == delivery.ErrorKind.NOT_FOUND
    assert stored(sqlite_session, state.response.id).save_seq == 0


def test_a_newer_save_in_between_stands(sqlite_session, candidate, monkeypatch):
    attempt, token, _, state = candidate
    _between_read_and_write(monkeypatch, sqlite_session.get_bind(), _answer_by_attempt(attempt, state, 5, False))
    saved = _save(sqlite_session, token, state, seq=3)
    assert (saved.saved_seq, saved.answer) == (5, right(state.item))  # the newer save is acknowledged back
    row = stored(sqlite_session, state.response.id)
    assert (row.save_seq, row.answer, row.row_version) == (5, right(state.item), 2)


def test_an_item_submitted_in_between_keeps_its_answer(sqlite_session, candidate, monkeypatch):
    attempt, token, _, state = candidate
    _between_read_and_write(monkeypatch, sqlite_session.get_bind(), _answer_by_attempt(attempt, state, 1, True))
    with pytest.raises(delivery.DeliveryError, match="already closed") as refused:
        _save(sqlite_session, token, state, seq=2)
    assert refused.value.kind == delivery.ErrorKind.CONFLICT
    row = stored(sqlite_session, state.response.id)
    assert (row.status, row.answer, row.save_seq) == ("answered", right(state.item), 1)
