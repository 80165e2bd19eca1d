"""The grading queue's fairness (issue 8.5): at most one job per attempt on a slot, free slots
go round-robin over the attempts that wait, a bounded queue refuses at once when full, and a
job already queued is not queued twice. Pure threading: no sandbox needed."""
import threading
import time

import pytest

from assessment.grading.pool import FairScheduler, QueueFull


def test_one_attempt_never_holds_two_slots_and_others_go_first():
    """A flooding attempt (A) queues 4 long jobs; B and C queue one each afterwards. With two
    slots, B and C start before A's second job, and A never runs two jobs at once."""
    running, log, lock = {}, [], threading.Lock()
    release = threading.Event()

    def job(owner, n):
        def run(slot):
            with lock:
                running[owner] = running.get(owner, 0) + 1
                assert running[owner] == 1, f"{owner} got two slots"
                log.append(f"{owner}{n}")
            if owner == "A":
                release.wait(5)
            time.sleep(0.05)
            with lock:
                running[owner] -= 1
        return run

    scheduler = FairScheduler(2, max_queued=100, max_per_owner=100)
    futures = [scheduler.submit(job("A", n), "A") for n in range(4)]
    time.sleep(0.1)  # A's first job holds one slot, its others wait
    futures += [scheduler.submit(job("B", 0), "B"), scheduler.submit(job("C", 0), "C")]
    time.sleep(0.3)
    assert log[:3] == ["A0", "B0", "C0"]  # B and C passed A's waiting jobs
    release.set()
    for f in futures:
        f.result(10)
    assert log == ["A0", "B0", "C0", "A1", "A2", "A3"]
    scheduler.shutdown()


def test_round_robin_between_attempts_that_wait():
    order, gate = [], threading.Event()
    scheduler = FairScheduler(1, max_queued=100, max_per_owner=100)
    started = threading.Event()
    blocker = scheduler.submit(lambda slot: (started.set(), gate.wait(5)), "X")
    assert started.wait(5)
    futures = [scheduler.submit(lambda slot, o=o, n=n: order.append(f"{o}{n}"), o)
               for o in ("A", "B") for n in range(3)]
    gate.set()
    blocker.result(5)
    for f in futures:
        f.result(5)
    assert order == ["A0", "B0", "A1", "B1", "A2", "B2"]
    scheduler.shutdown()


def test_a_full_queue_refuses_at_once_in_total_and_per_attempt():
    gate, started = threading.Event(), threading.Event()
    scheduler = FairScheduler(1, max_queued=4, max_per_owner=2)
    scheduler.submit(lambda slot: (started.set(), gate.wait(5)), "A")
    assert started.wait(5)  # A's first job runs
    scheduler.submit(lambda slot: None, "A")  # waiting: A has 2 now
    with pytest.raises(QueueFull, match="of this attempt"):
        scheduler.submit(lambda slot: None, "A")
    for owner in ("B", "C", "D"):
        scheduler.submit(lambda slot: None, owner)
    with pytest.raises(QueueFull, match="jobs are waiting"):
        scheduler.submit(lambda slot: None, "E")
    gate.set()
    assert scheduler.wait_idle(5)
    scheduler.submit(lambda slot: None, "E").result(5)  # room again
    scheduler.shutdown()


def test_the_same_key_is_queued_once():
    gate, calls = threading.Event(), []
    scheduler = FairScheduler(1, max_queued=10, max_per_owner=10)
    started = threading.Event()
    scheduler.submit(lambda slot: (started.set(), gate.wait(5)), "X")
    assert started.wait(5)
    first = scheduler.submit(lambda slot: calls.append(1), "A", key=42)
    again = scheduler.submit(lambda slot: calls.append(2), "A", key=42)
    assert again is first
    gate.set()
    first.result(5)
    assert scheduler.wait_idle(5) and calls == [1]
    scheduler.shutdown()


def test_a_failing_job_reports_through_its_future_and_frees_the_slot():
    scheduler = FairScheduler(1, max_queued=10, max_per_owner=10)
    boom = scheduler.submit(lambda slot: 1 / 0, "A")
    with pytest.raises(ZeroDivisionError):
        boom.result(5)
    assert scheduler.submit(lambda slot: slot, "A").result(5) == 0
    scheduler.shutdown()
