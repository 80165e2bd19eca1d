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
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PYTHON = str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv" / "bin" / "python").exists() else sys.executable
CLI = [PYTHON, "-m", "assessment.cli"]
SECTIONS = ("mathematics", "machine-learning")
PLAN_WAIT_POLLS = 300  # a candidate polls the study plan's status once a second for at most this long
ITEMS_PER_SECTION = 8


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


# --- the stack: database, servers, nginx, queue workers ----------------------------------------

def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_http(port: int, path: str = "/healthz", timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", path)
            if connection.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"nothing answered on 127.0.0.1:{port}{path} within {timeout:.0f} s")


class Stack:
    def __init__(self, args, workdir: Path):
        self.args, self.workdir = args, workdir
        self.processes: list[subprocess.Popen] = []
        self.env = {**os.environ, "ASSESSMENT_INSTANCE_PATH": str(workdir), "ASSESSMENT_SECRET_KEY": "load-" + "x" * 40,
                    "ASSESSMENT_SESSION_COOKIE_SECURE": "false", "ASSESSMENT_SANDBOX_PRODUCTION": "false",
                    "ASSESSMENT_SWEEP_INTERVAL_SECONDS": "5", "OPENBLAS_NUM_THREADS": "1"}
        self.pg_database = None
        if args.db == "postgres":
            self.pg_database = f"load_{os.getpid()}"
            self._pg_admin(f'CREATE DATABASE "{self.pg_database}"')
            self.database_url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{self.pg_database}"
        else:
            self.database_url = f"sqlite:///{workdir / 'load.db'}"
        self.env["DATABASE_URL"] = self.database_url
        if args.redis:
            self.env["ASSESSMENT_REDIS_URL"] = f"redis://127.0.0.1:6379/{args.redis_db}"

    def _pg_admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as connection:
            connection.execute(sql)

    def prepare(self, n: int) -> tuple[list[str], int]:
        """Schema, bank and one assessment with n invitations; returns the tokens."""
        subprocess.run([*CLI, "db", "upgrade"], env=self.env, check=True, capture_output=True)
        code = f"""
import json, os
from pathlib import Path
from assessment import create_app
from assessment.content import load_bank
from assessment.db import get_session
from assessment.services.bank import sync_bank
from assessment.services.delivery import create_assessment, create_invitation
app = create_app({{"RUN_SWEEPER": False}})
with app.app_context():
    session = get_session()
    sync_bank(load_bank(Path(app.config["SECTIONS_DIR"])), session=session)
    limits = {{"time_limit_seconds": {self.args.section_seconds}, "min_items": 4, "max_items": {ITEMS_PER_SECTION}}}
    assessment = create_assessment(session=session, title="Load test", section_ids={list(SECTIONS)!r},
                                   overrides={{s: limits for s in {list(SECTIONS)!r}}})
    tokens = [create_invitation(session=session, assessment=assessment, email=f"c{{i}}@load.test")[1]
              for i in range({n})]
    print(json.dumps({{"tokens": tokens, "assessment": assessment.id}}))
"""
        done = subprocess.run([PYTHON, "-c", code], env=self.env, check=True, capture_output=True, text=True)
        result = json.loads(done.stdout.strip().splitlines()[-1])
        return result["tokens"], result["assessment"]

    def start(self) -> int:
        if self.args.redis:
            import redis

            redis.Redis.from_url(self.env["ASSESSMENT_REDIS_URL"]).flushdb()
            for _ in range(self.args.queue_workers):
                self._spawn([*CLI, "worker", "--nice", str(self.args.worker_nice)], "worker")
        ports = []
        for index in range(self.args.servers):
            port = _free_port()
            self._spawn([*CLI, "serve", "--workers", str(self.args.workers), "--threads", str(self.args.threads),
                         "--port", str(port)], f"server{index}")
            ports.append(port)
        for port in ports:
            _wait_http(port)
        if len(ports) == 1:
            return ports[0]
        return self._nginx(ports)

    def _nginx(self, ports: list[int]) -> int:
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        if not os.path.exists(nginx):
            raise SystemExit("--servers 2 needs nginx: apt-get install -y nginx")
        port = _free_port()
        template = (Path(__file__).parent / "nginx.conf").read_text()
        upstreams = "\n".join(f"        server 127.0.0.1:{p} max_fails=0;" for p in ports)
        conf = self.workdir / "nginx.conf"
        conf.write_text(template.replace("{{upstreams}}", upstreams).replace("{{port}}", str(port))
                        .replace("{{workdir}}", str(self.workdir)))
        self._spawn([nginx, "-c", str(conf), "-p", str(self.workdir), "-g", "daemon off;"], "nginx")
        _wait_http(port)
        return port

    def _spawn(self, command: list[str], name: str) -> None:
        log = open(self.workdir / f"{name}.log", "w")  # noqa: SIM115  closed with the process
        self.processes.append(subprocess.Popen(command, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                               start_new_session=True, cwd=ROOT))

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)

    def cpu_seconds(self) -> float:
        """CPU time (user + system) used so far by the stack's processes (each started in its own
        session, so its workers are found by session id) and, with --db postgres, by PostgreSQL's
        server processes. Read from /proc: robust to other load on the machine, unlike a rate."""
        sessions = {process.pid for process in self.processes}
        ticks = os.sysconf("SC_CLK_TCK")
        total = 0
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue  # ended meanwhile
            name, fields = stat[stat.index("(") + 1:stat.rindex(")")], stat[stat.rindex(")") + 2:].split()
            if int(fields[3]) in sessions or (self.pg_database and name.startswith("postgres")):
                total += int(fields[11]) + int(fields[12])  # utime, stime
        return total / ticks

    def drop_database(self) -> None:
        if self.pg_database:
            self._pg_admin(f'DROP DATABASE IF EXISTS "{self.pg_database}" WITH (FORCE)')


