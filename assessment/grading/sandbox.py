"""Run untrusted Python in layers (see docs/sandbox.md and ../shared/docs/SANDBOX.md).

Per run: a dedicated uid per grading slot, a 0700 work dir owned by it next to a 0700 grader
dir it cannot read, a new session, rlimits, Landlock (filesystem allow-list, no TCP, scoped
signals and abstract Unix sockets), seccomp (no socket(), no io_uring, no namespaces ...),
closed inherited fds, a wall clock, then every process of the slot killed.  The restrictions
are applied by ``_launcher.py``, a fresh single-threaded process per run, because forking
from a threaded web server (``preexec_fn``) is unsafe.
"""
from __future__ import annotations

import fcntl
import functools
import json
import logging
import marshal
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from assessment.content.coding import Limits
from assessment.grading import _launcher

log = logging.getLogger(__name__)

DEFAULT_RUNTIME = Path("/var/lib/assessment/sandbox-python")
LAUNCHER = Path(_launcher.__file__).resolve()
RO_DIRS = ("/usr", "/lib", "/lib64", "/lib32")
RO_FILES = ("/etc/ld.so.cache", "/etc/localtime", "/dev/urandom", "/dev/random")
RW_FILES = ("/dev/null",)
THREAD_ENV = {name: "1" for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS",
                                     "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS",
                                     "VECLIB_MAXIMUM_THREADS")}
MIN_PRODUCTION_ABI = 6  # TCP rules need ABI 4, signal/abstract-socket scoping ABI 6


class SandboxUnavailable(RuntimeError):
    """The sandbox cannot run here as configured (e.g. production mode without Landlock)."""


def default_work_root() -> Path:
    """/dev/shm when it is a writable tmpfs: creating and removing the run dirs there costs
    ~0.05 ms against ~6 ms on this machine's ext4 /tmp; else the temp dir."""
    shm = Path("/dev/shm")
    if shm.is_dir() and os.access(shm, os.W_OK | os.X_OK):
        return shm
    return Path(tempfile.gettempdir())


@dataclass(frozen=True)
class SandboxConfig:
    """Where and how runs happen; ``from_config()`` reads the app config's SANDBOX_* keys."""

    runtime_dir: Path = DEFAULT_RUNTIME
    work_root: Path = field(default_factory=default_work_root)
    base_uid: int = 61000
    slots: int = field(default_factory=lambda: os.cpu_count() or 1)
    production: bool = False
    startup_s: float = 5.0       # interpreter start + imports of the submission's module
    file_mb: int = 16            # RLIMIT_FSIZE: largest file the run may write
    nproc: int = 64              # RLIMIT_NPROC (processes and threads of the slot uid)
    nofile: int = 256
    address_space_extra_mb: int = 1024  # RLIMIT_AS backstop above memory_mb (libraries)
    result_kb: int = 16384       # cap on the encoded return values
    lock_dir: Path | None = None  # slot locks; default /run/assessment-sandbox as root

    def slot_lock_dir(self) -> Path:
        if self.lock_dir is not None:
            return self.lock_dir
        if os.geteuid() == 0 and Path("/run").is_dir():
            return Path("/run/assessment-sandbox")
        return Path(tempfile.gettempdir()) / f"assessment-sandbox-{os.geteuid()}"

    @classmethod
    def from_config(cls, config, *, production: bool = False) -> "SandboxConfig":
        """From the app config's SANDBOX_* keys (``ASSESSMENT_SANDBOX_*`` in the environment,
        read once by ``assessment.config``); unset keys keep the defaults.  Whether required
        layers are enforced is the caller's decision (``assessment.config.sandbox_config``)."""
        def get(key, convert, default):
            value = config.get(key)
            return default if value in (None, "") else convert(value)

        return cls(runtime_dir=get("SANDBOX_RUNTIME", Path, DEFAULT_RUNTIME),
                   work_root=get("SANDBOX_WORK", Path, None) or default_work_root(),
                   base_uid=get("SANDBOX_BASE_UID", int, 61000),
                   slots=get("SANDBOX_SLOTS", int, os.cpu_count() or 1),
                   production=production, lock_dir=get("SANDBOX_LOCKS", Path, None))

    @classmethod
    def from_env(cls) -> "SandboxConfig":
        """For processes without an app (an RQ job): the same keys, from the environment."""
        prefix = "ASSESSMENT_"
        return cls.from_config({k.removeprefix(prefix): v for k, v in os.environ.items()
                                if k.startswith(prefix + "SANDBOX_")})


