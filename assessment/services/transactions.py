"""Transactions for state changes that two requests can race on (double clicks, two tabs, a
grade landing while the section closes, the sweep): take the write lock, then read, then write.

`with_for_update` does nothing on SQLite, so there the transaction itself starts with the
database's write lock (BEGIN IMMEDIATE, emitted by `assessment.db` when the connection carries
`WRITE_LOCK`); on PostgreSQL the caller row-locks what it reads (SELECT ... FOR UPDATE).
"""
from sqlmodel import Session

#: Connection execution option asking for a transaction that holds SQLite's write lock from its
#: first statement (read by the engine's "begin" hook in assessment/db.py).
WRITE_LOCK = "assessment_write_lock"


def write_transaction(session: Session) -> None:
    """End the session's current (read) transaction and begin one in which no other writer can
    interleave before this one commits. Objects loaded before are expired, so every read in the
    new transaction sees the latest committed state."""
    if session.in_transaction():
        session.commit()
    session.expire_all()
    session.connection(execution_options={WRITE_LOCK: True})
