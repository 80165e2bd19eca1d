"""Sandbox and grading benchmarks (docs/benchmarks.md, "Sandbox and grading").

1. Per-run overhead: a sandboxed ``pass`` (launcher + every layer + sweep) against the bare
   runtime interpreter running ``-c pass``; target <= 30 ms.
2. Throughput: a batch of submissions of the softmax fixture item through GradingPool.
3. Mixed batch: honest submissions with hostile ones (infinite loops, memory bombs) in the
   same pool; honest runs must not be slowed by more than the hostile runs' own limits.

Run as root from the checkout:  .venv/bin/python benchmarks/sandbox_bench.py
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assessment.content.coding import Limits, load_coding_task  # noqa: E402
from assessment.grading.grader import grade  # noqa: E402
from assessment.grading.pool import GradingPool  # noqa: E402
from assessment.grading.sandbox import Sandbox  # noqa: E402

ITEM = ROOT / "tests" / "grading" / "fixtures" / "sections" / "fixtures" / "items" / "fx-softmax"
HOSTILE = {
    "infinite loop": "def softmax(z):\n    while True:\n        pass\n",
    "memory bomb": "def softmax(z):\n    return bytearray(10 ** 10)\n",
}


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def overhead(sandbox: Sandbox, runs: int) -> dict:
    python = sandbox.layers.python
    bare, boxed = [], []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run([python, "-I", "-B", "-c", "pass"], check=True)
        bare.append(time.perf_counter() - t)
        t = time.perf_counter()
        out = sandbox.run({"x.py": b"pass\n"}, ["x.py"], limits=Limits(), wall_s=10, slot=0)
        boxed.append(time.perf_counter() - t)
        assert out.exit_code == 0, out
    b, s = statistics.median(bare), statistics.median(boxed)
    return {"runs": runs, "bare_python_ms": _ms(b), "sandboxed_ms": _ms(s),
            "overhead_ms": _ms(s - b), "sandboxed_p90_ms": _ms(sorted(boxed)[int(runs * .9)])}


def batch(pool: GradingPool, task, codes: list[str]) -> tuple[float, list]:
    start = time.perf_counter()
    futures = [(code, time.perf_counter(), pool.submit(task, code, "hidden")) for code in codes]
    results = [(code, f.result()) for code, _, f in futures]
    return time.perf_counter() - start, results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50, help="runs for the overhead figure")
    parser.add_argument("--batch", type=int, default=200, help="submissions in the batch")
    parser.add_argument("--honest", type=int, default=40, help="honest runs in the mixed batch")
    parser.add_argument("--hostile", type=int, default=4, help="hostile runs in the mixed batch")
    args = parser.parse_args()

    sandbox = Sandbox()
    task = load_coding_task(ITEM)
    good = (ITEM / "solution.py").read_text()
    report = {"layers": sandbox.layers.describe(), "overhead": overhead(sandbox, args.runs)}
    single = []
    for _ in range(10):  # end to end: work dir, launcher, harness on 6 cases, sweep, judging
        t = time.perf_counter()
        assert grade(task, good, sandbox=sandbox, slot=0).status == "passed"
        single.append(time.perf_counter() - t)
    report["one_grading_run_ms"] = _ms(statistics.median(single))

    slots = sandbox.config.slots
    with GradingPool(slots=slots, sandbox=sandbox) as pool:
        seconds, results = batch(pool, task, [good] * args.batch)
        assert all(r.status == "passed" for _, r in results)
        report["throughput"] = {"submissions": args.batch, "slots": slots,
                                "seconds": round(seconds, 2),
                                "per_second": round(args.batch / seconds, 1)}

        honest_alone, alone = batch(pool, task, [good] * args.honest)
        hostile = [HOSTILE[k] for k in sorted(HOSTILE)] * (args.hostile // len(HOSTILE))
        mixed_codes = [good] * args.honest
        for i, code in enumerate(hostile):  # spread the hostile runs through the queue
            mixed_codes.insert((i + 1) * len(mixed_codes) // (len(hostile) + 1), code)
        mixed_seconds, mixed = batch(pool, task, mixed_codes)
    honest_runs = [r.time_ms for c, r in mixed if c == good]
    hostile_runs = [r for c, r in mixed if c != good]
    assert all(r.status == "passed" for c, r in mixed if c == good)
    hostile_s = [r.time_ms / 1000 for r in hostile_runs]
    # List scheduling bound: the honest-only makespan, plus the hostile work spread over the
    # slots, plus one hostile run (a run cannot be split between slots).
    bound = honest_alone + sum(hostile_s) / slots + max(hostile_s)
    report["mixed"] = {
        "honest": args.honest, "hostile": len(hostile_runs),
        "hostile_statuses": sorted(r.status for r in hostile_runs),
        "hostile_run_s": [round(s, 2) for s in hostile_s],
        "honest_only_batch_s": round(honest_alone, 2),
        "mixed_batch_s": round(mixed_seconds, 2),
        "bound_s": round(bound, 2),
        "within_bound": mixed_seconds <= bound,
        "honest_run_ms_alone_median": round(statistics.median(r.time_ms for _, r in alone), 1),
        "honest_run_ms_mixed_median": round(statistics.median(honest_runs), 1),
        "honest_run_ms_mixed_max": max(honest_runs),
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