@dataclass(frozen=True)
class Layers:
    """Which layers this machine offers for this configuration."""

    root: bool
    landlock_abi: int
    seccomp: bool
    python: str
    runtime: bool            # the dedicated runtime (not a fallback interpreter) is used

    @property
    def filesystem(self) -> bool:
        return self.landlock_abi >= 1

    @property
    def network(self) -> bool:
        return self.landlock_abi >= 4 and self.seccomp

    @property
    def scoping(self) -> bool:
        return self.landlock_abi >= 6

    def missing_for_production(self) -> list[str]:
        missing = []
        if not self.root:
            missing.append("uid separation (the grader must run as root to switch uids)")
        if self.landlock_abi < MIN_PRODUCTION_ABI:
            missing.append(f"Landlock ABI >= {MIN_PRODUCTION_ABI} (filesystem, TCP and "
                           f"scoping; this kernel has ABI {self.landlock_abi})")
        if not self.seccomp:
            missing.append("seccomp (libseccomp.so.2 not loadable)")
        if not self.runtime:
            missing.append("the sandbox runtime (run `assessment sandbox setup`)")
        return missing

    def describe(self) -> dict:
        return {"uid_separation": self.root, "landlock_abi": self.landlock_abi,
                "filesystem": self.filesystem, "network": self.network,
                "scoping": self.scoping, "seccomp": self.seccomp,
                "rlimits": True, "python": self.python, "runtime": self.runtime}


def runtime_python(runtime_dir: Path) -> Path:
    return runtime_dir / "bin" / "python"


@functools.lru_cache(maxsize=8)
def detect_layers(config: SandboxConfig) -> Layers:
    """Probe the kernel and the runtime once per configuration."""
    python = runtime_python(config.runtime_dir)
    runtime = python.exists() and os.access(python, os.X_OK)
    return Layers(root=os.geteuid() == 0, landlock_abi=_launcher.landlock_abi(),
                  seccomp=_launcher.load_libseccomp() is not None,
                  python=str(python) if runtime else sys.executable, runtime=runtime)


@dataclass
class RunOutcome:
    """What happened to one sandboxed process; the grader judges it."""

    setup_error: str | None
    exit_code: int | None
    signal: str | None
    stopped: list[dict]          # [{"what": ..., "why": ...}] what the sandbox stopped
    limit: str | None            # "time limit" / "memory limit" / "output limit" if one hit
    wall_ms: float
    cpu_ms: float
    stdout: bytes
    stderr: bytes
    results: bytes


class SlotLock:
    """An exclusive lock on one grading slot, across threads and processes (flock).

    Two runs must never share a uid: the final sweep kills every process of it.  The lock
    file is named by uid, so differently configured graders on one host (a test suite next to
    a server) still exclude each other."""

    def __init__(self, config: SandboxConfig, slot: int | None):
        lock_dir = config.slot_lock_dir()
        lock_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.path_for = lambda n: lock_dir / f"uid-{config.base_uid + n}.lock"
        self.config, self.wanted, self.slot, self.fd = config, slot, -1, -1

    def __enter__(self) -> int:
        if self.wanted is not None:
            self.fd = os.open(self.path_for(self.wanted), os.O_RDWR | os.O_CREAT, 0o600)
            fcntl.flock(self.fd, fcntl.LOCK_EX)
            self.slot = self.wanted
            return self.slot
        while True:
            for n in range(self.config.slots):
                fd = os.open(self.path_for(n), os.O_RDWR | os.O_CREAT, 0o600)
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    os.close(fd)
                    continue
                self.fd, self.slot = fd, n
                return n
            time.sleep(0.01)

    def __exit__(self, *exc) -> None:
        os.close(self.fd)


