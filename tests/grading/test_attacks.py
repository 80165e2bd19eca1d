"""Hostile submissions: each must be contained, and no process of the slot uid may survive
(checked after every test by the autouse fixture in conftest.py)."""
from __future__ import annotations

import dataclasses
import os
import socket
import subprocess
import textwrap

import pytest

from assessment.grading.grader import grade
from assessment.grading.sandbox import Sandbox, SlotLock
from grading_support import TEST_BASE_UID, needs_landlock, needs_root, needs_seccomp, slot_processes


def test_infinite_loop_is_stopped_per_test(make_item, run):
    task = make_item(hidden='CASES = [{"name": "a", "args": [1], "expected": 2},'
                            ' {"name": "b", "args": [2], "expected": 3}]\n',
                     limits={"time_s": 0.5, "memory_mb": 200, "output_kb": 16})
    result = run(task, """
        def f(x):
            while True:
                pass
        """, which="hidden")
    assert result.status == "time limit"
    assert [t.status for t in result.tests] == ["time limit", "time limit"]
    assert result.time_ms < 3000


def test_loop_that_swallows_the_timer_is_killed_by_the_wall_clock(make_item, sandbox):
    task = make_item(limits={"time_s": 0.5})
    quick = Sandbox(dataclasses.replace(sandbox.config, startup_s=1.0))  # wall clock 2.55 s
    result = grade(task, textwrap.dedent("""
        def f(x):
            while True:
                try:
                    while True:
                        pass
                except BaseException:
                    pass
        """), which="sample", sandbox=quick)
    assert result.status == "time limit"
    assert any(s["what"] == "time limit" and "wall clock" in s["why"] for s in result.stopped)
    assert result.time_ms < 4000


def test_sleep_forever(make_item, run):
    result = run(make_item(limits={"time_s": 0.5}), """
        import time
        def f(x):
            time.sleep(10 ** 6)
        """)
    assert result.status == "time limit"
    assert result.time_ms < 3000


@pytest.mark.parametrize("body", [
    "x = bytearray(10 ** 10)",
    "a = []\n    while True:\n        a.append(bytearray(10 ** 7))",
    "import numpy as np\n    return np.ones((10 ** 5, 10 ** 5))",
])
def test_memory_bomb(make_item, run, body):
    result = run(make_item(), f"def f(x):\n    {body}\n")
    assert result.status == "memory limit", result
    assert result.time_ms < 5000


def test_memory_bomb_at_import_time(make_item, run):
    result = run(make_item(), "x = bytearray(10 ** 10)\ndef f(x):\n    return x + 1\n")
    assert result.status == "memory limit"
    assert result.passed == 0


SNOOP = r'''
import os
TOKEN, ITEM = {token!r}[::-1], {item!r}  # reversed: no self-match

def search():
    found = []
    roots = [os.getcwd(), os.path.dirname(os.getcwd()), "/", "/tmp", "/var/tmp", "/dev/shm",
             ITEM, os.path.dirname(ITEM), "/proc/%d" % os.getppid(), "/proc/1", "/root",
             "/work", "/var/lib/assessment"]
    for root in roots:
        for dirpath, dirnames, filenames in os.walk(root):
            if dirpath.count("/") > 8 or dirpath.startswith(("/proc/sys", "/sys")):
                dirnames[:] = []
            for name in filenames:
                path = os.path.join(dirpath, name)
                try:
                    with open(path, "rb") as fh:
                        if TOKEN.encode() in fh.read(1 << 20):
                            found.append(path)
                except Exception:
                    pass
    for path in [ITEM + "/hidden_tests.py", "../grader/config.json",
                 "/proc/%d/cmdline" % os.getppid(), "/proc/%d/environ" % os.getppid()]:
        try:
            with open(path, "rb") as fh:
                found.append("read " + path + ": " + fh.read(200).decode(errors="replace"))
        except Exception:
            pass
    return found

def f(x):
    print(search())
    return x + 1
'''


def test_hidden_tests_cannot_be_read(make_item, run, tmp_path):
    token = "HIDDEN-SECRET-7f3a9c"
    task = make_item(hidden=f'CASES = [{{"name": "{token}", "args": [1], "expected": 2}}]\n')
    result = run(task, SNOOP.format(token=token[::-1], item=str(task.item_dir)))
    assert result.tests[0].status == "passed"
    if os.geteuid() == 0 or _landlocked():
        assert result.tests[0].stdout.strip() == "[]", result.tests[0].stdout
    assert token not in result.stdout + result.stderr


