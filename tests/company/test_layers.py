"""The company and API blueprints are thin: they import services, never models or query code."""
import ast
from pathlib import Path

import pytest

import assessment

PACKAGE = Path(assessment.__file__).parent
FORBIDDEN = ("assessment.models", "sqlmodel", "sqlalchemy")


@pytest.mark.parametrize("blueprint", ["company", "api"])
def test_blueprint_imports_no_models_or_query_code(blueprint):
    for path in (PACKAGE / blueprint).glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            for name in names:
                assert not name.startswith(FORBIDDEN), f"{path.name} imports {name}"