def _rmtree(path: Path) -> None:
    """Remove a run dir even if the submission chmod-ed parts of it away (matters without
    root).  Never chmod through a symlink: the submission may have planted one.  All of its
    processes are dead by now, so nothing changes under our feet."""
    if os.geteuid() != 0:
        for dirpath, dirnames, _ in os.walk(path):
            for name in dirnames:  # top-down: fix a child before os.walk descends into it
                child = os.path.join(dirpath, name)
                if not os.path.islink(child):
                    try:
                        os.chmod(child, 0o700)
                    except OSError:
                        pass
    shutil.rmtree(path, ignore_errors=True)
    if os.path.lexists(path):
        log.error("could not remove the run dir %s", path)


class Sandbox:
    """Runs a command of the sandbox runtime's interpreter on files in a fresh work dir."""

    def __init__(self, config: SandboxConfig | None = None):
        self.config = config or SandboxConfig()
        self.layers = detect_layers(self.config)
        _log_layers_once(self.config, self.layers)

    def check_usable(self) -> None:
        """Refuse in production mode without the filesystem and network layers."""
        missing = self.layers.missing_for_production()
        if self.config.production and missing:
            raise SandboxUnavailable("production mode refuses to grade without: "
                                     + "; ".join(missing))

    def uid_for(self, slot: int) -> int | None:
        return self.config.base_uid + slot if self.layers.root else None

    def _landlock(self, work: Path) -> dict | None:
        abi = self.layers.landlock_abi
        if abi < 1:
            return None
        ro = list(RO_DIRS)
        python = Path(self.layers.python)
        prefix = python.parent.parent  # a venv (or installation) prefix
        ro += [str(prefix), str(python.resolve().parent.parent)]
        if not self.layers.runtime:  # the fallback interpreter: the grader's own (v)env
            ro += [sys.prefix, sys.base_prefix]
        cfg = prefix / "pyvenv.cfg"
        if cfg.exists():
            for line in cfg.read_text().splitlines():
                key, _, value = line.partition("=")
                if key.strip() == "home":
                    ro.append(str(Path(value.strip()).parent))
        return {"abi": abi, "ro": sorted(set(ro)), "rw": [str(work)],
                "ro_files": list(RO_FILES), "rw_files": list(RW_FILES)}

    def run(self, files: dict[str, bytes], args: list[str], *, limits: Limits,
            wall_s: float, slot: int | None = None) -> RunOutcome:
        """Write ``files`` into a fresh work dir, run ``python -I -B *args`` there in the
        slot, and return what happened.  Blocks until the run and its sweep are over."""
        self.check_usable()
        with SlotLock(self.config, slot) as slot_no:
            return self._run_in_slot(files, args, limits, wall_s, slot_no)

    def _run_in_slot(self, files, args, limits: Limits, wall_s: float, slot: int) -> RunOutcome:
        uid = self.uid_for(slot)
        base = Path(tempfile.mkdtemp(prefix=f"assessment-run-{slot}-", dir=self.config.work_root))
        try:
            os.chmod(base, 0o711)  # traversable, not listable: the grader dir stays private
            work, grader = base / "work", base / "grader"
            work.mkdir(mode=0o700)
            grader.mkdir(mode=0o700)
            for name, data in files.items():
                (work / name).write_bytes(data)
                if uid is not None:
                    os.chown(work / name, uid, uid)
            if uid is not None:
                os.chown(work, uid, uid)
            cfg = self._launch_config(work, grader, args, limits, wall_s, uid)
            (grader / "config").write_bytes(marshal.dumps(cfg))
            return self._launch(grader, cfg, limits)
        finally:
            _rmtree(base)

    def _launch_config(self, work: Path, grader: Path, args, limits: Limits, wall_s: float,
                       uid: int | None) -> dict:
        c, mb = self.config, 1 << 20
        cpu = math.ceil(wall_s) + 1
        env = {"PATH": "/usr/bin:/bin", "HOME": str(work), "TMPDIR": str(work),
               "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", **THREAD_ENV}
        return {
            "uid": uid, "work_dir": str(work), "capture_dir": str(grader),
            "argv": [self.layers.python, "-I", "-B", *args], "env": env,
            "rlimits": {"RLIMIT_CPU": [cpu, cpu + 1],
                        "RLIMIT_DATA": [limits.memory_mb * mb] * 2,
                        "RLIMIT_AS": [(limits.memory_mb + c.address_space_extra_mb) * mb] * 2,
                        "RLIMIT_FSIZE": [c.file_mb * mb] * 2,
                        "RLIMIT_NPROC": [c.nproc] * 2, "RLIMIT_NOFILE": [c.nofile] * 2,
                        "RLIMIT_CORE": [0, 0]},
            "landlock": self._landlock(work), "seccomp": self.layers.seccomp,
            "wall_s": wall_s, "output_cap": limits.output_kb * 1024,
            "result_cap": c.result_kb * 1024,
        }

    def _launch(self, grader: Path, cfg: dict, limits: Limits) -> RunOutcome:
        cmd = [sys.executable, "-I", "-S", str(LAUNCHER), str(grader / "config")]
        try:
            proc = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True,
                                  timeout=cfg["wall_s"] + 30, close_fds=True, check=False)
            report = marshal.loads(proc.stdout)
            if not isinstance(report, dict):
                raise ValueError(f"unexpected report {report!r:.200}")
        except (subprocess.TimeoutExpired, ValueError, EOFError, TypeError) as exc:
            log.error("sandbox launcher failed: %s", exc)
            self._sweep(cfg["uid"])
            return RunOutcome(f"launcher failed: {exc}", None, None, [], None, 0, 0,
                              b"", b"", b"")
        if proc.returncode != 0:
            self._sweep(cfg["uid"])
            err = proc.stderr.decode(errors="replace")[-2000:]
            return RunOutcome(f"launcher exited {proc.returncode}: {err}", None, None, [],
                              None, 0, 0, b"", b"", b"")
        return _outcome(report, grader, cfg, limits)


    @staticmethod
    def _sweep(uid: int | None) -> None:
        """After a launcher failure: kill whatever of the slot uid it left behind."""
        if uid is not None:
            subprocess.run([sys.executable, "-I", "-S", str(LAUNCHER), "--sweep", str(uid)],
                           stdin=subprocess.DEVNULL, capture_output=True, timeout=30,
                           check=False)


