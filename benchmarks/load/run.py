"""Load test: simulated candidates take a whole test over HTTP against real servers on 127.0.0.1.

    python benchmarks/load/run.py --candidates 200 --think 1.0            # SQLite, one server
    python benchmarks/load/run.py --db postgres --servers 2 --redis       # 2 servers behind nginx,
                                                                          # PostgreSQL, queue workers
    python benchmarks/load/run.py --stress 20 --candidates 50             # no think time: answer
                                                                          # throughput vs /healthz

Each candidate opens its link, begins, starts every section, autosaves and answers each item
(code items: a sample run, then a submission), drops its connection and cookies now and then and
resumes, then opens the results and downloads the study plan. Afterwards the database is checked:
every acknowledged answer present exactly once, every section closed and scored, every code
submission graded exactly once. Bounded in count and time; talks only to 127.0.0.1.
"""
import argparse
import http.client
import json
import random
import re
import shutil
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from db_checks import check_database  # noqa: E402
from stack import Stack  # noqa: E402

PLAN_WAIT_POLLS = 300  # a candidate polls the study plan's status once a second for at most this long


# --- HTTP client: one keep-alive connection per candidate, cookies by hand -----------------------

class Client:
    def __init__(self, port: int, stats: "Stats"):
        self.port, self.stats = port, stats
        self.cookies: dict[str, str] = {}
        self.connection = None

    def drop(self) -> None:
        """A lost connection and a fresh browser profile: the candidate resumes from the link."""
        if self.connection is not None:
            self.connection.close()
        self.connection, self.cookies = None, {}

    def request(self, method: str, path: str, label: str, *, form: dict | None = None,
                data: dict | None = None, csrf: str | None = None) -> tuple[int, dict, bytes]:
        headers = {"Connection": "keep-alive"}
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        elif data is not None:
            body = json.dumps(data)
            headers["Content-Type"] = "application/json"
        if csrf:
            headers["X-CSRFToken"] = csrf
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        for attempt in range(3):
            if self.connection is None:
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
            started = time.perf_counter()
            try:
                self.connection.request(method, path, body=body, headers=headers)
                response = self.connection.getresponse()
                payload = response.read()
            except (OSError, http.client.HTTPException):
                self.connection.close()
                self.connection = None
                # Counted, but not as a latency: what the retry that follows takes is the figure.
                self.stats.count(label, "conn-retry")
                time.sleep(0.5 * (attempt + 1))
                continue
            self.stats.record(label, time.perf_counter() - started, response.status)
            for name, value in response.getheaders():
                if name.lower() == "set-cookie":
                    key, _, rest = value.partition("=")
                    self.cookies[key.strip()] = rest.split(";", 1)[0]
            if response.getheader("Connection", "").lower() == "close":
                self.connection.close()
                self.connection = None
            return response.status, dict(response.getheaders()), payload
        return 0, {}, b""


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.statuses: dict[str, dict] = defaultdict(lambda: defaultdict(int))

    def record(self, label: str, seconds: float, status) -> None:
        with self.lock:
            self.latencies[label].append(seconds)
            self.statuses[label][status] += 1

    def count(self, label: str, status) -> None:
        with self.lock:
            self.statuses[label][status] += 1

    def table(self, wall: float) -> str:
        lines = [f"{'endpoint':<16}{'count':>7}{'req/s':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}  statuses"]
        for label in sorted(self.latencies):
            values = sorted(self.latencies[label])
            pct = lambda q: values[min(len(values) - 1, int(q * len(values)))] * 1000  # noqa: E731
            statuses = ", ".join(f"{k}:{v}" for k, v in sorted(self.statuses[label].items(), key=str))
            lines.append(f"{label:<16}{len(values):>7}{len(values) / wall:>8.1f}{pct(0.5):>9.1f}{pct(0.95):>9.1f}"
                         f"{pct(0.99):>9.1f}  {statuses}")
        return "\n".join(lines)


# --- a candidate ----------------------------------------------------------------------------------

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|name="csrf-token"[^>]*content="([^"]+)"')
START_FORM = re.compile(r'action="(/t/[^"]+/(?:begin|sections/\d+/start))"')
RESPONSE_ID = re.compile(r'name="response_id"[^>]*value="(\d+)"')
SEQ = re.compile(r'data-seq="(\d+)"')
ITEM_TYPE = re.compile(r'data-type="(\w+)"')
CHOICE = re.compile(r'name="choice"[^>]*value="([^"]+)"')
CHOICES = re.compile(r'name="choices"[^>]*value="([^"]+)"')
PLAN_LINK = re.compile(r'href="(/t/[^"]*study-plan\.pdf)"')
PLAN_STATUS = re.compile(r'data-status-url="(/t/[^"]*/study-plan/status)"')


