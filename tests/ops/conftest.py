"""Fixtures of the ops tests.

These tests use the machine's Redis (databases 14 and 15, flushed by the tests) and its
PostgreSQL advisory locks, which every test run on this machine shares: two runs at once (two
engineers, or the stress run next to scripts/test.sh) flushed each other's queues and took each
other's jobs ("the queue worker never graded the submission", "the same key is queued once"
finding nothing). Each ops test holds an exclusive lock on a file for as long as it runs, so
concurrent runs take turns here instead of failing."""
import fcntl
import tempfile
from pathlib import Path

import pytest

SHARED_SERVICES_LOCK = Path(tempfile.gettempdir()) / "assessment-tests-ops.lock"


@pytest.fixture(autouse=True)
def _one_test_run_at_a_time_on_the_shared_services():
    with open(SHARED_SERVICES_LOCK, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file is closed, also if the run is killed
        yield
