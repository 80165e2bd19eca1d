"""The load test's stack on 127.0.0.1: a temporary database (SQLite file or PostgreSQL database),
`assessment serve` instances (behind nginx when there are two), queue workers, and the CPU they use."""
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PYTHON = str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv" / "bin" / "python").exists() else sys.executable
CLI = [PYTHON, "-m", "assessment.cli"]
SECTIONS = ("mathematics", "machine-learning")
ITEMS_PER_SECTION = 8


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


def pg_admin(sql: str) -> None:
    """One statement on the local PostgreSQL's maintenance database (CREATE / DROP DATABASE)."""
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as connection:
        connection.execute(sql)


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
            pg_admin(f'CREATE DATABASE "{self.pg_database}"')
            self.database_url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{self.pg_database}"
        else:
            self.database_url = f"sqlite:///{workdir / 'load.db'}"
        self.env["DATABASE_URL"] = self.database_url
        if args.redis:
            self.env["ASSESSMENT_REDIS_URL"] = f"redis://127.0.0.1:6379/{args.redis_db}"

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
            for index in range(self.args.queue_workers):  # a log each: two writers of one file overwrite each other
                self._spawn([*CLI, "worker", "--nice", str(self.args.worker_nice)], f"worker{index}")
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
            pg_admin(f'DROP DATABASE IF EXISTS "{self.pg_database}" WITH (FORCE)')
