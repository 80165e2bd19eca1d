"""What every table shares: one naming convention (so migrations name constraints the same
way on SQLite and PostgreSQL) and UTC timestamps."""
import datetime as dt

from sqlmodel import SQLModel

SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> dt.datetime:
    """Aware UTC; SQLModel's datetime columns refuse naive values and read back in UTC."""
    return dt.datetime.now(dt.UTC)
