"""Which sandbox layers this run has, and whether a missing one fails or skips (issue 16).

Where the layers must exist (CI, or scripts/test.sh run as root, which sets
ASSESSMENT_REQUIRE_SANDBOX_LAYERS=1), a test needing a missing layer FAILS, naming the layer.
Elsewhere (a non-root run on a developer's machine) it skips, saying what is missing.
"""
from __future__ import annotations

import os

import pytest

from assessment.grading.sandbox import MIN_PRODUCTION_ABI, SandboxConfig, detect_layers

REQUIRED = bool(os.environ.get("CI")) or os.environ.get("ASSESSMENT_REQUIRE_SANDBOX_LAYERS") == "1"


def _probe() -> dict[str, tuple[bool, str]]:
    layers = detect_layers(SandboxConfig())
    return {
        "uid switching": (layers.root, "the tests run as root, to switch to per-slot uids"),
        "rlimits": (layers.root, "RLIMIT_NPROC is per uid: it needs the per-slot uids (root)"),
        "landlock": (layers.landlock_abi >= MIN_PRODUCTION_ABI,
                     f"Landlock ABI >= {MIN_PRODUCTION_ABI}; this kernel has ABI {layers.landlock_abi}"),
        "seccomp": (layers.seccomp, "libseccomp.so.2 loadable"),
        "runtime": (layers.runtime, "the sandbox runtime (`assessment sandbox setup`)"),
    }


LAYERS = _probe()


def missing(name: str) -> str | None:
    """None if the layer is active, else what it needs."""
    active, needs = LAYERS[name]
    return None if active else needs


def requires(*names: str) -> list:
    """Marks for a test (or a module's ``pytestmark``) that needs these layers."""
    gaps = [f"{n}: {missing(n)}" for n in names if missing(n)]
    marks = [pytest.mark.sandbox_layer(*names)]
    if gaps and not REQUIRED:
        marks.append(pytest.mark.skip(reason="sandbox layer missing on this machine: " + "; ".join(gaps)))
    return marks


def needs(*names: str):
    """Decorator form of ``requires``."""
    def decorate(test):
        for mark in requires(*names):
            test = mark(test)
        return test
    return decorate


def check_marked(node) -> None:
    """Fail a test whose required layer is missing (tests/conftest.py calls this for each test)."""
    for mark in node.iter_markers("sandbox_layer"):
        gaps = [f"{n} ({missing(n)})" for n in mark.args if missing(n)]
        if gaps:
            pytest.fail("required sandbox layer missing: " + "; ".join(gaps), pytrace=False)


def summary() -> str:
    state = ", ".join(f"{n}={'on' if on else 'MISSING'}" for n, (on, _) in LAYERS.items())
    return f"sandbox layers: {state} ({'required' if REQUIRED else 'missing ones skip'})"
