"""Answering (assessment/services/answering.py): the web's autosave as one read and one
conditional UPDATE; elsewhere the attempt's lock taken once per save (by the statement that finds
a link's attempt, or by its own statement before the autosave's read), on PostgreSQL a row lock
of the attempt only; a link's own attempt; a final answer counted up to the
last instant of grace."""
import contextlib
import datetime as dt

import pytest
import sqlalchemy as sa
from service_helpers import GRACE, T0, events, on_first_item, right, start, stored, wrong
from sqlmodel import Session

from assessment import db, migrate
from assessment.content import load_bank
from assessment.db import make_engine
from assessment.services import answering, delivery, transactions
from assessment.services.bank import sync_bank
from assessment.services.transactions import write_transaction
from support import FIXTURE_BANK, fresh_postgres_database

#: Stands for SQLite's write lock taken (`_SQLiteConnection.begin_write`) among the statements.
WRITE_LOCK_TAKEN = "<write lock>"


@contextlib.contextmanager
def _statements(session, monkeypatch=None):
    """The SQL statements the session's engine sends while the block runs (BEGINs left out);
    `.in_transaction`: for each, whether PostgreSQL's driver had a transaction open (BEGIN sent).
    With `monkeypatch`, SQLite's write lock taken shows as WRITE_LOCK_TAKEN where it happened,
    and the statements run on the driver's connection (`transactions.DriverStatement`) are
    among them."""
    seen = _Sent()

    def record(conn, cursor, statement, parameters, context, executemany):
        if not statement.lstrip().upper().startswith("BEGIN"):
            seen.append(statement)
            seen.in_transaction.append(conn.dialect.name == "postgresql"
                                       and not conn.connection.dbapi_connection.autocommit)

    if monkeypatch is not None:
        begin_write = db._SQLiteConnection.begin_write

        def recorded_begin_write(connection):
            if connection.writer_lock is not None and not connection.holds_writer_lock:
                seen.append(WRITE_LOCK_TAKEN)
                seen.in_transaction.append(False)
            begin_write(connection)

        monkeypatch.setattr(db._SQLiteConnection, "begin_write", recorded_begin_write)
        write_alone = db._SQLiteConnection.write_alone

        def recorded_write_alone(connection, statement, args):
            changed = write_alone(connection, statement, args)  # takes the write lock first
            seen.append(statement)
            seen.in_transaction.append(False)
            return changed

        monkeypatch.setattr(db._SQLiteConnection, "write_alone", recorded_write_alone)
        autocommit_rowcount = transactions._autocommit_rowcount
        monkeypatch.setattr(transactions, "_autocommit_rowcount",
                            lambda driver, statement, args: autocommit_rowcount(_Traced(driver, seen), statement, args))
    engine = session.get_bind()
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)


class _Traced:
    """A psycopg connection whose cursors add each statement to `seen`, with whether a
    transaction was open or would be (autocommit off) when it was sent."""

    def __init__(self, driver, seen):
        object.__setattr__(self, "_driver", driver)
        object.__setattr__(self, "_seen", seen)

    def __getattr__(self, name):
        return getattr(self._driver, name)

    def __setattr__(self, name, value):
        setattr(self._driver, name, value)

    @contextlib.contextmanager
    def cursor(self):
        driver, seen = self._driver, self._seen
        with driver.cursor() as cursor:
            yield _TracedCursor(cursor, driver, seen)


class _TracedCursor:
    def __init__(self, cursor, driver, seen):
        self._cursor, self._driver, self._seen = cursor, driver, seen

    def __getattr__(self, name):
        return getattr(self._cursor, name)

    def execute(self, statement, args=None):
        self._seen.append(statement)
        self._seen.in_transaction.append(not self._driver.autocommit or self._driver.info.transaction_status != 0)
        return self._cursor.execute(statement, args)


class _Sent(list):
    def __init__(self):
        super().__init__()
        self.in_transaction = []


def _sql(session, statement) -> str:
    return str(statement.compile(dialect=session.get_bind().dialect))


