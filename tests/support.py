"""Shared by the fixtures and by tests: the fixture bank, and fresh PostgreSQL databases."""
import os
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

FIXTURE_BANK = Path(__file__).parent / "fixtures" / "bank"
POSTGRES_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def fresh_postgres_database(admin_url: str = POSTGRES_ADMIN_URL, template: str | None = None):
    """Create a database next to `admin_url`'s, empty or a copy of the database `template` (which
    nobody may be connected to); returns (url, drop callback)."""
    name = f"t_{uuid.uuid4().hex[:16]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")))
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)

    def drop():
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return url, drop
