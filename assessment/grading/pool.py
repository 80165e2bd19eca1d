"""A grading pool: one slot (and uid) per core, a fair in-process queue, futures for results.

Fairness: jobs are queued per owner (an attempt); at most one job per owner runs at a time, and
free slots take the next job round-robin over the owners that have one waiting. A candidate who
submits code that runs to its time limit over and over therefore holds at most one slot, and
another candidate's sample run waits at most for a slot to free up, not behind the whole queue.
The queue is bounded, in total and per owner: a full queue refuses at once (`QueueFull`), so the
caller can answer "busy, retry" instead of letting a request wait without bound.

The sandboxed program is a subprocess (started through the launcher), never code in the web
process. A distributed queue (e.g. Redis/RQ) can replace this class behind the same
``submit(job, owner)`` call; the slot lock keeps uids exclusive across processes as well.
"""
from __future__ import annotations

import collections
import fcntl
import logging
import os
import threading
from concurrent.futures import Future
from typing import Callable

from assessment.content.coding import CodingTask
from assessment.grading.grader import GradeResult, grade
from assessment.grading.sandbox import Sandbox, SandboxConfig, SlotLock, _rmtree

log = logging.getLogger(__name__)

class QueueFull(RuntimeError):
    """The queue (or this owner's share of it) is full; retry later."""


Grade = Callable[[CodingTask, str, str], GradeResult]


class FairScheduler:
    """Runs ``job(slot)`` callables on ``slots`` worker threads, each owning one slot number,
    with at most one running job per owner and round-robin between owners."""

    def __init__(self, slots: int, *, max_queued: int, max_per_owner: int):
        self.slots = slots
        self.max_queued, self.max_per_owner = max_queued, max_per_owner
        self._cond = threading.Condition()
        self._waiting: dict[object, collections.deque] = {}  # owner -> deque[(key, job, future)]
        self._turns: collections.deque = collections.deque()  # owners with waiting jobs, round-robin order
        self._running: set = set()                            # owners with a job on a slot
        self._keys: dict[object, Future] = {}                 # de-duplication: key -> future
        self._queued = 0
        self._closed = False
        self._threads = [threading.Thread(target=self._work, args=(slot,), name=f"grading-slot-{slot}", daemon=True)
                         for slot in range(slots)]
        for thread in self._threads:
            thread.start()

    def submit(self, job: Callable[[int], object], owner, *, key=None) -> Future:
        """Queue ``job`` for ``owner``; a job with the ``key`` of one queued or running already
        is not queued twice (its future is returned). Raises QueueFull when full."""
        with self._cond:
            if self._closed:
                raise RuntimeError("the grading pool is shut down")
            if key is not None and key in self._keys:
                return self._keys[key]
            mine = self._waiting.get(owner)
            if self._queued >= self.max_queued:
                raise QueueFull(f"{self._queued} jobs are waiting")
            if len(mine or ()) + (owner in self._running) >= self.max_per_owner:
                raise QueueFull(f"{self.max_per_owner} jobs of this attempt are waiting or running")
            future: Future = Future()
            if mine is None:
                mine = self._waiting[owner] = collections.deque()
                if owner not in self._running:
                    self._turns.append(owner)
            mine.append((key, job, future))
            self._queued += 1
            if key is not None:
                self._keys[key] = future
            self._cond.notify()
            return future

    def _next(self):
        """Under the lock: the next (owner, key, job, future) in round-robin order, or None."""
        if not self._turns:
            return None
        owner = self._turns.popleft()
        mine = self._waiting[owner]
        key, job, future = mine.popleft()
        if not mine:
            del self._waiting[owner]
        self._queued -= 1
        self._running.add(owner)
        return owner, key, job, future

    def _done(self, owner, key) -> None:
        with self._cond:
            self._running.discard(owner)
            if key is not None:
                self._keys.pop(key, None)
            if owner in self._waiting:  # its next job goes to the back of the line
                self._turns.append(owner)
                self._cond.notify()
            self._cond.notify_all()

    def _work(self, slot: int) -> None:
        while True:
            with self._cond:
                while not self._closed and not self._turns:
                    self._cond.wait()
                if self._closed and not self._turns:
                    return
                owner, key, job, future = self._next()
            if future.set_running_or_notify_cancel():
                try:
                    future.set_result(job(slot))
                except BaseException as exc:  # noqa: BLE001  the caller sees it through the future
                    log.exception("grading job of %s failed", owner)
                    future.set_exception(exc)
            self._done(owner, key)

    def pending(self) -> int:
        with self._cond:
            return self._queued + len(self._running)

    def wait_idle(self, timeout: float | None = None) -> bool:
        with self._cond:
            return self._cond.wait_for(lambda: not self._queued and not self._running, timeout=timeout)

    def shutdown(self, wait: bool = True) -> None:
        with self._cond:
            self._closed = True
            if not wait:
                for mine in self._waiting.values():
                    for _, _, future in mine:
                        future.cancel()
                self._waiting.clear()
                self._turns.clear()
                self._queued = 0
            self._cond.notify_all()
        if wait:
            for thread in self._threads:
                thread.join()


