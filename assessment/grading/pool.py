"""A grading pool: one slot (and uid) per core, an in-process queue, futures for results.

Each job runs ``grader.grade`` in a worker thread that owns one slot; the sandboxed program is a
subprocess (started through the launcher), never code in the web process.  To scale out, an RQ
job calls the same ``grade`` function (see ``grade_item_job``) and this class is replaced by a
Redis queue; the slot lock keeps uids exclusive across processes as well.
"""
from __future__ import annotations

import logging
import queue
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from assessment.grading.grader import GradeResult, grade
from assessment.grading.sandbox import Sandbox, SandboxConfig
from assessment.content.coding import CodingTask, load_coding_task

log = logging.getLogger(__name__)


class GradingPool:
    """``submit(task, code, which)`` returns a Future[GradeResult]; at most ``slots`` runs
    happen at once, each in its own slot."""

    def __init__(self, slots: int | None = None, sandbox: Sandbox | None = None):
        if sandbox is None:
            config = SandboxConfig.from_env()
            if slots is not None:
                config = SandboxConfig(**{**config.__dict__, "slots": slots})
            sandbox = Sandbox(config)
        self.sandbox = sandbox
        self.slots = slots or sandbox.config.slots
        if self.slots > sandbox.config.slots:
            raise ValueError(f"{self.slots} slots but the sandbox config allows "
                             f"{sandbox.config.slots}")
        self._free: queue.SimpleQueue[int] = queue.SimpleQueue()
        for n in range(self.slots):
            self._free.put(n)
        self._executor = ThreadPoolExecutor(max_workers=self.slots,
                                            thread_name_prefix="grading-slot")
        self._closed = threading.Event()

    def submit(self, task: CodingTask, code: str, which: str = "hidden") -> Future:
        """Queue a grading run; the future's result is a GradeResult."""
        if self._closed.is_set():
            raise RuntimeError("the grading pool is shut down")
        return self._executor.submit(self._run, task, code, which)

    def _run(self, task: CodingTask, code: str, which: str) -> GradeResult:
        slot = self._free.get()
        try:
            return grade(task, code, which=which, slot=slot, sandbox=self.sandbox)
        except Exception:
            log.exception("grading %s failed", task.item_id)
            raise
        finally:
            self._free.put(slot)

    def shutdown(self, wait: bool = True) -> None:
        self._closed.set()
        self._executor.shutdown(wait=wait, cancel_futures=not wait)

    def __enter__(self) -> "GradingPool":
        return self

    def __exit__(self, *exc) -> None:
        self.shutdown()


def grade_item_job(item_dir: str, code: str, which: str = "hidden") -> dict:
    """A queue job (e.g. RQ): plain arguments in, a JSON-ready dict out."""
    return grade(load_coding_task(Path(item_dir)), code, which=which).to_dict()
