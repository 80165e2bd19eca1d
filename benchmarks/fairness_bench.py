"""Fair grading: an honest candidate's sample-run latency, idle and next to an adversary.

The adversary (one attempt) sends code that ignores signals and spins until its time limit,
as fast as the server lets it: sample runs from several threads at once and a submission. The
honest candidates (their own attempts) run the sample tests of a correct solution one after
another. Everything goes over HTTP to a real threaded server with the real sandbox.

    .venv/bin/python benchmarks/fairness_bench.py [--runs 20] [--attackers 4]

Prints JSON: p50/p95 of the honest runs idle and under attack, their ratio (target <= 2), and
what the adversary got (runs accepted, refused as busy or rate-limited).
"""
import argparse
import json
import re
import statistics
import sys
import tempfile
import threading
import time
from http.cookiejar import CookieJar
from pathlib import Path
from urllib.error import HTTPError
from urllib.request import HTTPCookieProcessor, Request, build_opener

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
FIXTURE_BANK = ROOT / "tests" / "fixtures" / "bank"

SOLUTION = "def double(x):\n    return 2 * x\n"
HOSTILE = ("import signal\nfor s in (signal.SIGTERM, signal.SIGINT, signal.SIGALRM):\n"
           "    signal.signal(s, signal.SIG_IGN)\n\ndef double(x):\n    while True:\n        pass\n")


class Candidate:
    """One invitation over HTTP: begin, start the coding section, run or submit code."""

    def __init__(self, base: str, token: str):
        self.base, self.token = base, token
        self.http = build_opener(HTTPCookieProcessor(CookieJar()))
        self.seq = 0
        self.post("/begin")
        self.post("/sections/0/start")
        page = self.http.open(f"{base}/t/{token}", timeout=60).read().decode()
        self.response_id = int(re.search(r'name="response_id" value="(\d+)"', page).group(1))

    def post(self, path: str, body: dict | None = None) -> tuple[int, dict]:
        data = json.dumps(body).encode() if body is not None else b""
        headers = {"Content-Type": "application/json", "Accept": "application/json"} if body is not None else {}
        try:
            with self.http.open(Request(f"{self.base}/t/{self.token}{path}", data=data, headers=headers,
                                        method="POST"), timeout=120) as reply:
                raw = reply.read()
                return reply.status, (json.loads(raw) if raw.startswith(b"{") else {})
        except HTTPError as exc:
            return exc.code, json.loads(exc.read() or b"{}")

    def run(self, code: str) -> tuple[int, float]:
        self.seq += 1
        start = time.perf_counter()
        status, _ = self.post("/run", {"response_id": self.response_id, "seq": self.seq, "code": code})
        return status, time.perf_counter() - start


def make_server(tmp: Path):
    from werkzeug.serving import make_server as werkzeug_server

    from assessment import create_app, migrate
    from assessment.content import load_bank
    from assessment.security import QuietRequestHandler
    from assessment.services.bank import sync_bank

    url = f"sqlite:///{tmp / 'bench.db'}"
    migrate.upgrade(url)
    app = create_app({"SECRET_KEY": "bench", "DATABASE_URL": url, "SECTIONS_DIR": str(FIXTURE_BANK),
                      "WTF_CSRF_ENABLED": False, "RUN_SWEEPER": False, "SANDBOX_PRODUCTION": False,
                      "SESSION_COOKIE_SECURE": False})
    with app.app_context():
        from assessment.db import get_session

        sync_bank(load_bank(FIXTURE_BANK), session=get_session())
    from assessment import workers

    workers.grading_queue(app).start()
    server = werkzeug_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietRequestHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return app, server, f"http://127.0.0.1:{server.port}"


def new_candidates(app, base: str, n: int) -> list[Candidate]:
    from assessment.services import delivery

    with app.app_context():
        from assessment.db import get_session

        session = get_session()
        assessment = delivery.create_assessment(session=session, title="bench", section_ids=["gamma"], mode="fixed")
        tokens = [delivery.create_invitation(session=session, assessment=assessment)[1] for _ in range(n)]
    return [Candidate(base, t) for t in tokens]


def honest_runs(app, base: str, runs: int) -> list[float]:
    """`runs` sample runs of a correct solution, one at a time, spread over candidates so that
    none hits the per-attempt rate limit."""
    from assessment.services.coding import RUNS_PER_MINUTE

    per = RUNS_PER_MINUTE - 1
    seconds = []
    for candidate in new_candidates(app, base, -(-runs // per)):
        for _ in range(min(per, runs - len(seconds))):
            status, took = candidate.run(SOLUTION)
            assert status == 200, status
            seconds.append(took)
    return seconds


def attack(app, base: str, threads: int, stop: threading.Event) -> dict:
    """One adversarial attempt: a hostile submission, then hostile sample runs from `threads`
    threads until stopped."""
    adversary = new_candidates(app, base, 1)[0]
    outcome: dict = {}
    lock = threading.Lock()

    def hammer():
        while not stop.is_set():
            status, _ = adversary.run(HOSTILE)
            with lock:
                outcome[status] = outcome.get(status, 0) + 1
            if status != 200:
                time.sleep(0.2)

    workers = [threading.Thread(target=hammer, daemon=True) for _ in range(threads)]
    for w in workers:
        w.start()
    time.sleep(1.0)  # the adversary's first runs occupy a slot before the honest candidate starts
    outcome["workers"] = workers
    return outcome


def _p(values: list[float], q: float) -> float:
    return round(1000 * statistics.quantiles(values, n=100)[int(q) - 1], 1) if len(values) > 1 else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20, help="honest sample runs per phase")
    parser.add_argument("--attackers", type=int, default=4, help="adversarial threads (one attempt)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        app, server, base = make_server(Path(tmp))
        try:
            honest_runs(app, base, 2)  # warm-up: imports, caches
            idle = honest_runs(app, base, args.runs)
            stop = threading.Event()
            outcome = attack(app, base, args.attackers, stop)
            loaded = honest_runs(app, base, args.runs)
            stop.set()
            for w in outcome.pop("workers"):
                w.join(60)
        finally:
            server.shutdown()
            from assessment import workers

            workers.grading_queue(app).shutdown()
    report = {
        "slots": app.extensions["assessment.grading"]._pool.slots if app.extensions["assessment.grading"]._pool else None,
        "honest_runs": args.runs,
        "idle_ms": {"p50": _p(idle, 50), "p95": _p(idle, 95), "max": round(1000 * max(idle), 1)},
        "under_attack_ms": {"p50": _p(loaded, 50), "p95": _p(loaded, 95), "max": round(1000 * max(loaded), 1)},
        "p95_ratio": round(_p(loaded, 95) / _p(idle, 95), 2),
        "adversary_answers": {str(k): v for k, v in sorted(outcome.items())},
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
