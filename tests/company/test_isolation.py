"""Every company route and API endpoint, walked with two companies: another company's objects
answer 403 or 404 (and stay unchanged), the own company's succeed. A new route that is not in
the tables below fails the first test, so it cannot skip the walk."""
import pytest
from sqlmodel import select

from assessment.models import ApiKey, Invitation

PUBLIC = {"company.login", "company.logout", "company.forgot", "company.reset", "company.setup", "company.static",
          "api.openapi"}

#: endpoint -> (method, path with {a} assessment, {i} invitation, {i2} second invitation, {k} API key, form data)
COMPANY_ROUTES = {
    "company.home": ("GET", "/company/", None),
    "company.new_assessment": ("GET", "/company/assessments/new", None),
    "company.assessment": ("GET", "/company/assessments/{a}", None),
    "company.preview": ("GET", "/company/assessments/{a}/preview", None),
    "company.export": ("GET", "/company/assessments/{a}/export.csv", None),
    "company.compare": ("GET", "/company/assessments/{a}/compare?a={i}&b={i2}", None),
    "company.edit_assessment": ("POST", "/company/assessments/{a}/edit",
                                {"title": "Edited", "mode": "fixed", "section": ["alpha"], "minutes_alpha": "7",
                                 "min_alpha": "3", "max_alpha": "4"}),
    "company.invite": ("POST", "/company/assessments/{a}/invite", {"name": "New One", "email": "new@x.example"}),
    "company.invite_csv": ("POST", "/company/assessments/{a}/invite-csv", "csv"),
    "company.candidate": ("GET", "/company/candidates/{i}", None),
    "company.report": ("GET", "/company/candidates/{i}/report.pdf", None),
    "company.extend": ("POST", "/company/candidates/{i2}/extend", {"time_multiplier": "1.5"}),
    "company.resend": ("POST", "/company/candidates/{i2}/resend", {}),
    "company.revoke": ("POST", "/company/candidates/{i2}/revoke", {}),
    "company.users": ("GET", "/company/users", None),
    "company.api_keys": ("GET", "/company/api-keys", None),
    "company.revoke_api_key": ("POST", "/company/api-keys/{k}/revoke", {}),
    "company.audit": ("GET", "/company/audit", None),
}
#: Routes that act on the company's own account only (no object id to cross).
NO_OBJECT = {"company.home", "company.new_assessment", "company.users", "company.api_keys", "company.audit"}

API_ROUTES = {
    "api.list_assessments": ("GET", "/api/v1/assessments", None),
    "api.get_assessment": ("GET", "/api/v1/assessments/{a}", None),
    "api.list_invitations": ("GET", "/api/v1/assessments/{a}/invitations", None),
    "api.create_invitation": ("POST", "/api/v1/assessments/{a}/invitations", {"name": "Api One", "email": "api@x.example"}),
    "api.get_invitation": ("GET", "/api/v1/invitations/{i}", None),
    "api.get_report": ("GET", "/api/v1/invitations/{i}/report.pdf", None),
}


def _ids(tenant) -> dict:
    return {"a": tenant.assessment_id, "i": tenant.invitation_ids[0], "i2": tenant.invitation_ids[1],
            "k": tenant.api_key_id}


def _call(client, method, path, data, headers=None):
    if data == "csv":
        import io

        data = {"file": (io.BytesIO(b"name,email\nCsv One,csv1@x.example\n"), "c.csv")}
    if method == "GET":
        return client.get(path, headers=headers)
    if path.startswith("/api/"):
        return client.post(path, json=data, headers=headers)
    return client.post(path, data=data, headers=headers, content_type=None if not isinstance(data, dict) or
                       not any(isinstance(v, tuple) for v in data.values()) else "multipart/form-data")


def test_every_route_is_walked(app):
    endpoints = {r.endpoint for r in app.url_map.iter_rules() if r.endpoint.startswith(("company.", "api."))}
    assert endpoints == PUBLIC | set(COMPANY_ROUTES) | set(API_ROUTES)