def _landlocked() -> bool:
    from grading_support import layers
    return layers().landlock_abi >= 1


def test_etc_shadow_is_not_readable(make_item, run):
    result = run(make_item(), """
        def f(x):
            try:
                print(open("/etc/shadow").read()[:50])
            except OSError as exc:
                print("denied", type(exc).__name__)
            return x + 1
        """)
    assert result.tests[0].stdout.startswith("denied"), result.tests[0].stdout


@needs_landlock
@needs_seccomp
def test_tcp_connect_to_localhost_is_blocked(make_item, run):
    with socket.create_server(("127.0.0.1", 0)) as server:
        server.setblocking(False)
        port = server.getsockname()[1]
        result = run(make_item(), f"""
            import socket
            def f(x):
                try:
                    socket.create_connection(("127.0.0.1", {port}), timeout=0.2).send(b"hi")
                    print("connected")
                except OSError as exc:
                    print("blocked", exc.errno)
                return x + 1
            """)
        with pytest.raises(BlockingIOError):
            server.accept()
    assert result.tests[0].stdout.startswith("blocked"), result.tests[0].stdout


@needs_seccomp
def test_unix_sockets_are_blocked(make_item, run, work_root):
    path = work_root / f"listener-{os.getpid()}.sock"
    with socket.socket(socket.AF_UNIX) as server, socket.socket(socket.AF_UNIX) as abstract:
        server.bind(str(path))
        os.chmod(path, 0o777)
        server.listen()
        server.setblocking(False)
        abstract.bind(b"\0assessment-test-listener")
        abstract.listen()
        abstract.setblocking(False)
        result = run(make_item(), f"""
            import socket
            def f(x):
                for target in ({str(path)!r}, b"\\0assessment-test-listener"):
                    try:
                        s = socket.socket(socket.AF_UNIX)
                        s.connect(target)
                        print("connected", target)
                    except OSError as exc:
                        print("blocked", exc.errno)
                a, b = socket.socketpair()  # still allowed: asyncio needs it
                a.send(b"ok")
                print("socketpair", b.recv(2))
                return x + 1
            """)
        for listener in (server, abstract):
            with pytest.raises(BlockingIOError):
                listener.accept()
    path.unlink()
    out = result.tests[0].stdout
    assert "connected" not in out and out.count("blocked") == 2, out
    assert "socketpair b'ok'" in out


@needs_seccomp
def test_io_uring_is_denied(make_item, run):
    result = run(make_item(), """
        import ctypes, os
        def f(x):
            libc = ctypes.CDLL(None, use_errno=True)
            params = ctypes.create_string_buffer(120)
            fd = libc.syscall(425, 8, params)  # io_uring_setup
            print("fd", fd, "errno", ctypes.get_errno())
            return x + 1
        """)
    assert result.tests[0].stdout.strip() == "fd -1 errno 1", result.tests[0].stdout


def test_ten_gigabyte_file_is_stopped(make_item, run, sandbox):
    result = run(make_item(), """
        def f(x):
            chunk = b"x" * (1 << 20)
            with open("big.bin", "wb") as fh:
                for _ in range(10 * 1024):
                    fh.write(chunk)
            return x + 1
        """)
    assert result.status == "output limit"
    assert "file size limit" in result.tests[0].message
    assert not list(sandbox.config.work_root.glob("assessment-run-*"))


@needs_landlock
def test_tmp_and_dev_shm_cannot_be_filled(make_item, run):
    before = {d: set(os.listdir(d)) for d in ("/tmp", "/dev/shm")}
    result = run(make_item(), """
        import os
        def f(x):
            made = 0
            for d in ("/tmp", "/dev/shm", "/var/tmp"):
                for i in range(100):
                    try:
                        with open(os.path.join(d, "fill-%d" % i), "wb") as fh:
                            fh.write(b"x" * 4096)
                        made += 1
                    except OSError:
                        break
            print("made", made)
            return x + 1
        """)
    assert result.tests[0].stdout.strip() == "made 0", result.tests[0].stdout
    for d, names in before.items():
        assert not {n for n in set(os.listdir(d)) - names if n.startswith("fill-")}


