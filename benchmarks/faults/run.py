"""Fault runs: candidates take the test while something breaks; then the database is checked.

    python benchmarks/faults/run.py kill-web-worker            # SIGKILL a gunicorn worker mid-test
    python benchmarks/faults/run.py kill-queue-worker          # SIGKILL a queue worker mid-grading (Redis)
    python benchmarks/faults/run.py redis-outage               # Redis unreachable for 5 s (Redis)
    python benchmarks/faults/run.py db-outage --db postgres    # PostgreSQL unreachable for 5 s
    python benchmarks/faults/run.py deadlines                  # 30-second sections: time runs out mid-request
    python benchmarks/faults/run.py all

After each: no acknowledged answer lost, no duplicate response or grade, no answer stored after
its section's deadline plus grace, no section left open past it, and during an outage clients
got 503 with retry advice rather than 500s. Outages go through a TCP proxy on 127.0.0.1, so the
machine's shared PostgreSQL and Redis are never stopped. Bounded in count and time.
"""
import argparse
import os
import random
import signal
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from proxy import OutageProxy  # noqa: E402


def _load_harness():
    """The load test's candidates, stack and database checks (benchmarks/load/: run.py imports
    stack.py and db_checks.py)."""
    import importlib.util

    path = Path(__file__).resolve().parents[1] / "load" / "run.py"
    spec = importlib.util.spec_from_file_location("load_harness", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_harness = _load_harness()
Candidate, Stack, Stats, check_database = _harness.Candidate, _harness.Stack, _harness.Stats, _harness.check_database

SCENARIOS = ("kill-web-worker", "kill-queue-worker", "redis-outage", "db-outage", "deadlines")


def _children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def _late_or_open(database_url: str, grace: float) -> list[str]:
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    problems = []
    with engine.connect() as connection:
        rows = connection.execute(text(
            "SELECT r.saved_at, s.deadline_at FROM response r JOIN section_attempt s ON s.id = r.section_attempt_id "
            "WHERE r.saved_at IS NOT NULL AND s.deadline_at IS NOT NULL")).all()
        late = 0
        for saved_at, deadline_at in rows:
            saved_at, deadline_at = _as_datetime(saved_at), _as_datetime(deadline_at)
            if (saved_at - deadline_at).total_seconds() > grace:
                late += 1
        if late:
            problems.append(f"{late} answer(s) stored after the deadline plus {grace:.0f} s grace")
        rows = connection.execute(text("SELECT deadline_at FROM section_attempt WHERE status = 'active'")).all()
        import datetime as dt

        now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
        stale = sum(1 for (deadline_at,) in rows if (now - _as_datetime(deadline_at)).total_seconds() > grace + 10)
        if stale:
            problems.append(f"{stale} section(s) still open more than a sweep past their deadline")
    engine.dispose()
    return problems


def _as_datetime(value):
    import datetime as dt

    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value.replace(tzinfo=None)


def run_scenario(name: str, args) -> bool:
    args.redis = args.redis or name in ("kill-queue-worker", "redis-outage")
    args.section_seconds = 30 if name == "deadlines" else 900
    workdir = Path(os.environ.get("TMPDIR", "/tmp")) / f"assessment-fault-{name}-{os.getpid()}"
    workdir.mkdir(parents=True, exist_ok=True)
    stack = Stack(args, workdir)
    stack.env["ASSESSMENT_JOB_LEASE_SECONDS"] = "30"
    stats, acked, lock = Stats(), {}, threading.Lock()
    proxy = None
    try:
        tokens, assessment_id = stack.prepare(args.candidates)
        if name == "db-outage":
            if args.db != "postgres":
                raise SystemExit("db-outage needs --db postgres (SQLite is a file, not a connection)")
            proxy = OutageProxy(5432)
            stack.env["DATABASE_URL"] = stack.database_url.replace("127.0.0.1:5432", f"127.0.0.1:{proxy.port}")
        if name == "redis-outage":
            proxy = OutageProxy(6379)
            stack.env["ASSESSMENT_REDIS_URL"] = stack.env["ASSESSMENT_REDIS_URL"].replace("6379", str(proxy.port))
        port = stack.start()
        rng = random.Random(args.seed)
        deadline = time.monotonic() + args.max_seconds
        think = 3.0 if name == "deadlines" else args.think
        candidates = [Candidate(t, port, stats, think, 0.05, random.Random(rng.random()), deadline, acked, lock)
                      for t in tokens]
        threads = [threading.Thread(target=c.run) for c in candidates]
        for thread in threads:
            thread.start()
            time.sleep(0.05)
        time.sleep(args.fault_after)
        fault = inject(name, stack, proxy)
        print(f"[{name}] fault: {fault}", flush=True)
        for thread in threads:
            thread.join(timeout=max(1, deadline - time.monotonic() + 30))
        problems = check_database(stack.database_url, assessment_id, acked, wait_grading=90)
        time.sleep(6)  # one sweep interval, then no section may be open past its deadline
        problems += _late_or_open(stack.database_url, grace=3)
        statuses = {label: dict(counts) for label, counts in stats.statuses.items()}
        five_hundreds = sum(n for counts in statuses.values() for status, n in counts.items()
                            if isinstance(status, int) and status >= 500 and status != 503)
        unavailable = sum(counts.get(503, 0) for counts in statuses.values())
        late = sum(counts.get(409, 0) for counts in statuses.values())
        finished = sum(c.finished for c in candidates)
        print(f"[{name}] candidates finished {finished}/{len(candidates)}; acknowledged answers {len(acked)}; "
              f"503 (retry advised) {unavailable}; 409 (late/conflict) {late}; other 5xx {five_hundreds}")
        print(f"[{name}] statuses: " + "; ".join(f"{label} {counts}" for label, counts in sorted(statuses.items())))
        if five_hundreds:
            problems.append(f"{five_hundreds} response(s) were 5xx other than 503")
        print(f"[{name}] " + ("OK" if not problems else "PROBLEMS: " + "; ".join(problems)), flush=True)
        return not problems
    finally:
        stack.stop()
        stack.drop_database()


def inject(name: str, stack: Stack, proxy: OutageProxy | None) -> str:
    servers = [p for p in stack.processes if "serve" in " ".join(p.args)]
    if name == "kill-web-worker":
        workers = [pid for pid in _children(servers[0].pid) if "sweeper" not in _cmdline(pid)]
        os.kill(workers[0], signal.SIGKILL)
        return f"SIGKILL gunicorn worker {workers[0]} (gunicorn starts a new one)"
    if name == "kill-queue-worker":
        import redis

        client = redis.Redis.from_url(stack.env["ASSESSMENT_REDIS_URL"])
        queue_workers = [p for p in stack.processes if " worker" in " ".join(p.args)]
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # wait until a worker is really mid-job
            if any(key for key in client.scan_iter("rq:wip:*")) or client.zcard("rq:wip:grading"):
                break
            time.sleep(0.1)
        victim = queue_workers[0]
        os.killpg(victim.pid, signal.SIGKILL)
        stack._spawn(list(victim.args), "worker-replacement")
        return f"SIGKILL queue worker {victim.pid} mid-job; a replacement started"
    if name in ("redis-outage", "db-outage"):
        proxy.outage(5)
        return f"{'Redis' if name == 'redis-outage' else 'PostgreSQL'} unreachable for 5 s"
    return "sections of 30 s with 3 s think time: deadlines pass while requests are in flight"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("scenario", choices=(*SCENARIOS, "all"))
    parser.add_argument("--candidates", type=int, default=30)
    parser.add_argument("--think", type=float, default=0.5)
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--fault-after", type=float, default=8, help="seconds into the run")
    parser.add_argument("--max-seconds", type=float, default=240)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    args.servers, args.workers, args.threads, args.queue_workers, args.redis_db = 1, 2, 4, 2, 13
    args.worker_nice = 10  # as in the load harness: queue workers share this machine with the server
    args.redis = False
    results = {}
    for name in (SCENARIOS if args.scenario == "all" else (args.scenario,)):
        if name == "db-outage" and args.db != "postgres":
            args_db, args.db = args.db, "postgres"
            results[name] = run_scenario(name, args)
            args.db = args_db
        else:
            results[name] = run_scenario(name, args)
    print("\n".join(f"{name:<20}{'OK' if ok else 'FAILED'}" for name, ok in results.items()))
    sys.exit(0 if all(results.values()) else 1)


if __name__ == "__main__":
    main()
