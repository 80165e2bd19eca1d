"""Schemathesis against /api/v1/openapi.json: generated requests (valid and invalid) to every
operation, with a real key of one company. No 5xx, every response matches the document."""
import schemathesis
from hypothesis import HealthCheck, given, settings

#: Bounded: enough to walk each operation's parameters and bodies, fast enough for every run.
EXAMPLES_PER_OPERATION = 30


def test_api_never_fails_and_matches_its_document(app, tenants):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    headers = {"Authorization": f"Bearer {tenants[0].api_key}"}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 5, "the document lists fewer operations than the API has"
    checked = []
    for operation in operations:
        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def fuzz(case):
            response = case.call_and_validate(headers=headers)
            assert response.status_code < 500, (case.method, case.formatted_path, response.text[:300])

        fuzz()
        checked.append(f"{operation.method.upper()} {operation.path}")
    assert len(checked) == len(operations)
