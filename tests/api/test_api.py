"""/api/v1: Bearer keys (hashed, revocable, never logged), JSON problem details, the endpoints,
and an OpenAPI document that matches the routes."""
import logging
import re

from sqlmodel import select

from assessment.models import ApiKey, AuditEntry
from assessment.services import accounts


def _auth(tenant):
    return {"Authorization": f"Bearer {tenant.api_key}"}


def test_keys_are_stored_hashed_and_shown_once(db_session, tenants, client, login):
    a, _ = tenants
    key = db_session.get(ApiKey, a.api_key_id)
    assert a.api_key not in (key.key_hash, key.prefix) and a.api_key.startswith(key.prefix)
    login(client, a.email)
    page = client.post("/company/api-keys", data={"name": "Greenhouse"}).text
    shown = re.search(r'<code id="new-key">([^<]+)</code>', page).group(1)
    assert client.get("/api/v1/assessments", headers={"Authorization": f"Bearer {shown}"}).status_code == 200
    assert shown not in client.get("/company/api-keys").text


def test_missing_bad_and_revoked_keys_are_401_problems(client, tenants, db_session):
    a, _ = tenants
    for headers in ({}, {"Authorization": "Basic abc"}, {"Authorization": "Bearer ak_wrong"},
                    {"Authorization": "Bearer " + a.api_key + "x"}):
        response = client.get("/api/v1/assessments", headers=headers)
        assert response.status_code == 401 and response.mimetype == "application/problem+json"
        body = response.get_json()
        assert body["status"] == 401 and body["title"] == "Unauthorized" and body["detail"]
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    accounts.revoke_api_key(session=db_session, actor=a.actor, key_id=a.api_key_id)
    assert client.get("/api/v1/assessments", headers=_auth(a)).status_code == 401
    assert db_session.exec(select(AuditEntry).where(AuditEntry.action == "api_key.revoked")).first() is not None


def test_list_invite_read_status_results_and_report(client, tenants, db_session):
    a, _ = tenants
    listed = client.get("/api/v1/assessments", headers=_auth(a)).get_json()["assessments"]
    assert listed[0]["id"] == a.assessment_id and [s["id"] for s in listed[0]["sections"]] == ["alpha", "beta"]
    created = client.post(f"/api/v1/assessments/{a.assessment_id}/invitations", headers=_auth(a),
                          json={"name": "Api Person", "email": "api@x.example", "time_multiplier": 1.25})
    assert created.status_code == 201
    body = created.get_json()
    assert body["status"] == "invited" and "/t/" in body["link"] and created.headers["Location"].endswith(str(body["id"]))
    status = client.get(f"/api/v1/invitations/{body['id']}", headers=_auth(a)).get_json()
    assert status["status"] == "invited" and status["time_multiplier"] == 1.25 and status["report_url"] is None
    done = client.get(f"/api/v1/invitations/{a.invitation_ids[0]}", headers=_auth(a)).get_json()
    assert done["status"] == "completed" and 1 <= done["overall"] <= 300
    assert set(done["sections"]) == {"alpha", "beta"} and "near_copies" in done["integrity_signals"]
    pdf = client.get(done["report_url"], headers=_auth(a))
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    everyone = client.get(f"/api/v1/assessments/{a.assessment_id}/invitations", headers=_auth(a)).get_json()
    assert [i["id"] for i in everyone["invitations"]] == a.invitation_ids + [body["id"]]
    actions = db_session.exec(select(AuditEntry.action, AuditEntry.api_key_id)
                              .where(AuditEntry.action == "invitation.created")).all()
    assert ("invitation.created", a.api_key_id) in actions


def test_bad_input_is_a_problem_naming_the_field(client, tenants):
    a, _ = tenants
    url = f"/api/v1/assessments/{a.assessment_id}/invitations"
    for body, field in (({"name": "X", "email": "nope"}, "email"), ({"email": "x@y.example"}, "name"),
                        ({"name": "X", "email": "x@y.example", "time_multiplier": "lots"}, "time_multiplier"),
                        ({"name": "X", "email": "x@y.example", "expires_days": 999}, "expires_days")):
        response = client.post(url, headers=_auth(a), json=body)
        assert response.status_code == 400 and response.mimetype == "application/problem+json"
        assert field in response.get_json()["detail"]
    not_json = client.post(url, headers=_auth(a), data="name=x")
    assert not_json.status_code == 400
    unknown = client.get("/api/v1/nothing-here", headers=_auth(a))
    assert unknown.status_code == 404 and unknown.mimetype == "application/problem+json"
    wrong_method = client.delete(f"/api/v1/assessments/{a.assessment_id}", headers=_auth(a))
    assert wrong_method.status_code == 405 and wrong_method.mimetype == "application/problem+json"


def test_openapi_document_matches_the_routes(app, client):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.") and doc["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    documented = {(path, method.upper()) for path, ops in doc["paths"].items() for method in ops}
    routed = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("api."):
            path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule.removeprefix("/api/v1"))
            routed |= {(path, m) for m in rule.methods - {"HEAD", "OPTIONS"}}
    assert documented == routed
    for path, ops in doc["paths"].items():
        for op in ops.values():
            params = {p["name"] for p in op.get("parameters", [])}
            assert params == set(re.findall(r"{(\w+)}", path)), path
            for response in op["responses"].values():
                for media in response.get("content", {}).values():
                    ref = media.get("schema", {}).get("$ref")
                    if ref:
                        assert ref.split("/")[-1] in doc["components"]["schemas"]


def test_api_keys_never_reach_the_logs(make_app, tenants, caplog):
    client = make_app(ACCESS_LOG=True).test_client()
    a, _ = tenants
    with caplog.at_level(logging.DEBUG):
        client.get("/api/v1/assessments", headers=_auth(a))
        client.get("/api/v1/invitations/999999", headers=_auth(a))
        client.post(f"/api/v1/assessments/{a.assessment_id}/invitations", headers=_auth(a), json={"bad": 1})
        client.get("/api/v1/assessments", headers={"Authorization": f"Bearer {a.api_key}zz"})
        client.get("/company/reset/some-secret-reset-token")
    assert caplog.records, "expected some log output to check"
    for record in caplog.records:
        assert a.api_key not in record.getMessage() and a.api_key[10:] not in str(record.__dict__)
        assert "some-secret-reset-token" not in str(record.__dict__)
