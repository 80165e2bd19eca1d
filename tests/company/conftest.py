"""The company tests' fixtures live in tests/company_fixtures.py (shared with tests/api)."""
from company_fixtures import login, tenants  # noqa: F401