def test_signed_out_requests_are_refused(app, client, tenants):
    a, _ = tenants
    for endpoint, (method, path, data) in COMPANY_ROUTES.items():
        response = _call(client, method, path.format(**_ids(a)), data)
        if method == "GET":
            assert response.status_code == 302 and "/company/login" in response.location, endpoint
        else:
            assert response.status_code == 401, endpoint
    for endpoint, (method, path, data) in API_ROUTES.items():
        response = _call(client, method, path.format(**_ids(a)), data)
        assert response.status_code == 401, endpoint
        assert response.mimetype == "application/problem+json"


def _snapshot(db_session, tenant):
    db_session.expire_all()
    invitations = db_session.exec(select(Invitation).where(Invitation.id.in_(tenant.invitation_ids))).all()
    key = db_session.get(ApiKey, tenant.api_key_id)
    return ([(i.token_hash, i.revoked_at, i.expires_at, i.time_multiplier) for i in invitations], key.revoked_at)


def test_company_routes_refuse_other_company_and_serve_own(app, client, tenants, login, db_session):
    a, b = tenants
    login(client, a.email)
    before = _snapshot(db_session, b)
    for endpoint, (method, path, data) in COMPANY_ROUTES.items():
        if endpoint in NO_OBJECT:
            continue
        response = _call(client, method, path.format(**_ids(b)), data)
        assert response.status_code in (403, 404), (endpoint, response.status_code)
        assert "Cand Globex" not in response.text and "globex" not in response.text.lower(), endpoint
    assert _snapshot(db_session, b) == before, "a refused request changed the other company's data"
    for endpoint, (method, path, data) in COMPANY_ROUTES.items():
        response = _call(client, method, path.format(**_ids(a)), data)
        assert response.status_code < 400, (endpoint, response.status_code, response.text[:500])
        if method == "GET" and response.mimetype == "text/html":
            assert "Globex" not in response.text, endpoint


def test_mixed_ids_in_compare_are_refused(client, tenants, login):
    a, b = tenants
    login(client, a.email)
    response = client.get(f"/company/assessments/{a.assessment_id}/compare?a={a.invitation_ids[0]}&b={b.invitation_ids[0]}")
    assert response.status_code == 404


def test_api_refuses_other_company_and_serves_own(client, tenants):
    a, b = tenants
    headers = {"Authorization": f"Bearer {a.api_key}"}
    for endpoint, (method, path, data) in API_ROUTES.items():
        if "{" not in path:
            continue
        response = _call(client, method, path.format(**_ids(b)), data, headers)
        assert response.status_code in (403, 404), (endpoint, response.status_code)
        assert response.mimetype == "application/problem+json"
    for endpoint, (method, path, data) in API_ROUTES.items():
        response = _call(client, method, path.format(**_ids(a)), data, headers)
        assert response.status_code < 400, (endpoint, response.status_code, response.text[:300])
    listed = client.get("/api/v1/assessments", headers=headers).get_json()["assessments"]
    assert [x["id"] for x in listed] == [a.assessment_id]


def test_other_company_id_and_missing_id_look_the_same(client, tenants, login):
    """No probing: another company's invitation answers exactly like one that does not exist."""
    a, b = tenants
    login(client, a.email)
    other = client.get(f"/company/candidates/{b.invitation_ids[0]}")
    missing = client.get("/company/candidates/999999")
    assert (other.status_code, other.text) == (missing.status_code, missing.text)
    headers = {"Authorization": f"Bearer {a.api_key}"}
    other = client.get(f"/api/v1/invitations/{b.invitation_ids[0]}", headers=headers)
    missing = client.get("/api/v1/invitations/999999", headers=headers)
    assert (other.status_code, other.get_json()) == (missing.status_code, missing.get_json())


@pytest.mark.parametrize("endpoint", ["company.users", "company.api_keys", "company.audit"])
def test_members_cannot_use_admin_pages(app, client, tenants, login, db_session, endpoint):
    from assessment.services import accounts

    a, _ = tenants
    data = accounts.users_page(session=db_session, actor=a.actor, invite_email="member@acme.example")
    from assessment.models import CompanyUser

    member = db_session.exec(select(CompanyUser).where(CompanyUser.email == "member@acme.example")).one()
    accounts.set_password(session=db_session, user=member, password="member password 1")
    assert data["added"] == "member@acme.example"
    login(client, "member@acme.example", "member password 1")
    method, path, _ = COMPANY_ROUTES[endpoint]
    assert client.get(path).status_code == 403
