"""services/reports.py, the survivors of its mutation run in the render pool's process branch:
its pool (forkserver workers at a lower priority), the probes of its usage, and the submit path,
with the processes replaced by threads (the branch's code is the same). Split from
test_reports_mutants.py, whose facts it uses (the `gated` renderer: conftest.py)."""
import concurrent.futures
import multiprocessing
import os
import resource
import threading
import time

import pytest
from test_reports_mutants import _facts

from assessment.services import reports as service

reports = service.reports


def test_a_process_pool_has_its_workers_forkserver_and_lower_priority(monkeypatch):
    registered = []
    monkeypatch.setattr(service.atexit, "register", lambda fn, *args, **kwargs: registered.append((fn, kwargs)))
    renderer = service.Renderer(3, nice=7)
    try:
        pool = renderer._pool
        assert isinstance(pool, concurrent.futures.ProcessPoolExecutor) and renderer._processes is True
        assert pool._max_workers == 3 and pool._mp_context.get_start_method() == "forkserver"
        assert pool._initializer is service._lower_priority and pool._initargs == (7,)
        # shut down at exit before the interpreter tears down: wait for renders, drop queued ones
        assert [r for r in registered if r[0] == pool.shutdown] == [(pool.shutdown, {"wait": True,
                                                                                     "cancel_futures": True})]
    finally:
        renderer.shutdown()
    default = service.Renderer()
    try:
        assert default._pool._max_workers == service.RENDER_WORKERS == 2
        assert default._pool._initargs == (service.RENDER_NICE,) and service.RENDER_NICE == 10
    finally:
        default.shutdown()
    threads = service.Renderer(3, processes=False)
    try:
        assert isinstance(threads._pool, concurrent.futures.ThreadPoolExecutor) and threads._processes is False
        assert threads._pool._max_workers == 3
    finally:
        threads.shutdown()


def test_a_render_process_lowers_its_priority_by_the_nice_given(monkeypatch):
    calls = []
    monkeypatch.setattr(service.os, "nice", calls.append)
    service._lower_priority(10)
    service._lower_priority(0)  # nothing to lower
    assert calls == [10]


def test_a_real_render_process_runs_at_the_lower_priority():
    context = multiprocessing.get_context("forkserver")  # as the pool uses (no fork of a threaded process)
    with concurrent.futures.ProcessPoolExecutor(1, mp_context=context, initializer=service._lower_priority,
                                                initargs=(3,)) as pool:
        child = pool.submit(_own_niceness).result(30)
    assert child == _own_niceness() + 3 or child == 19  # capped at 19


def _own_niceness():

    return os.nice(0)


def _threads_for_processes(renderer):
    """Run the process branch in threads: the pool is swapped, the branch's code is the same."""
    renderer._pool.shutdown()
    renderer._pool = concurrent.futures.ThreadPoolExecutor(max_workers=2)
    return renderer


@pytest.fixture
def process_renderer(monkeypatch):
    monkeypatch.setattr(service.atexit, "register", lambda *args, **kwargs: None)
    renderer = _threads_for_processes(service.Renderer(2))
    yield renderer
    renderer.shutdown()


def test_the_process_branch_renders_into_the_file_and_is_known_as_layout_until_done(process_renderer, gated,
                                                                                      tmp_path):
    gate, calls, _ = gated
    path = tmp_path / "7" / "study_plan-p.pdf"
    job = process_renderer.submit(path, "study_plan", _facts(7))
    assert job.stage == "layout" and not job.elsewhere and job.path == path  # no stages heard from a process
    assert path.with_suffix(".claim").exists() and process_renderer.job(path) is job
    assert process_renderer.in_flight(7, "study_plan") is job
    gate.set()
    assert job.future.result(10) == path and path.read_bytes() == b"%PDF study_plan 7"
    deadline = time.monotonic() + 10
    while job.stage != "ready" and time.monotonic() < deadline:  # the done callback runs after the result
        time.sleep(0.01)
    assert job.stage == "ready" and job.error is None and calls == ["study_plan"]
    assert not path.with_suffix(".claim").exists() and process_renderer.job(path) is None
    assert process_renderer.in_flight(7, "study_plan") is None


def test_a_failed_render_in_the_process_branch_is_reported(process_renderer, gated, tmp_path, caplog):
    gate, _, fail = gated
    fail.append(RuntimeError("no fonts"))
    path = tmp_path / "study_plan-f.pdf"
    job = process_renderer.submit(path, "study_plan", _facts(8))
    gate.set()  # fails after the submit has returned, as a render in a process does
    with pytest.raises(RuntimeError):
        job.future.result(10)
    deadline = time.monotonic() + 10
    while job.error is None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert job.error == "RuntimeError: no fonts" and job.stage == "layout"
    assert process_renderer.job(path) is job and not path.with_suffix(".claim").exists()
    assert process_renderer.in_flight(8, "study_plan") is None
    assert [r.getMessage() for r in caplog.records if r.name == service.log.name] == [
        "rendering study_plan-f.pdf failed: RuntimeError('no fonts')"]


def test_usage_asks_four_probes_per_worker_of_the_processes(process_renderer, monkeypatch):
    asked = []
    real_submit = process_renderer._pool.submit

    def submit(fn, *args):
        asked.append(fn)
        return real_submit(fn, *args)

    monkeypatch.setattr(process_renderer._pool, "submit", submit)
    before = resource.getrusage(resource.RUSAGE_SELF)
    usage = process_renderer.usage()
    after = resource.getrusage(resource.RUSAGE_SELF)
    assert asked == [service.process_usage] * (4 * service.RENDER_WORKERS) and len(usage) == 8
    for cpu, peak in usage:  # here the probes ran in this process's threads
        assert before.ru_utime + before.ru_stime <= cpu <= after.ru_utime + after.ru_stime
        assert before.ru_maxrss / 1024 <= peak <= after.ru_maxrss / 1024


def test_process_usage_adds_system_time_and_gives_megabytes():
    with open("/dev/zero", "rb") as zero:
        for _ in range(2000):
            zero.read(65536)  # some system time, so that user + system differs from user - system
    before = resource.getrusage(resource.RUSAGE_SELF)
    cpu, peak = service.process_usage()
    after = resource.getrusage(resource.RUSAGE_SELF)
    assert before.ru_stime > 0
    assert before.ru_utime + before.ru_stime <= cpu <= after.ru_utime + after.ru_stime
    # the kernel counts the peak in KiB: MiB is that over 1024
    assert before.ru_maxrss / 1024 <= peak <= after.ru_maxrss / 1024


def test_a_process_render_that_ends_before_its_callback_is_added_does_not_deadlock(process_renderer, gated,
                                                                                    tmp_path):
    gate, _, fail = gated
    fail.append(RuntimeError("no fonts"))
    gate.set()
    real_submit = process_renderer._pool.submit

    def submit_and_finish(fn, *args):  # a render process that fails at once, before submit returns
        future = real_submit(fn, *args)
        concurrent.futures.wait([future], timeout=10)
        return future

    process_renderer._pool.submit = submit_and_finish
    path = tmp_path / "study_plan-d.pdf"
    submitted = []
    caller = threading.Thread(target=lambda: submitted.append(process_renderer.submit(path, "study_plan", _facts(3))),
                              daemon=True)
    caller.start()
    caller.join(10)
    assert not caller.is_alive(), "submit deadlocked: the done callback waited for the lock submit held"
    job = submitted[0]
    assert job.error == "RuntimeError: no fonts" and not path.with_suffix(".claim").exists()
    assert process_renderer.in_flight(3, "study_plan") is None
