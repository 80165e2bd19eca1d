"""The candidate blueprint is thin (issue 10.1): it imports no models and no query code, and
the services it calls carry no HTTP statuses."""
import ast
from pathlib import Path

import assessment

PACKAGE = Path(assessment.__file__).parent


def imported_modules(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_the_candidate_views_import_no_models_and_no_query_code():
    modules = imported_modules(PACKAGE / "candidate" / "views.py")
    forbidden = [m for m in modules if m.split(".")[0] in ("sqlmodel", "sqlalchemy") or m.startswith("assessment.models")]
    assert forbidden == []


def test_delivery_services_raise_error_kinds_not_statuses():
    for name in ("delivery.py", "coding.py"):
        source = (PACKAGE / "services" / name).read_text()
        assert "status=4" not in source and "status=5" not in source, name
        assert "flask" not in imported_modules(PACKAGE / "services" / name), name