class GradingPool:
    """The sandbox and a fair scheduler over its slots. ``run(job, owner)`` runs ``job(grade)``,
    where ``grade(task, code, which)`` grades in the worker's own slot; ``submit(task, code,
    which)`` grades one submission (its own owner). Unbounded unless ``max_queued`` is given."""

    def __init__(self, slots: int | None = None, sandbox: Sandbox | None = None, *,
                 max_queued: int | None = None, max_per_owner: int | None = None):
        if sandbox is None:
            config = SandboxConfig.from_env()
            if slots is not None:
                config = SandboxConfig(**{**config.__dict__, "slots": slots})
            sandbox = Sandbox(config)
        self.sandbox = sandbox
        self.slots = slots or sandbox.config.slots
        if self.slots > sandbox.config.slots:
            raise ValueError(f"{self.slots} slots but the sandbox config allows {sandbox.config.slots}")
        self._scheduler = FairScheduler(self.slots, max_queued=max_queued if max_queued is not None else 1 << 30,
                                        max_per_owner=max_per_owner or 1 << 30)

    def run(self, job: Callable[[Grade], object], owner, *, key=None) -> Future:
        def in_slot(slot: int):
            return job(lambda task, code, which: grade(task, code, which=which, slot=slot, sandbox=self.sandbox))
        return self._scheduler.submit(in_slot, owner, key=key)

    def submit(self, task: CodingTask, code: str, which: str = "hidden", *, owner=None) -> Future:
        """Grade one submission; the future's result is a GradeResult."""
        return self.run(lambda grade_in_slot: grade_in_slot(task, code, which), owner if owner is not None else object())

    def wait_idle(self, timeout: float | None = None) -> bool:
        return self._scheduler.wait_idle(timeout)

    def shutdown(self, wait: bool = True) -> None:
        self._scheduler.shutdown(wait=wait)

    def __enter__(self) -> "GradingPool":
        return self

    def __exit__(self, *exc) -> None:
        self.shutdown()


def sweep_leftovers(sandbox: Sandbox) -> dict:
    """Clear what a killed grader left behind: every process still running as a slot's uid (a
    detached child outlives its launcher when the server is killed with it) and the slot's run
    folders. A slot whose lock another live grader holds is in use, not left over: skipped.
    Run at server start and by `assessment sandbox check`."""
    config = sandbox.config
    paths = SlotLock(config, None).path_for
    report: dict = {"killed_uids": [], "removed": [], "busy_slots": []}
    for slot in range(config.slots):
        fd = os.open(paths(slot), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                report["busy_slots"].append(slot)
                continue
            uid = sandbox.uid_for(slot)
            if uid is not None and _uid_has_processes(uid):
                Sandbox._sweep(uid)
                report["killed_uids"].append(uid)
            for run_dir in sorted(config.work_root.glob(f"assessment-run-{slot}-*")):
                _rmtree(run_dir)
                report["removed"].append(str(run_dir))
        finally:
            os.close(fd)  # releases the flock
    return report


def _uid_has_processes(uid: int) -> bool:
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                if entry.stat().st_uid == uid:
                    return True
            except OSError:  # exited meanwhile
                continue
    return False