def test_an_autosave_by_link_is_one_read_then_one_conditional_update_each_its_own_transaction(session, monkeypatch):
    attempt, token = start(session)
    delivery.start_section(session=session, attempt=attempt, position=0, now=T0)
    state = delivery.current_state(session=session, attempt=attempt, grace_seconds=GRACE, now=T0)
    response_id, draft, other = state.response.id, wrong(state.item), right(state.item)
    read, write = _sql(session, answering._READ_DRAFT_OF_LINK), _sql(session, answering._WRITE_DRAFT_OF_LINK)
    on_sqlite = session.get_bind().dialect.name == "sqlite"
    sent_by_save = []
    for seq, answer in ((1, draft), (2, other), (3, draft)):
        with _statements(session, monkeypatch) as sent:
            saved = answering.save_answer_for_link(session=session, token=token, response_id=response_id,
                                                   payload=answer, seq=seq, final=False, grace_seconds=GRACE, now=T0)
        assert (saved.response_id, saved.answer, saved.saved_seq, saved.final) == (response_id, answer, seq, False)
        # PostgreSQL: each statement in autocommit (no BEGIN or COMMIT round trip), no row lock
        assert not any(sent.in_transaction)
        sent_by_save.append(list(sent))
    # The item as shown is read once per link; SQLite's write lock is taken for the UPDATE alone.
    lock = [WRITE_LOCK_TAKEN] if on_sqlite else []
    assert sent_by_save == [[read, *lock, write], [*lock, write], [*lock, write]]
    row = stored(session, response_id)
    assert (row.answer, row.save_seq, row.row_version) == (draft, 3, 4)


def test_the_items_kept_for_autosaves_stay_within_their_bound(session, monkeypatch):
    monkeypatch.setattr(answering, "_ITEMS_SHOWN", {})
    monkeypatch.setattr(answering, "_ITEMS_SHOWN_MAX", 2)
    for _ in range(3):  # three links, one item each
        attempt, token = start(session)
        delivery.start_section(session=session, attempt=attempt, position=0, now=T0)
        state = delivery.current_state(session=session, attempt=attempt, grace_seconds=GRACE, now=T0)
        saved = answering.save_answer_for_link(session=session, token=token, response_id=state.response.id,
                                               payload=wrong(state.item), seq=1, final=False, grace_seconds=GRACE,
                                               now=T0)
        assert saved.saved_seq == stored(session, state.response.id).save_seq == 1
        assert 1 <= len(answering._ITEMS_SHOWN) <= 2


def test_a_link_save_on_the_general_path_takes_the_attempts_lock_once(session, monkeypatch):
    """A stale autosave by link (an older seq) misses the one UPDATE and goes to the general
    path, whose first statement finds and locks the link's attempt: the draft's own read must
    not lock it a second time (`locked=True`)."""
    attempt, token = start(session)
    delivery.start_section(session=session, attempt=attempt, position=0, now=T0)
    state = delivery.current_state(session=session, attempt=attempt, grace_seconds=GRACE, now=T0)
    newer, older = right(state.item), wrong(state.item)
    save = dict(session=session, token=token, response_id=state.response.id, final=False, grace_seconds=GRACE, now=T0)
    answering.save_answer_for_link(payload=newer, seq=2, **save)
    with _statements(session, monkeypatch) as sent:
        saved = answering.save_answer_for_link(payload=older, seq=1, **save)
    assert (saved.answer, saved.saved_seq) == (newer, 2)  # the newer save stands and is acknowledged
    assert _sql(session, answering._LOCKED_ATTEMPT_OF_LINK) in sent
    assert _sql(session, answering._READ_DRAFT) in sent
    assert _sql(session, answering._LOCK_ATTEMPT) not in sent


def test_an_autosave_by_attempt_takes_the_attempts_lock_before_it_reads_the_draft(session):
    attempt, _, state = on_first_item(session)
    draft = wrong(state.item)
    with _statements(session) as sent:
        saved = answering.save_answer(session=session, attempt=attempt, response_id=state.response.id, payload=draft,
                                      seq=1, final=False, grace_seconds=GRACE, now=T0)
    assert (saved.response_id, saved.answer, saved.saved_seq) == (state.response.id, draft, 1)
    assert sent[:2] == [_sql(session, answering._LOCK_ATTEMPT), _sql(session, answering._READ_DRAFT)]
    assert len(sent) == 3 and sent[2].lstrip().upper().startswith("UPDATE RESPONSE")


def test_the_short_path_takes_the_lock_itself_unless_told_its_caller_holds_it(session):
    attempt, _, state = on_first_item(session)
    draft = wrong(state.item)
    for seq, told in ((1, {}), (2, {"locked": True})):
        write_transaction(session)
        with _statements(session) as sent:
            saved = answering._save_draft(session, attempt.id, state.response.id, draft, seq, False, GRACE,
                                          T0, **told)
        assert (saved.answer, saved.saved_seq) == (draft, seq)
        assert sent.count(_sql(session, answering._LOCK_ATTEMPT)) == (0 if told else 1)
    assert stored(session, state.response.id).save_seq == 2


