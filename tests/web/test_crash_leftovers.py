"""Crash leftovers (issue 8.6): a server killed (with its process group) while grading leaves
the sandboxed program running as the slot's uid and its run folder behind. The next server's
start, and `assessment sandbox check`, clear both."""
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

import pytest
from web_helpers import db

import sandbox_layers
from assessment.grading.sandbox import default_work_root
from factories import make_assessment, make_invitation
from support import FIXTURE_BANK

pytestmark = [*sandbox_layers.requires("uid switching", "runtime")]

#: Leaves a detached child (a fork does not inherit the launcher's parent-death signal) and
#: sleeps past its time limit: the launcher would kill both, but it dies with the server.
STUCK = ("import os, time\n\ndef double(x):\n    if os.fork() == 0:\n        time.sleep(120)\n"
         "        os._exit(0)\n    time.sleep(120)\n    return 2 * x\n")
ASSESSMENT = str(Path(sys.executable).with_name("assessment"))


def _uid_processes(uid: int) -> list[int]:
    found = []
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                if entry.stat().st_uid == uid:
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def _wait(predicate, timeout: float = 30) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.1)
    return False


@pytest.fixture
def server_env(app, database_url, tmp_path):
    uid = 64000 + os.getpid() % 900  # a slot uid of our own: other suites may be grading meanwhile
    work = Path(tempfile.mkdtemp(prefix="leftovers-", dir=default_work_root()))  # the slot uid must traverse it
    work.chmod(0o711)
    env = {**os.environ, "ASSESSMENT_DATABASE_URL": database_url, "ASSESSMENT_SECTIONS_DIR": str(FIXTURE_BANK),
           "ASSESSMENT_SECRET_KEY": "leftover-test", "ASSESSMENT_SANDBOX_PRODUCTION": "false",
           "ASSESSMENT_WTF_CSRF_ENABLED": "false", "ASSESSMENT_SESSION_COOKIE_SECURE": "false",
           "ASSESSMENT_RUN_SWEEPER": "false", "ASSESSMENT_INSTANCE_PATH": str(tmp_path / "instance"),
           "ASSESSMENT_SANDBOX_WORK": str(work), "ASSESSMENT_SANDBOX_LOCKS": str(tmp_path / "locks"),
           "ASSESSMENT_SANDBOX_BASE_UID": str(uid), "ASSESSMENT_SANDBOX_SLOTS": "1"}
    yield env, uid, work
    shutil.rmtree(work, ignore_errors=True)


def _start_server(env, log: Path) -> tuple[subprocess.Popen, str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with open(log, "ab") as out:
        proc = subprocess.Popen([ASSESSMENT, "serve", "--dev", "--port", str(port)], env=env,
                                start_new_session=True, stdout=subprocess.DEVNULL, stderr=out)
    base = f"http://127.0.0.1:{port}"

    def up():
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=1) as reply:
                return reply.status == 200
        except OSError:
            return False

    assert _wait(up, 60), log.read_text()[-3000:]
    return proc, base


def _kill_group(proc: subprocess.Popen) -> None:
    os.killpg(proc.pid, signal.SIGKILL)  # the server and its launcher, as a crash or kill -9 of the group
    proc.wait(10)


def _grade_something_stuck(app, base: str) -> None:
    with db(app) as session:
        _, token = make_invitation(session, make_assessment(session, sections=("gamma",), mode="fixed"))
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))

    def post(path, body=None):
        data = json.dumps(body).encode() if body is not None else b""
        request = urllib.request.Request(f"{base}/t/{token}{path}", data=data, method="POST",
                                         headers={"Content-Type": "application/json"} if body else {})
        with opener.open(request, timeout=30) as reply:
            return reply.status

    post("/begin")
    post("/sections/0/start")
    with opener.open(f"{base}/t/{token}", timeout=30) as reply:
        page = reply.read().decode()
    rid = int(re.search(r'name="response_id" value="(\d+)"', page).group(1))
    assert post("/submit-code", {"response_id": rid, "code": STUCK}) == 200


def _crash_while_grading(app, env, uid, work, log) -> None:
    server, base = _start_server(env, log)
    try:
        _grade_something_stuck(app, base)
        if not _wait(lambda: len(_uid_processes(uid)) >= 2, 30):  # the submission and its detached child
            _kill_group(server)
            pytest.fail("the submission never started in the sandbox: " + log.read_text()[-3000:])
        _kill_group(server)
    finally:
        if server.poll() is None:
            _kill_group(server)
    time.sleep(1)  # the direct child dies with the launcher (parent-death signal); the detached one stays
    # What the probe saw: the program still runs as the slot uid, its run folder still exists.
    assert _uid_processes(uid)
    assert list(work.glob("assessment-run-0-*"))


def test_a_server_start_clears_what_a_killed_server_left(app, server_env, tmp_path):
    env, uid, work = server_env
    _crash_while_grading(app, env, uid, work, tmp_path / "server.log")
    server, _ = _start_server(env, tmp_path / "server.log")
    try:
        assert _wait(lambda: not _uid_processes(uid), 30), "the restart did not kill the slot's leftovers"
        assert not list(work.glob("assessment-run-*"))
    finally:
        _kill_group(server)
        subprocess.run([ASSESSMENT, "sandbox", "check"], env=env, capture_output=True, timeout=120)


def test_sandbox_check_clears_what_a_killed_server_left(app, server_env, tmp_path):
    env, uid, work = server_env
    _crash_while_grading(app, env, uid, work, tmp_path / "server.log")
    check = subprocess.run([ASSESSMENT, "sandbox", "check"], env=env, capture_output=True, text=True, timeout=120)
    report = json.loads(check.stdout)
    assert report["leftovers"]["killed_uids"] == [uid] and len(report["leftovers"]["removed"]) == 1
    assert _wait(lambda: not _uid_processes(uid), 10)
    assert not list(work.glob("assessment-run-*"))
