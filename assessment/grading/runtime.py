"""The sandbox runtime: a venv outside the checkout that every slot uid can read and run.

The checkout (and its .venv) may sit where other uids cannot read (pyenv under /root is mode
700); so ``assessment sandbox setup`` builds a dedicated venv from the system interpreter with
numpy and pandas pinned to the grader's own versions (values cross the boundary as JSON, but
equal versions keep behaviour identical), made world-readable.  The launcher runs as root with
the grader's interpreter, and the harness is copied into each run's work dir, so nothing else
has to live in the runtime.
"""
from __future__ import annotations

import json
import logging
import os
import stat
import subprocess
from importlib import metadata
from pathlib import Path

from assessment.content.coding import Limits
from assessment.grading.sandbox import Sandbox, SandboxConfig, runtime_python

log = logging.getLogger(__name__)

PACKAGES = ("numpy", "pandas")
MARKER = "assessment-runtime.json"


class RuntimeSetupError(RuntimeError):
    """The runtime could not be created; the message says which step failed."""


def _pins(packages) -> list[str]:
    pins = []
    for name in packages:
        try:
            pins.append(f"{name}=={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            pins.append(name)
    return pins


def _check_world_traversable(path: Path) -> None:
    for parent in [path, *path.parents]:
        if parent.exists() and not parent.stat().st_mode & stat.S_IXOTH:
            raise RuntimeSetupError(f"{parent} is not searchable by other users (mode "
                                    f"{stat.filemode(parent.stat().st_mode)}); the sandbox "
                                    "uids could not reach the runtime")


def _make_world_readable(root: Path) -> None:
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames + [""]:
            p = Path(dirpath, name) if name else Path(dirpath)
            if p.is_symlink():
                continue
            mode = p.stat().st_mode
            extra = stat.S_IROTH | stat.S_IRGRP
            if p.is_dir() or mode & stat.S_IXUSR:
                extra |= stat.S_IXOTH | stat.S_IXGRP
            os.chmod(p, (mode | extra) & ~(stat.S_IWOTH | stat.S_IWGRP))


def setup_runtime(path: Path, python: str = "/usr/bin/python3",
                  packages=PACKAGES) -> dict:
    """Create (or update) the runtime venv at ``path``; idempotent.  Needs root in
    production so that only root can write it."""
    path = Path(path).absolute()
    pins = _pins(packages)
    marker = path / MARKER
    if marker.exists() and runtime_python(path).exists():
        info = json.loads(marker.read_text())
        if info.get("packages") == pins and info.get("base") == python:
            log.info("sandbox runtime at %s is up to date", path)
            return info
    for parent in reversed(path.parents):
        if not parent.exists():
            parent.mkdir(mode=0o755)
    steps = [[python, "-m", "venv", "--clear", str(path)],
             [str(runtime_python(path)), "-m", "pip", "install", "--quiet",
              "--disable-pip-version-check", *pins]]
    for cmd in steps:
        log.info("running %s", " ".join(cmd))
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            raise RuntimeSetupError(f"{' '.join(cmd)} failed ({proc.returncode}): "
                                    f"{proc.stderr.strip()[-2000:]}")
    info = {"base": python, "packages": pins}
    marker.write_text(json.dumps(info, indent=2) + "\n")
    _make_world_readable(path)
    _check_world_traversable(path)
    return info


PROBE = """
import os, sys, numpy, pandas
def can(p):
    try:
        open(p, "rb").close()
        return True
    except OSError:
        return False
print({"numpy": numpy.__version__, "pandas": pandas.__version__, "uid": os.getuid(),
       "reads_etc_shadow": can("/etc/shadow"), "python": sys.executable})
"""


def check_sandbox(config: SandboxConfig | None = None) -> dict:
    """The layers available here and one trial run (numpy + pandas import as the slot uid)."""
    sandbox = Sandbox(config)
    report = {"layers": sandbox.layers.describe(), "production": sandbox.config.production,
              "missing_for_production": sandbox.layers.missing_for_production()}
    try:
        out = sandbox.run({"probe.py": PROBE.encode()}, ["probe.py"],
                          limits=Limits(time_s=10, memory_mb=512), wall_s=20)
    except Exception as exc:  # noqa: BLE001 - report any failure of the trial run
        report["trial_run"] = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
        return report
    ok = out.exit_code == 0 and not out.setup_error
    report["trial_run"] = {"ok": ok, "wall_ms": out.wall_ms,
                           "stdout": out.stdout.decode(errors="replace").strip(),
                           "stderr": out.stderr.decode(errors="replace").strip()[-1000:],
                           "setup_error": out.setup_error}
    return report