# --- checks on the database afterwards ------------------------------------------------------------

#: What must hold after any run: (a query counting violations, what a violation is).
INVARIANTS = (
    ("SELECT count(*) FROM (SELECT section_attempt_id, position FROM response "
     "GROUP BY section_attempt_id, position HAVING count(*) > 1) d", "duplicated response position(s)"),
    ("SELECT count(*) FROM section_attempt s JOIN attempt a ON a.id = s.attempt_id "
     "WHERE a.status = 'completed' AND s.status != 'closed'", "section(s) of finished attempts still open"),
    ("SELECT count(*) FROM section_attempt WHERE status = 'closed' AND score IS NULL",
     "closed section(s) without a score"),
    ("SELECT count(*) FROM (SELECT response_id FROM code_run WHERE kind = 'hidden' AND status = 'done' "
     "GROUP BY response_id HAVING count(*) > 1) d", "code submission(s) graded more than once"),
)


def check_database(database_url: str, assessment_id: int, acked: dict, wait_grading: float) -> list[str]:
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    problems = []
    with engine.connect() as connection:
        deadline = time.monotonic() + wait_grading
        while True:  # code submitted near the end is still being graded: wait, bounded
            pending = connection.execute(text("SELECT count(*) FROM response WHERE status = 'submitted'")).scalar()
            connection.commit()
            if not pending or time.monotonic() > deadline:
                break
            time.sleep(1)
        if pending:
            problems.append(f"{pending} code submission(s) never graded")
        rows = {row.id: row for row in connection.execute(text(
            "SELECT r.id, r.answer, r.save_seq, r.status, r.option_order FROM response r JOIN section_attempt s "
            "ON s.id = r.section_attempt_id JOIN attempt a ON a.id = s.attempt_id JOIN invitation i "
            "ON i.id = a.invitation_id WHERE i.assessment_id = :a"), {"a": assessment_id})}
        lost, examples = 0, []
        for response_id, (seq, answer, final) in acked.items():
            row = rows.get(response_id)
            stored = row.answer if row is not None else None
            if isinstance(stored, str):
                stored = json.loads(stored)
            order = row.option_order if row is not None else None
            order = json.loads(order) if isinstance(order, str) else order
            if row is None or row.save_seq < seq or (final and not _same_answer(stored, _bank_ids(answer, order))):
                lost += 1
                examples.append(f"response {response_id}: acknowledged seq {seq} {'final' if final else 'draft'} "
                                f"{answer}; stored " + (f"seq {row.save_seq} {row.status} {stored}" if row else "nothing"))
        if lost:
            problems.append(f"{lost} acknowledged answer(s) missing or different in the database: "
                            + " | ".join(examples[:3]))
        for sql, message in INVARIANTS:
            count = connection.execute(text(sql)).scalar()
            if count:
                problems.append(f"{count} {message}")
    engine.dispose()
    return problems


def _bank_ids(answer: dict, order: list | None) -> dict:
    """Pages carry shown positions ("1".."n"), never the bank's option ids: map them back."""
    if not order:
        return answer
    shown = lambda value: order[int(value) - 1] if str(value).isdigit() and 0 < int(value) <= len(order) else value  # noqa: E731
    if "choice" in answer:
        return {"choice": shown(answer["choice"])}
    if "choices" in answer:
        return {"choices": [shown(v) for v in answer["choices"]]}
    return answer


def _same_answer(stored: dict | None, sent: dict) -> bool:
    if stored is None:
        return False
    for key, value in sent.items():
        if key == "value":
            try:
                if abs(float(stored.get("value")) - float(value)) > 1e-9:
                    return False
            except (TypeError, ValueError):
                return False
        elif key == "choices":
            if sorted(stored.get("choices") or []) != sorted(value):
                return False
        elif stored.get(key) != value:
            return False
    return True


# --- the stress measure: answer saves vs a trivial endpoint, no think time --------------------------

def stress(port: int, tokens: list[str], seconds: float, stats: Stats, acked: dict, lock, cpu_seconds) -> str:
    """Each client parks on its first question and autosaves as fast as the server answers.
    Besides the rates, the servers' CPU per request (`cpu_seconds`: the stack's CPU so far) and
    this client's: the rates move with other load on the machine, CPU per request much less."""
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

    def hammer(label: str, work) -> tuple[float, float, float]:
        """(requests per second, server CPU ms per request, client CPU ms per request)."""
        stop = time.monotonic() + seconds
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
        elapsed, done = time.monotonic() - started, max(1, sum(counts))
        return (done / elapsed, 1000 * (cpu_seconds() - server_before) / done,
                1000 * (time.process_time() - client_before) / done)

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

    answer_rate, answer_cpu, answer_client = hammer("autosave", save)
    trivial_rate, trivial_cpu, trivial_client = hammer("healthz", trivial)
    return (f"stress, {len(clients)} clients, {seconds:.0f} s each: answer saves {answer_rate:.0f}/s, "
            f"/healthz {trivial_rate:.0f}/s, ratio {answer_rate / trivial_rate:.0%}\n"
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
            print(stress(port, tokens, args.stress, stats, acked, lock, stack.cpu_seconds))
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
