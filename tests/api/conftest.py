"""The API tests reuse the company fixtures (two tenants with keys)."""
from company_fixtures import login, tenants  # noqa: F401