@pytest.mark.parametrize("how", ["os.write(1, chunk)", "print(chunk.decode())"])
def test_a_gigabyte_to_stdout_is_cut(make_item, run, how):
    result = run(make_item(), f"""
        import os
        def f(x):
            chunk = b"y" * (1 << 20)
            for _ in range(1024):
                {how}
            return x + 1
        """)
    assert result.status == "output limit", result
    assert result.time_ms < 5000
    assert len(result.stdout) < 20_000 and len(result.tests[0].stdout) < 20_000


def test_killing_the_parent_does_not_hurt_the_grader(make_item, run):
    result = run(make_item(), """
        import os, signal
        def f(x):
            for target in (os.getppid(), 1, -1):
                try:
                    os.kill(target, signal.SIGKILL)
                except OSError as exc:
                    print("denied", target, exc.errno)
            return x + 1
        """)
    assert result.status == "passed"
    assert result.tests[0].stdout.count("denied") >= 2, result.tests[0].stdout


def test_detached_double_forked_child_is_killed(make_item, run):
    result = run(make_item(), """
        import os, time
        def f(x):
            r, w = os.pipe()
            if os.fork() == 0:
                os.setsid()
                if os.fork() == 0:
                    os.write(w, str(os.getpid()).encode())
                    os.close(w)
                    time.sleep(600)
                os._exit(0)
            os.close(w)
            print("daemon", os.read(r, 32).decode())
            return x + 1
        """)
    assert result.status == "passed"
    pid = int(result.tests[0].stdout.split()[1])
    assert any(s["what"] == "leftover processes" for s in result.stopped)
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


@needs_root
def test_fork_bomb_is_capped_by_nproc(make_item, run, sandbox):
    result = run(make_item(), """
        import os
        def f(x):
            n = 0
            while True:
                try:
                    if os.fork() == 0:
                        while True:
                            try:
                                os.fork()
                            except OSError:
                                pass
                    n += 1
                except OSError as exc:
                    print("fork refused after", n, exc.errno)
                    return x + 1
        """)
    assert result.tests[0].status == "passed", result
    assert "fork refused" in result.tests[0].stdout
    assert int(result.tests[0].stdout.split()[3]) < sandbox.config.nproc
    assert slot_processes() == []


@needs_root
def test_runs_as_the_slot_uid(make_item, run):
    result = run(make_item(), """
        import os
        def f(x):
            print(os.getuid(), os.getgid(), os.getgroups())
            return x + 1
        """, slot=1)
    assert result.tests[0].stdout.strip() == f"{TEST_BASE_UID + 1} {TEST_BASE_UID + 1} []"


def test_no_slot_process_is_left_after_a_hostile_batch(make_item, run):
    task = make_item()
    for code in ("import os\nos.fork()\ndef f(x):\n    return x + 1\n",
                 "import os,time\nif os.fork()==0:\n    time.sleep(60)\ndef f(x):\n    return 0\n"):
        run(task, code)
        assert slot_processes() == []


@needs_root
def test_sweep_after_a_failed_launcher_kills_the_slot_uid(sandbox):
    uid = TEST_BASE_UID + 1
    with SlotLock(sandbox.config, 1):
        proc = subprocess.Popen(["sleep", "60"], user=uid, group=uid, start_new_session=True)
        try:
            assert slot_processes() != []
            sandbox._sweep(uid)
            assert proc.wait(timeout=5) == -9
        finally:
            proc.kill()
            proc.wait()


def test_hostile_work_dir_contents_are_cleaned_up_safely(make_item, run, sandbox):
    shadow_mode = os.stat("/etc/shadow").st_mode
    result = run(make_item(), """
        import os
        def f(x):
            os.makedirs("locked/deeper")
            open("locked/deeper/file", "w").write("x")
            os.symlink("/etc/shadow", "locked/shadow-link")
            os.symlink("/etc", "etc-link")
            os.chmod("locked/deeper", 0)
            os.chmod("locked", 0)
            return x + 1
        """)
    assert result.status == "passed"
    assert os.stat("/etc/shadow").st_mode == shadow_mode
    assert not list(sandbox.config.work_root.glob("assessment-run-*"))