def _csrf(page: str) -> str | None:
    match = CSRF.search(page)
    return (match.group(1) or match.group(2)) if match else None


class Candidate:
    def __init__(self, token: str, port: int, stats: Stats, think: float, drop_rate: float, rng: random.Random,
                 deadline: float, acked: dict, lock: threading.Lock):
        self.token, self.stats, self.think, self.drop_rate, self.rng = token, stats, think, drop_rate, rng
        self.client = Client(port, stats)
        self.deadline, self.acked, self.acked_lock = deadline, acked, lock
        self.base = f"/t/{token}"
        self.finished = False
        self.errors: list[str] = []

    def pause(self) -> None:
        if self.think:
            time.sleep(self.rng.uniform(0.5, 1.5) * self.think)

    def page(self) -> tuple[int, str, str]:
        status, headers, body = self.client.request("GET", self.base, "page")
        location = headers.get("Location", "")
        return status, location, body.decode("utf-8", "replace")

    def run(self) -> None:
        try:
            self._run()
        except Exception as exc:  # noqa: BLE001  reported in the summary, never silently
            self.errors.append(f"{type(exc).__name__}: {exc}")

    def _run(self) -> None:
        for _ in range(200):
            if time.monotonic() > self.deadline:
                self.errors.append("time budget of the run ran out")
                return
            if self.rng.random() < self.drop_rate:
                self.client.drop()
            status, location, page = self.page()
            if status in (301, 302, 303) and "results" in location:
                self.results(location)
                return
            if status != 200:
                self.errors.append(f"page answered {status}")
                time.sleep(1)
                continue
            start = START_FORM.search(page)
            response_id = RESPONSE_ID.search(page)
            if response_id:
                self.answer(page, int(response_id.group(1)))
            elif start:
                label = "begin" if start.group(1).endswith("begin") else "start-section"
                self.pause()
                self.client.request("POST", start.group(1), label, form={"csrf_token": _csrf(page) or ""})
            else:
                self.errors.append("a page with neither a question nor a start button")
                return
        self.errors.append("more than 200 pages without finishing")

    def answer(self, page: str, response_id: int) -> None:
        csrf = _csrf(page)
        seq = int(SEQ.search(page).group(1)) if SEQ.search(page) else 0
        kind = ITEM_TYPE.search(page).group(1)
        if kind == "code":
            code = "def solve(*args, **kwargs):\n    return 0\n"
            self.pause()
            self.client.request("POST", f"{self.base}/run", "run-samples", csrf=csrf,
                                data={"response_id": response_id, "code": code, "seq": seq + 1})
            self.pause()
            status, _, _ = self.client.request("POST", f"{self.base}/submit-code", "submit-code", csrf=csrf,
                                               data={"response_id": response_id, "code": code, "seq": seq + 2})
            if status == 200:  # a submission's save number is the server's (one past the last save)
                self.ack(response_id, 0, {"code": code}, True)
            return
        if kind == "single_choice":
            answers = [{"choice": value} for value in CHOICE.findall(page)]
        elif kind == "multiple_choice":
            options = CHOICES.findall(page)
            answers = [{"choices": sorted(self.rng.sample(options, self.rng.randint(1, len(options))))}
                       for _ in range(2)]
        else:
            answers = [{"value": f"{self.rng.uniform(-5, 50):.3f}"} for _ in range(2)]
        draft, final = self.rng.choice(answers), self.rng.choice(answers)
        self.pause()
        status, _, _ = self.client.request("POST", f"{self.base}/answer", "autosave", csrf=csrf,
                                           data={"response_id": response_id, "seq": seq + 1, "final": False,
                                                 "answer": draft})
        if status == 200:
            self.ack(response_id, seq + 1, draft, False)
        self.pause()
        status, _, _ = self.client.request("POST", f"{self.base}/answer", "answer", csrf=csrf,
                                           data={"response_id": response_id, "seq": seq + 2, "final": True,
                                                 "answer": final})
        if status == 200:
            self.ack(response_id, seq + 2, final, True)

    def ack(self, response_id: int, seq: int, answer: dict, final: bool) -> None:
        with self.acked_lock:
            previous = self.acked.get(response_id)
            if previous is None or previous[0] < seq or (final and not previous[2]):
                self.acked[response_id] = (seq, answer, final)

    def results(self, location: str) -> None:
        """What the results page does: poll the study plan's status once a second from the
        moment the page is open (that starts the render), then download it."""
        path = urllib.parse.urlsplit(location).path
        for _ in range(60):  # while code is being graded the page refreshes itself every 5 s
            status, _, body = self.client.request("GET", path, "results")
            page = body.decode("utf-8", "replace")
            if status != 200 or 'id="grading-notice"' not in page:
                break
            time.sleep(5)
        self.finished = status == 200
        link, status_url = PLAN_LINK.search(page), PLAN_STATUS.search(page)
        if not link or not status_url:
            return
        opened = time.perf_counter()
        for _ in range(PLAN_WAIT_POLLS):
            status, _, body = self.client.request("GET", status_url.group(1), "plan-status")
            state = json.loads(body).get("state") if status == 200 else None
            if state == "ready":
                break
            if state == "failed":
                self.errors.append("the study plan failed to render")
                return
            time.sleep(1)
        else:
            self.errors.append(f"the study plan was not ready within {PLAN_WAIT_POLLS} s")
            return
        self.stats.record("plan ready after", time.perf_counter() - opened, "ok")
        status, headers, _ = self.client.request("GET", link.group(1), "study-plan")
        if status != 200 or not headers.get("Content-Type", "").startswith("application/pdf"):
            self.errors.append(f"the study plan said ready, then its download answered {status}")


