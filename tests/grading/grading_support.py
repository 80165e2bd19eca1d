"""Helpers shared by the grading tests (imported as a top-level module: tests/grading is on
sys.path in pytest's default import mode)."""
from __future__ import annotations

import os
from pathlib import Path

from sandbox_layers import needs

FIXTURES = Path(__file__).parent / "fixtures"
SOFTMAX = FIXTURES / "sections" / "fixtures" / "items" / "fx-softmax"
TEST_BASE_UID = 61500  # away from the default slots (61000+) so a live grader is unaffected
SLOTS = 2
IS_ROOT = os.geteuid() == 0
needs_root = needs("uid switching")


def slot_processes() -> list[tuple[int, int]]:
    """(pid, uid) of every live process owned by a test slot uid."""
    found = []
    uids = range(TEST_BASE_UID, TEST_BASE_UID + SLOTS)
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/status") as f:
                for line in f:
                    if line.startswith("Uid:"):
                        uid = int(line.split()[1])
                        if uid in uids:
                            found.append((int(name), uid))
                        break
        except OSError:
            continue
    return found



needs_landlock = needs("landlock")
needs_seccomp = needs("seccomp")
