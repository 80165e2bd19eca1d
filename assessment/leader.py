"""Exactly one sweeper across all servers: a lock that one process holds while it lives.

On PostgreSQL a session-level advisory lock on a dedicated connection (released by the server
when the holder's connection dies, so a killed sweeper hands over by itself; a holder whose
machine or network vanished sends no goodbye, so its session asks the server to probe a silent
peer: the lock is freed within about `SILENT_LEADER_SECONDS`); on SQLite, where
every process shares one file on one machine, an exclusive `flock` on a file beside the
database (released by the kernel when the holder dies).
"""
import fcntl
import logging
import os
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Engine

log = logging.getLogger(__name__)

#: Arbitrary but fixed: the advisory-lock key every sweeper of this application competes for.
SWEEPER_LOCK_KEY = 0x5EE9_A55E

#: The leader's session: the server probes a peer silent for 10 s, every 5 s, and ends the
#: session (and frees the lock) after 3 unanswered probes. The operating system's default waits
#: two hours before the first probe.
LEADER_KEEPALIVES = {"tcp_keepalives_idle": 10, "tcp_keepalives_interval": 5, "tcp_keepalives_count": 3}
SILENT_LEADER_SECONDS = 10 + 5 * 3
_SET_KEEPALIVES = text("SELECT " + ", ".join(f"set_config('{name}', :{name}, false)" for name in LEADER_KEEPALIVES))


class LeaderLock:
    """try_acquire() -> True once this process leads; held until release() or process exit."""

    def __init__(self, engine: Engine, lock_file: Path):
        self.engine = engine
        self.lock_file = lock_file
        self._connection = None
        self._fd = None

    @property
    def held(self) -> bool:
        return self._connection is not None or self._fd is not None

    def try_acquire(self) -> bool:
        if self.held:
            return self._still_held()
        if self.engine.dialect.name == "postgresql":
            connection = self.engine.connect()
            connection.execute(_SET_KEEPALIVES, {name: str(value) for name, value in LEADER_KEEPALIVES.items()})
            got = connection.execute(text("SELECT pg_try_advisory_lock(:key)"),
                                     {"key": SWEEPER_LOCK_KEY}).scalar()
            connection.commit()
            if got:
                self._connection = connection
                return True
            connection.close()
            return False
        self.lock_file.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.lock_file, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self._fd = fd
        return True

    def _still_held(self) -> bool:
        """A PostgreSQL restart drops the session and its lock: notice, and compete again."""
        if self._connection is None:
            return True
        try:
            self._connection.execute(text("SELECT 1"))
            self._connection.commit()
            return True
        except Exception:  # noqa: BLE001  connection gone: leadership is gone with it
            log.warning("lost the sweeper lock with the database connection; competing again")
            self.release()
            return False

    def release(self) -> None:
        if self._connection is not None:
            try:
                self._connection.close()
            except Exception:  # noqa: BLE001  already broken
                pass
            self._connection = None
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
