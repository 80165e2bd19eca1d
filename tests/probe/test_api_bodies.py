"""POST /api/v1/assessments/<id>/invitations with bodies of the wrong shape: each is a 400
problem details naming what is wrong, and creates nothing (found by the probe: 500s, and
objects stored as their Python repr)."""
import json

import pytest

BODIES = {
    "nested 100,000 deep": "[" * 100_000 + "]" * 100_000,
    "unpaired surrogate": '{"name": "\\ud800", "email": "s@x.example"}',
    "NUL in the name": '{"name": "a\\u0000b", "email": "n@x.example"}',
    "name is an object": json.dumps({"name": {"x": 1}, "email": "o@x.example"}),
    "email is a list": json.dumps({"name": "Lee", "email": ["l@x.example"]}),
    "expires_days 12.7": json.dumps({"name": "Lee", "email": "f@x.example", "expires_days": 12.7}),
    "expires_days true": json.dumps({"name": "Lee", "email": "t@x.example", "expires_days": True}),
    "time_multiplier a string": json.dumps({"name": "Lee", "email": "m@x.example", "time_multiplier": "1.5"}),
}


@pytest.mark.parametrize("case", list(BODIES))
def test_a_malformed_invitation_body_is_a_400_and_creates_nothing(client, tenants, case):
    key = {"Authorization": f"Bearer {tenants[0].api_key}"}
    path = f"/api/v1/assessments/{tenants[0].assessment_id}/invitations"
    before = len(client.get(path, headers=key).get_json()["invitations"])
    response = client.post(path, data=BODIES[case], content_type="application/json", headers=key)
    assert response.status_code == 400, response.text[:300]
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["detail"]
    assert len(client.get(path, headers=key).get_json()["invitations"]) == before


def test_a_well_formed_invitation_body_still_creates_one(client, tenants):
    key = {"Authorization": f"Bearer {tenants[0].api_key}"}
    path = f"/api/v1/assessments/{tenants[0].assessment_id}/invitations"
    response = client.post(path, json={"name": "Zoë", "email": "zoe@x.example", "expires_days": 3,
                                       "time_multiplier": 1.5}, headers=key)
    assert response.status_code == 201, response.text
    assert response.get_json()["name"] == "Zoë"
