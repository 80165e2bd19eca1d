"""Fixtures of the probe's regression tests: two companies (tests/company_fixtures.py); the
candidate helpers are tests/web/web_helpers.py (put on the path here)."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "web"))

from company_fixtures import login, tenants  # noqa: E402, F401