def _outcome(report: dict, grader: Path, cfg: dict, limits: Limits) -> RunOutcome:
    stopped = [report["stop"]] if report["stop"] else []
    sig, cpu_limit_s = report["signal"], cfg["rlimits"]["RLIMIT_CPU"][0]
    if not stopped and sig == "SIGXCPU":
        stopped.append({"what": "time limit", "why": f"CPU time limit of {cpu_limit_s} s"})
    elif not stopped and sig == "SIGXFSZ":
        stopped.append({"what": "output limit",
                        "why": f"tried to write a file over {cfg['rlimits']['RLIMIT_FSIZE'][0]}"
                               " bytes (file size limit)"})
    elif not stopped and sig == "SIGKILL":
        if report["cpu_ms"] >= cpu_limit_s * 1000:
            stopped.append({"what": "time limit", "why": "CPU time hard limit"})
        else:
            stopped.append({"what": "memory limit",
                            "why": "killed by the kernel (out of memory)"})
    limit = stopped[0]["what"] if stopped else None
    if report["killed_after"]:
        stopped.append({"what": "leftover processes",
                        "why": f"killed {report['killed_after']} process(es) still running "
                               "after the run (e.g. a detached child)"})
    if report["uid_sweep"] not in (None, 0):
        stopped.append({"what": "uid sweep", "why": "the final kill of the slot uid failed"})

    def read(name: str) -> bytes:
        try:
            return (grader / name).read_bytes()
        except FileNotFoundError:
            return b""
    return RunOutcome(report["setup_error"], report["exit_code"], sig, stopped, limit,
                      report["wall_ms"], report["cpu_ms"], read("stdout"), read("stderr"),
                      read("results"))


_logged: set = set()


def _log_layers_once(config: SandboxConfig, layers: Layers) -> None:
    """Say at start-up which layers are available; warn about the missing ones."""
    if config in _logged:
        return
    _logged.add(config)
    log.info("sandbox layers: %s", json.dumps(layers.describe()))
    missing = layers.missing_for_production()
    if missing and not config.production:
        log.warning("sandbox degraded (non-production mode), missing: %s", "; ".join(missing))
    elif missing:
        log.error("sandbox refuses to grade in production mode, missing: %s",
                  "; ".join(missing))
