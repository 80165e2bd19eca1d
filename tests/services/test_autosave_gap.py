"""The web's autosave (`answering._save_draft_by_link`): the item is read without a lock on the
link's first autosave of it (and kept), then the draft is written by one conditional UPDATE (on
SQLite under the database's write lock, on PostgreSQL in a statement of its own). These tests run
another writer in the gap before the UPDATE (from inside the answer's parsing, which comes just
before it), on a link's first autosave of the item and on a later one (`prior`: saves already
made), and check that whatever that writer changed is honoured: the save lands only if it is
still the common case, and otherwise is decided by the general path under the attempt's lock.

They use the service `session` (SQLite here, PostgreSQL in scripts/test.sh's second pass); the
last two need a transaction open across the save, which only PostgreSQL's row locks allow in one
thread, and make a PostgreSQL database of their own."""
import datetime as dt
import threading
import time

import pytest
import sqlalchemy as sa
from service_helpers import GRACE, T0, right, start, stored, wrong
from sqlalchemy import text
from sqlmodel import Session, select

from assessment import migrate
from assessment.content import load_bank
from assessment.db import make_engine
from assessment.models import Attempt, Invitation, Response
from assessment.services import answering, delivery
from assessment.services.bank import sync_bank
from assessment.services.transactions import write_transaction
from support import FIXTURE_BANK, fresh_postgres_database


@pytest.fixture(params=[0, 1], ids=["first-autosave", "later-autosave"])
def prior(request):
    """How many autosaves of the item the link made before the one under test."""
    return request.param


@pytest.fixture
def candidate(session, prior):
    """(attempt, token, section attempt, state on the first item), the section started at T0 and
    `prior` autosaves of the wrong answer made by the link."""
    attempt, token, part, state = _candidate(session)
    for seq in range(1, prior + 1):
        _save(session, token, state, seq=seq)
    return attempt, token, part, state


def _candidate(session):
    attempt, token = start(session)
    part = delivery.start_section(session=session, attempt=attempt, position=0, now=T0)
    state = delivery.current_state(session=session, attempt=attempt, grace_seconds=GRACE, now=T0)
    return attempt, token, part, state


def _between_read_and_write(monkeypatch, engine, action) -> None:
    """Run `action(other_session)` once, in a session of its own, at the moment the save has read
    the draft and not yet written it (the answer is parsed in between)."""
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


def test_no_lock_is_held_while_the_draft_is_read_and_parsed(session, candidate, prior, monkeypatch):
    attempt, token, _, state = candidate
    attempt_id = attempt.id  # read now: the save expires the session's objects

    def write_something(other):  # the same thread: if the save held a lock this would fail
        write_transaction(other)  # SQLite: the database's write lock
        other.exec(select(Attempt).where(Attempt.id == attempt_id).with_for_update(nowait=True)).one()  # PostgreSQL
        other.commit()

    _between_read_and_write(monkeypatch, session.get_bind(), write_something)
    saved = _save(session, token, state, seq=prior + 1)
    assert (saved.saved_seq, stored(session, state.response.id).save_seq) == (prior + 1, prior + 1)


def test_a_section_closed_in_between_keeps_the_draft_out(session, candidate, prior, monkeypatch):
    attempt, token, part, state = candidate

    def close(other):
        delivery.close_section(session=other, section_attempt=other.get(type(part), part.id), reason="time",
                               now=T0 + dt.timedelta(seconds=1))
        other.commit()

    _between_read_and_write(monkeypatch, session.get_bind(), close)
    # Closing a section closes its open item too: the general path's word for it.
    with pytest.raises(delivery.DeliveryError, match="This item is already closed") as refused:
        _save(session, token, state, seq=prior + 1)
    assert refused.value.kind == delivery.ErrorKind.CONFLICT
    row = stored(session, state.response.id)
    assert (row.answer, row.save_seq) == ((wrong(state.item) if prior else None), prior)


def test_a_link_revoked_in_between_saves_nothing(session, candidate, prior, monkeypatch):
    attempt, token, _, state = candidate

    def revoke(other):
        invitation = other.get(Invitation, attempt.invitation_id)
        invitation.revoked_at = T0
        other.commit()

    _between_read_and_write(monkeypatch, session.get_bind(), revoke)
    with pytest.raises(delivery.DeliveryError, match="This test link is not valid") as refused:
        _save(session, token, state, seq=prior + 1)
    assert refused.value.kind == delivery.ErrorKind.NOT_FOUND
    assert stored(session, state.response.id).save_seq == prior


def test_a_newer_save_in_between_stands(session, candidate, prior, monkeypatch):
    attempt, token, _, state = candidate
    _between_read_and_write(monkeypatch, session.get_bind(), _answer_by_attempt(attempt, state, 5, False))
    saved = _save(session, token, state, seq=3)
    assert (saved.saved_seq, saved.answer) == (5, right(state.item))  # the newer save is acknowledged back
    row = stored(session, state.response.id)
    assert (row.save_seq, row.answer, row.row_version) == (5, right(state.item), 2 + prior)


def test_an_item_submitted_in_between_keeps_its_answer(session, candidate, prior, monkeypatch):
    attempt, token, _, state = candidate
    _between_read_and_write(monkeypatch, session.get_bind(), _answer_by_attempt(attempt, state, prior + 1, True))
    with pytest.raises(delivery.DeliveryError, match="already closed") as refused:
        _save(session, token, state, seq=prior + 2)
    assert refused.value.kind == delivery.ErrorKind.CONFLICT
    row = stored(session, state.response.id)
    assert (row.status, row.answer, row.save_seq) == ("answered", right(state.item), prior + 1)