# --- the stress measure: answer saves vs a trivial endpoint, no think time --------------------------

def stress(port: int, tokens: list[str], seconds: float, stats: Stats, acked: dict, lock, cpu_seconds,
           rounds: int = 3, warmup: float = 3) -> str:
    """Each client parks on its first question and autosaves as fast as the server answers.
    Besides the rates, the servers' CPU per request (`cpu_seconds`: the stack's CPU so far) and
    this client's: the rates move with other load on the machine, CPU per request much less.
    The two phases alternate in `rounds` rounds (`seconds` of each in all), so that a slow
    spell of the machine weighs on both alike; each round's ratio is printed too. Both run
    `warmup` seconds first, not counted: the pools' connections opened, the items cached."""
    clients = []
    for token in tokens:
        client = Client(port, Stats())
        base = f"/t/{token}"
        for _ in range(5):
            _, headers, body = client.request("GET", base, "page")
            page = body.decode("utf-8", "replace")
            if RESPONSE_ID.search(page):
                break
            start = START_FORM.search(page)
            if start:
                client.request("POST", start.group(1), "start", form={"csrf_token": _csrf(page) or ""})
        match = RESPONSE_ID.search(page)
        if match:
            kind = ITEM_TYPE.search(page)
            clients.append((client, base, int(match.group(1)), _csrf(page), kind.group(1) if kind else "numeric",
                            CHOICE.findall(page) or CHOICES.findall(page)))

    def hammer(work, phase_seconds: float) -> tuple[int, float, float, float]:
        """(requests, seconds, server CPU seconds, client CPU seconds) of one phase."""
        stop = time.monotonic() + phase_seconds
        counts = [0] * len(clients)
        server_before, client_before = cpu_seconds(), time.process_time()

        def loop(index):
            while time.monotonic() < stop:
                work(index)
                counts[index] += 1

        threads = [threading.Thread(target=loop, args=(i,)) for i in range(len(clients))]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return (sum(counts), time.monotonic() - started, cpu_seconds() - server_before,
                time.process_time() - client_before)

    seqs = [1000] * len(clients)

    def save(index):
        client, base, response_id, csrf, kind, options = clients[index]
        seqs[index] += 1
        n = seqs[index]
        answer = {"single_choice": lambda: {"choice": options[n % len(options)]},
                  "multiple_choice": lambda: {"choices": [options[n % len(options)]]},
                  "code": lambda: {"code": f"def solve():\n    return {n}\n"}}.get(kind, lambda: {"value": str(n)})()
        status, _, _ = client.request("POST", f"{base}/answer", "stress-autosave", csrf=csrf,
                                      data={"response_id": response_id, "seq": seqs[index], "final": False,
                                            "answer": answer})
        stats.record("stress-autosave", 0, status)
        if status == 200:
            with lock:
                acked[response_id] = (seqs[index], answer, False)

    def trivial(index):
        clients[index][0].request("GET", "/healthz", "stress-healthz")

    rounds = max(1, rounds)
    if warmup > 0:
        hammer(save, warmup)
        hammer(trivial, warmup)
    totals = {"autosave": [0, 0.0, 0.0, 0.0], "healthz": [0, 0.0, 0.0, 0.0]}
    round_ratios = []
    for _ in range(rounds):
        phases = {name: hammer(work, seconds / rounds) for name, work in (("autosave", save), ("healthz", trivial))}
        for name, measured in phases.items():
            totals[name] = [total + part for total, part in zip(totals[name], measured)]
        (saves, save_time, _, _), (trivials, trivial_time, _, _) = phases["autosave"], phases["healthz"]
        round_ratios.append((saves / save_time) / max(trivials / trivial_time, 1e-9))

    def rates(name):  # (requests per second, server CPU ms per request, client CPU ms per request)
        done, elapsed, server, client = totals[name]
        return done / elapsed, 1000 * server / max(1, done), 1000 * client / max(1, done)

    answer_rate, answer_cpu, answer_client = rates("autosave")
    trivial_rate, trivial_cpu, trivial_client = rates("healthz")
    return (f"stress, {len(clients)} clients, {seconds:.0f} s each in {rounds} alternating rounds: "
            f"answer saves {answer_rate:.0f}/s, /healthz {trivial_rate:.0f}/s, ratio {answer_rate / trivial_rate:.0%} "
            f"(rounds: {', '.join(f'{ratio:.0%}' for ratio in round_ratios)})\n"
            f"CPU per request, servers{' + PostgreSQL' if cpu_seconds.__self__.pg_database else ''}: "
            f"answer save {answer_cpu:.2f} ms, /healthz {trivial_cpu:.2f} ms "
            f"(ratio {trivial_cpu / answer_cpu:.0%}); this client: {answer_client:.2f} ms, {trivial_client:.2f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--candidates", type=int, default=200)
    parser.add_argument("--think", type=float, default=1.0, help="mean think time between actions, seconds")
    parser.add_argument("--drop-rate", type=float, default=0.05, help="chance per page of a dropped connection")
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--servers", type=int, default=1, choices=(1, 2), help="2: behind nginx")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per server")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker")
    parser.add_argument("--redis", action="store_true", help="grading and reports through the queue on Redis")
    parser.add_argument("--redis-db", type=int, default=14)
    parser.add_argument("--worker-nice", type=int, default=10,
                        help="queue workers' CPU priority offset (they share this machine with the web servers)")
    parser.add_argument("--queue-workers", type=int, default=2)
    parser.add_argument("--section-seconds", type=int, default=900)
    parser.add_argument("--max-seconds", type=float, default=600, help="hard bound on the whole run")
    parser.add_argument("--ramp", type=float, default=60,
                        help="seconds over which the candidates arrive (all are taking the test together after it)")
    parser.add_argument("--stress", type=float, default=0, help="seconds of the no-think-time stress instead")
    parser.add_argument("--stress-rounds", type=int, default=3,
                        help="the stress's autosave and /healthz phases alternate this many times")
    parser.add_argument("--stress-warmup", type=float, default=3,
                        help="seconds of each before the stress's measured rounds (not counted)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="keep the work folder (logs, database)")
    args = parser.parse_args()
    if args.candidates > 1000:
        parser.error("--candidates: at most 1000 on one machine")

    workdir = Path(tempfile.mkdtemp(prefix="assessment-load-"))
    stack = Stack(args, workdir)
    stats, acked, lock = Stats(), {}, threading.Lock()
    try:
        tokens, assessment_id = stack.prepare(args.candidates)
        port = stack.start()
        print(f"stack: {args.servers} server(s) x {args.workers} workers x {args.threads} threads, {args.db}, "
              f"{'queue on Redis with ' + str(args.queue_workers) + ' workers' if args.redis else 'in-process grading'};"
              f" {args.candidates} candidates arriving over {args.ramp:.0f} s, think {args.think} s", flush=True)
        started = time.monotonic()
        if args.stress:
            print(stress(port, tokens, args.stress, stats, acked, lock, stack.cpu_seconds, args.stress_rounds,
                         args.stress_warmup))
            candidates = []
        else:
            rng = random.Random(args.seed)
            deadline = time.monotonic() + args.max_seconds
            candidates = [Candidate(t, port, stats, args.think, args.drop_rate, random.Random(rng.random()),
                                    deadline, acked, lock) for t in tokens]
            threads = [threading.Thread(target=c.run) for c in candidates]
            for index, thread in enumerate(threads):
                thread.start()
                time.sleep(args.ramp / len(threads))  # arrivals spread over the ramp
            for thread in threads:
                thread.join(timeout=max(1, deadline - time.monotonic() + 30))
        wall = time.monotonic() - started
        print(stats.table(wall))
        finished = sum(c.finished for c in candidates)
        errors = [e for c in candidates for e in c.errors]
        if candidates:
            print(f"candidates finished: {finished} of {len(candidates)} in {wall:.0f} s; client errors: {len(errors)}")
            for error in sorted(set(errors))[:10]:
                print(f"  {error}")
        # Checked while the stack still runs: code submitted at the end may still be grading.
        problems = check_database(stack.database_url, assessment_id, acked, wait_grading=120)
        stack.stop()
        print(f"acknowledged answers checked: {len(acked)}")
        print("database check: " + ("OK: nothing lost, nothing duplicated, every finished section closed and scored"
                                    if not problems else "; ".join(problems)))
        sys.exit(1 if problems else 0)
    finally:
        stack.stop()
        stack.drop_database()
        if args.keep:
            print(f"work folder kept: {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
