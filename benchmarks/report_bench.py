"""Study plan rendering: warm time of one plan, and a batch through the background workers.

    .venv/bin/python benchmarks/report_bench.py               # about 3-5 minutes on 2 cores
    .venv/bin/python benchmarks/report_bench.py --batch 20    # a quick look

Builds a temporary SQLite database with the real bank (sections/) and one finished attempt of a
candidate in the middle of the Developing band on three sections, with a target role (the
same factory as tests/reports). Then:

1. one plan, warm: the facts are gathered once; ``compose`` + ``render_pdf`` run ``--repeat``
   times after one warm-up render (fonts, templates, stylesheet loaded); median and spread.
   Also the time to gather the facts from the database, and the cached path (a second
   download: gather + digest + file read).
2. a batch: ``--batch`` plans submitted at once to the render pool the results page uses
   (``services.reports.Renderer``, ``RENDER_WORKERS`` threads), each with its own cache file,
   then the same through ``RENDER_WORKERS`` worker processes (``processes=True``); wall time,
   plans per second, CPU time per plan and peak resident memory (parent and largest worker).
   CPU time is reported because the machine is shared: wall time grows with the load average.

Target (issue 9): at most 1 s per plan on this 2-core machine. Results: docs/benchmarks.md
("## Reports").
"""
from __future__ import annotations

import argparse
import os
import platform
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "tests" / "reports")]


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def build(tmp: Path):
    from report_factories import SECTION_IDS, SECTIONS, TARGET_ROLE, make_assessment, make_finished_attempt

    from assessment import create_app, migrate
    from assessment.content import load_bank
    from assessment.db import get_session
    from assessment.services.bank import sync_bank

    url = f"sqlite:///{tmp / 'bench.db'}"
    migrate.upgrade(url)
    app = create_app({"TESTING": True, "SECRET_KEY": "bench", "DATABASE_URL": url, "SECTIONS_DIR": str(SECTIONS),
                      "RUN_SWEEPER": False})
    with app.app_context():
        session = get_session()
        sync_bank(load_bank(SECTIONS), session=session)
        assessment = make_assessment(session, "AI skills: ML engineer screen", SECTION_IDS, TARGET_ROLE)
        attempt = make_finished_attempt(session, assessment, 0.0, seed=11, name="Sam Developing",
                                        email="bench@example.org")
    return app, attempt.id


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--batch", type=int, default=200)
    parser.add_argument("--pool", choices=("threads", "processes", "both"), default="both",
                        help="Which render pool runs the batch.")
    args = parser.parse_args()

    import reports
    from assessment.db import get_session
    from assessment.services import reports as service

    tmp = Path(tempfile.mkdtemp(prefix="report-bench-"))
    app, attempt_id = build(tmp)
    with app.app_context():
        session = get_session()
        started = time.perf_counter()
        facts = service.gather(session=session, attempt_id=attempt_id, sections_dir=app.config["SECTIONS_DIR"])
        gather_s = time.perf_counter() - started

        reports.render_pdf("study_plan", reports.compose(facts))  # warm-up: fonts, templates
        times, cpu_times = [], []
        for _ in range(args.repeat):
            started, cpu = time.perf_counter(), time.process_time()
            pdf = reports.render_pdf("study_plan", reports.compose(facts))
            times.append(time.perf_counter() - started)
            cpu_times.append(time.process_time() - cpu)
        (tmp / "one.pdf").write_bytes(pdf)
        info = subprocess.run(["pdfinfo", str(tmp / "one.pdf")], capture_output=True, text=True).stdout
        pages = int(re.search(r"Pages:\s+(\d+)", info).group(1)) if "Pages:" in info else "?"

        cache = tmp / "cache"
        service.report_pdf(session=session, attempt_id=attempt_id, kind="study_plan", cache_dir=cache)
        cached = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            service.report_pdf(session=session, attempt_id=attempt_id, kind="study_plan", cache_dir=cache)
            cached.append(time.perf_counter() - started)

    batches = {}
    for processes in {"threads": (False,), "processes": (True,), "both": (False, True)}[args.pool]:
        renderer = service.Renderer(processes=processes)
        folder = tmp / ("batch-processes" if processes else "batch-threads")
        started, cpu = time.perf_counter(), os.times()
        jobs = [renderer.submit(folder / f"{n}.pdf", "study_plan",
                                {**facts, "attempt": {**facts["attempt"], "id": 10_000 + n}})
                for n in range(args.batch)]
        for job in jobs:
            job.future.result()
        wall = time.perf_counter() - started
        workers = renderer.usage()  # probes after the batch: each worker's CPU and peak memory
        renderer.shutdown()
        end = os.times()
        used = (end.user - cpu.user) + (end.system - cpu.system)
        if processes:  # the parent only waits; the workers did the work (probed per pid: take the max per worker)
            used = sum(sorted({round(c, 2) for c, _ in workers})[-service.RENDER_WORKERS:])
        child_rss = max((m for _, m in workers), default=0.0)
        batches[processes] = (wall, used, len(list(folder.glob("*.pdf"))), peak_rss_mb(), child_rss)
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"plan: {len(pdf) // 1024} KB, {pages} pages; facts gathered from the database in {gather_s * 1000:.0f} ms")
    print(f"one plan, warm (compose + render_pdf), {args.repeat} runs: median {statistics.median(times):.3f} s "
          f"(min {min(times):.3f}, max {max(times):.3f}); CPU time median {statistics.median(cpu_times):.3f} s")
    print(f"cached download (gather + digest + read): median {statistics.median(cached) * 1000:.1f} ms")
    for processes, (wall, used, written, rss, child_rss) in batches.items():
        kind = f"{service.RENDER_WORKERS} worker processes" if processes else f"{service.RENDER_WORKERS} threads"
        print(f"batch of {args.batch} through the render pool ({kind}): {wall:.1f} s wall, {wall / args.batch:.3f} s "
              f"per plan, {args.batch / wall:.2f} plans/s, {used / args.batch:.3f} s CPU per plan; {written} files; "
              f"peak RSS {rss:.0f} MB (parent){f', {child_rss:.0f} MB (largest worker)' if processes else ''}")
    print(f"load average during the run: {os.getloadavg()[0]:.1f} (1 min), on {os.cpu_count()} cores")

if __name__ == "__main__":
    main()