def test_a_draft_past_the_deadline_is_the_general_paths_late_answer(session, candidate, prior, monkeypatch):
    """On a later autosave nothing is read before the UPDATE: its own deadline condition keeps a
    late draft out, to the general path's late answer; the last instant of grace still counts."""
    attempt, token, part, state = candidate
    late = part.deadline_at + dt.timedelta(seconds=GRACE, microseconds=1)
    with pytest.raises(delivery.LateAnswer):
        _save(session, token, state, seq=prior + 1, now=late)
    row = stored(session, state.response.id)
    assert (row.answer, row.save_seq) == ((wrong(state.item) if prior else None), prior)
    _, other_token, other_part, other_state = _candidate(session)
    for seq in range(1, prior + 1):
        _save(session, other_token, other_state, seq=seq)
    on_time = other_part.deadline_at + dt.timedelta(seconds=GRACE)
    sent, engine = [], session.get_bind()
    response_id, draft = other_state.response.id, wrong(other_state.item)  # loaded before the count
    record = lambda conn, cursor, statement, *rest: sent.append(statement)  # noqa: E731
    update = answering._WRITE_DRAFT_OF_LINK_ALONE
    run_alone = update.rowcount

    def recorded_update(engine, params):
        written = run_alone(engine, params)
        sent.append(("UPDATE alone", update.statement, written))
        return written

    monkeypatch.setattr(update, "rowcount", recorded_update)
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        saved = answering.save_answer_for_link(session=session, token=other_token, response_id=response_id,
                                               payload=draft, seq=prior + 1, final=False, grace_seconds=GRACE,
                                               now=on_time)
        assert saved.saved_seq == prior + 1
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    # Saved by the UPDATE itself (on the driver's connection), not by the general path.
    assert sent[-1] == ("UPDATE alone", answering._WRITE_DRAFT_OF_LINK, 1) and len(sent) == 2 - prior


@pytest.fixture
def postgres_engine():
    url, drop = fresh_postgres_database()
    migrate.upgrade(url)
    engine = make_engine(url)
    with Session(engine) as setup:
        sync_bank(load_bank(FIXTURE_BANK), session=setup)
    yield engine
    engine.dispose()
    drop()


def _waiting_for_a_lock(engine) -> bool:
    with engine.connect() as probe:
        return bool(probe.execute(text("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                                       "AND wait_event_type = 'Lock'")).scalar())


@pytest.mark.postgres
def test_on_postgresql_a_close_committed_while_the_update_waits_keeps_the_draft_out(postgres_engine):
    """The UPDATE's snapshot still shows the section open; the close holds the row and commits
    while the UPDATE waits for it: READ COMMITTED re-checks the row at its newest version, whose
    row version moved, and the general path refuses the save."""
    with Session(postgres_engine, expire_on_commit=False) as session, \
            Session(postgres_engine, expire_on_commit=False) as closer:
        attempt, token, part, state = _candidate(session)
        write_transaction(closer)
        delivery.close_section(session=closer, section_attempt=closer.get(type(part), part.id), reason="time",
                               now=T0 + dt.timedelta(seconds=1))
        closer.flush()  # the response row is written (and row-locked), not committed
        outcome = []

        def save():
            with Session(postgres_engine, expire_on_commit=False) as saver:
                try:
                    outcome.append(_save(saver, token, state, seq=1))
                except delivery.DeliveryError as error:
                    outcome.append(error)

        saving = threading.Thread(target=save)
        saving.start()
        deadline = time.monotonic() + 10
        while not _waiting_for_a_lock(postgres_engine) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert _waiting_for_a_lock(postgres_engine)  # the save's UPDATE waits for the close's row
        closer.commit()
        saving.join(10)
        assert len(outcome) == 1 and isinstance(outcome[0], delivery.DeliveryError)
        assert "already closed" in str(outcome[0]) and outcome[0].kind == delivery.ErrorKind.CONFLICT
        row = stored(session, state.response.id)
        assert (row.status, row.answer, row.save_seq) == ("unanswered", None, 0)


@pytest.mark.postgres
def test_on_postgresql_a_writer_that_read_before_the_save_fails_as_busy_and_the_save_stands(postgres_engine):
    """The general path reads the response under the attempt's lock, which the autosave does
    not take; if the autosave lands in between, the general path's write matches no row version
    and its request is answered "busy" (the page retries), never written over the draft."""
    with Session(postgres_engine, expire_on_commit=False) as session:
        attempt, token, part, state = _candidate(session)
        with pytest.raises(delivery.DeliveryError, match="at the same moment") as busy:
            with delivery.attempt_locked(session, attempt.id):
                before = session.get(Response, state.response.id)
                assert before.save_seq == 0
                with Session(postgres_engine, expire_on_commit=False) as web:
                    assert _save(web, token, state, seq=1).saved_seq == 1  # lands while the attempt is locked
                before.answer, before.save_seq = right(state.item), 7
        assert busy.value.kind == delivery.ErrorKind.BUSY
        row = stored(session, state.response.id)
        assert (row.answer, row.save_seq) == (wrong(state.item), 1)
