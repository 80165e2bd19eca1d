"""Where an autosave's CPU goes, in-process (no HTTP server, no other clients): the stress
measure's ratio (answer saves vs /healthz, `run.py --stress`) is set by the CPU each request
costs the server, and this splits the autosave's into its parts.

    python benchmarks/load/answer_cpu.py [--requests 1000] [--synchronous full|normal] [--db postgres]

Production settings (CSRF checked, the access log written to /dev/null) on a temporary SQLite
database (or, with `--db postgres`, a temporary database on 127.0.0.1:5432: this process's CPU
only, not PostgreSQL's) with the real bank; one candidate parked on a question autosaves N times, then N
requests of /healthz with the same cookies. Prints the CPU per request (the best of 5 rounds:
other load on the machine only adds) and, from one profiled round (cProfile with process time:
its own overhead inflates every part alike), each part's share of the autosave.
"""
import argparse
import cProfile
import logging
import os
import pstats
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from stack import pg_admin  # noqa: E402  (beside this script)

#: The parts of an autosave, by the function that does each (file suffix, function name).
PARTS = (
    ("CSRF check (flask-wtf; the answer route goes without it, assessment/security.py)", "flask_wtf/csrf.py",
     "protect"),
    ("the save, all of it (the UPDATE, and its commit on disk)", "services/answering.py", "save_answer_for_link"),
    ("  of which the UPDATE on the driver's connection (transactions.DriverStatement)", "services/transactions.py",
     "rowcount"),
    ("  of which SQLite's group commit fsync (after the write lock is released)", "assessment/db.py", "after_commit"),
    ("request body parsed and checked", "candidate/views.py", "_answer_request"),
    ("JSON reply", "flask/json/__init__.py", "jsonify"),
    ("Flask session cookie opened", "flask/sessions.py", "open_session"),
    ("response headers (security)", "assessment/security.py", "_headers"),
)


def _app(workdir: str, synchronous: str, database_url: str):
    from assessment import create_app, migrate
    from assessment.content import load_bank
    from assessment.db import get_session
    from assessment.services.bank import sync_bank
    from assessment.services.delivery import create_assessment, create_invitation

    app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "cpu-" + "x" * 40,
                      "SQLITE_SYNCHRONOUS": synchronous, "RUN_SWEEPER": False, "SESSION_COOKIE_SECURE": False})
    migrate.upgrade(app.config["DATABASE_URL"])
    with app.app_context():
        session = get_session()
        sync_bank(load_bank(Path(app.config["SECTIONS_DIR"])), session=session)
        assessment = create_assessment(session=session, title="CPU", section_ids=["mathematics"])
        token = create_invitation(session=session, assessment=assessment, email="cpu@example.org")[1]
    return app, token


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--synchronous", choices=("full", "normal"), default="full", help="SQLite only")
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    args = parser.parse_args()
    logging.getLogger("assessment").handlers[:] = [logging.FileHandler(os.devnull)]
    database = f"answer_cpu_{os.getpid()}"
    with tempfile.TemporaryDirectory(prefix="answer-cpu-") as workdir:
        if args.db == "postgres":
            pg_admin(f'CREATE DATABASE "{database}"')
            database_url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{database}"
        else:
            database_url = f"sqlite:///{workdir}/cpu.db"
        try:
            _measure(args, *_app(workdir, args.synchronous, database_url))
        finally:
            if args.db == "postgres":
                pg_admin(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def _measure(args, app, token: str) -> None:
    client = app.test_client()
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', client.get(f"/t/{token}").text).group(1)
    assert client.post(f"/t/{token}/begin", data={"csrf_token": csrf}).status_code == 302
    assert client.post(f"/t/{token}/sections/0/start", data={"csrf_token": csrf}).status_code == 302
    page = client.get(f"/t/{token}").text
    response_id = int(re.search(r'name="response_id"[^>]*value="(\d+)"', page).group(1))
    kind = re.search(r'data-type="(\w+)"', page).group(1)
    seq = [0]

    def answer(n: int) -> dict:  # a different answer each time, of the item's kind
        return {"single_choice": {"choice": str(1 + n % 2)}, "multiple_choice": {"choices": [str(1 + n % 2)]},
                "code": {"code": f"def solve():\n    return {n}\n"}}.get(kind, {"value": str(n)})

    def autosaves():
        for _ in range(args.requests):
            seq[0] += 1
            reply = client.post(f"/t/{token}/answer", headers={"X-CSRFToken": csrf},
                                json={"response_id": response_id, "seq": seq[0], "final": False,
                                      "answer": answer(seq[0])})
            if reply.status_code != 200:
                raise SystemExit(f"autosave refused: {reply.status_code} {reply.text[:200]}")

    def healthz():
        for _ in range(args.requests):
            client.get("/healthz")

    best = {}
    for _ in range(5):
        for name, work in (("autosave", autosaves), ("healthz", healthz)):
            started = time.process_time()
            work()
            best[name] = min(best.get(name, float("inf")), (time.process_time() - started) / args.requests)
    database = "PostgreSQL" if args.db == "postgres" else f"SQLite synchronous={args.synchronous}"
    print(f"CPU per request, in-process, {database}, best of 5 x {args.requests} "
          f"(a {kind} item):")
    print(f"  autosave {best['autosave'] * 1e3:.3f} ms, /healthz {best['healthz'] * 1e3:.3f} ms "
          f"(ratio {best['healthz'] / best['autosave']:.0%})")
    profile = cProfile.Profile(time.process_time)
    profile.enable()
    autosaves()
    profile.disable()
    stats = pstats.Stats(profile).stats
    total = max(ct for (_, _, name), (_, _, _, ct, _) in stats.items() if name == "wsgi_app")
    print("Share of the autosave's CPU (one profiled round):")
    for label, path, function in PARTS:
        part = sum(ct for (file, _, name), (_, _, _, ct, _) in stats.items()
                   if name == function and file.endswith(path))
        print(f"  {part / total:5.1%}  {label}")


if __name__ == "__main__":
    main()