def test_a_final_answer_counts_up_to_the_last_instant_of_grace(session):
    attempt, part, state = on_first_item(session)
    last = part.deadline_at + dt.timedelta(seconds=GRACE)
    saved = answering.save_answer(session=session, attempt=attempt, response_id=state.response.id,
                                  payload=right(state.item), seq=1, final=True, grace_seconds=GRACE, now=last)
    assert (saved.final, saved.answer) == (True, right(state.item))
    row = stored(session, state.response.id)
    assert (row.status, row.score, row.answered_at.replace(tzinfo=dt.UTC)) == ("answered", 1.0, last)
    assert events(session, "answer.late") == []


def test_a_final_answer_one_microsecond_past_grace_is_late_and_closes_the_section(session):
    attempt, part, state = on_first_item(session)
    late = part.deadline_at + dt.timedelta(seconds=GRACE, microseconds=1)
    with pytest.raises(delivery.LateAnswer):
        answering.save_answer(session=session, attempt=attempt, response_id=state.response.id,
                              payload=right(state.item), seq=1, final=True, grace_seconds=GRACE, now=late)
    assert stored(session, state.response.id).status != "answered"
    [logged] = events(session, "answer.late")
    assert (logged["response_id"], logged["seconds_late"], logged["final"]) == (state.response.id, 5.0, True)


def test_a_link_saves_to_its_own_attempt_when_invitation_and_attempt_ids_differ(session):
    assessment = delivery.create_assessment(session=session, title="T", section_ids=["alpha"], mode="fixed")
    _, waiting = delivery.create_invitation(session=session, assessment=assessment, email="waiting@example.org")
    invitation, token = delivery.create_invitation(session=session, assessment=assessment, email="begun@example.org")
    attempt = delivery.get_or_start_attempt(session=session, invitation=invitation, now=T0)
    assert attempt.id != invitation.id  # the join must follow attempt.invitation_id, not a coincidence of ids
    delivery.start_section(session=session, attempt=attempt, position=0, now=T0)
    state = delivery.current_state(session=session, attempt=attempt, grace_seconds=GRACE, now=T0)
    save = dict(session=session, response_id=state.response.id, payload=wrong(state.item), final=False,
                grace_seconds=GRACE, now=T0)
    saved = answering.save_answer_for_link(token=token, seq=1, **save)
    assert (saved.response_id, saved.saved_seq) == (state.response.id, 1)
    with pytest.raises(delivery.DeliveryError, match="^Begin the test first.$"):  # not the other candidate's attempt
        answering.save_answer_for_link(token=waiting, seq=2, **save)
    row = stored(session, state.response.id)
    assert (row.answer, row.save_seq) == (wrong(state.item), 1)


def _locked_elsewhere(engine, table: str, row_id: int) -> bool:
    """Whether another connection finds the row locked (PostgreSQL: FOR UPDATE NOWAIT fails)."""
    with engine.connect() as other:
        try:
            other.execute(sa.text(f"SELECT id FROM {table} WHERE id = :id FOR UPDATE NOWAIT"), {"id": row_id})
        except sa.exc.OperationalError as error:
            assert "could not obtain lock" in str(error)
            return True
        finally:
            other.rollback()
    return False


@pytest.mark.postgres
def test_on_postgresql_an_autosave_by_link_locks_no_row_and_by_attempt_only_the_attempts(monkeypatch):
    url, drop = fresh_postgres_database()
    engine = make_engine(url)
    try:
        migrate.upgrade(url)
        with Session(engine, expire_on_commit=False) as session:
            sync_bank(load_bank(FIXTURE_BANK), session=session)
            attempt, token = start(session)
            delivery.start_section(session=session, attempt=attempt, position=0, now=T0)
            state = delivery.current_state(session=session, attempt=attempt, grace_seconds=GRACE, now=T0)
            response_id, draft, invitation_id = state.response.id, wrong(state.item), attempt.invitation_id
            seen = []
            parse = answering.parse_answer

            def probing(*args, **kwargs):  # runs after the read (by attempt: in its transaction, after the lock)
                seen.append((_locked_elsewhere(engine, "attempt", attempt.id),
                             _locked_elsewhere(engine, "invitation", invitation_id)))
                return parse(*args, **kwargs)

            monkeypatch.setattr(answering, "parse_answer", probing)
            save = dict(session=session, response_id=response_id, payload=draft, final=False, grace_seconds=GRACE,
                        now=T0)
            answering.save_answer_for_link(token=token, seq=1, **save)
            answering.save_answer(attempt=attempt, seq=2, **save)
            assert seen == [(False, False), (True, False)]  # by link, then by attempt
            assert (stored(session, response_id).answer, stored(session, response_id).save_seq) == (draft, 2)
            assert not _locked_elsewhere(engine, "attempt", attempt.id)  # released at the commit
    finally:
        engine.dispose()
        drop()
