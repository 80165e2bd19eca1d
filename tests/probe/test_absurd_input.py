"""Absurd input found by the outside probe (docs/probe.md): each answered 500 before its fix.
Every request here must get a 4xx with a message, on SQLite and PostgreSQL."""
import pytest
from web_helpers import begin, current_item, db

from factories import make_invitation

HUGE = "9" * 25  # beyond SQLite's 64-bit and PostgreSQL's 32-bit integer columns


@pytest.mark.parametrize("path", [
    "/company/assessments/{n}", "/company/assessments/{n}/edit", "/company/assessments/{n}/preview",
    "/company/assessments/{n}/export.csv", "/company/candidates/{n}", "/company/candidates/{n}/report.pdf",
])
def test_a_huge_id_in_a_company_path_is_not_found(client, tenants, login, path):
    login(client, tenants[0].email)
    response = client.get(path.format(n=HUGE))
    assert response.status_code == 404, response.text[:300]


@pytest.mark.parametrize("path", [
    "/api/v1/assessments/{n}", "/api/v1/assessments/{n}/invitations", "/api/v1/invitations/{n}",
    "/api/v1/invitations/{n}/report.pdf",
])
def test_a_huge_id_in_an_api_path_is_not_found(client, tenants, path):
    response = client.get(path.format(n=HUGE), headers={"Authorization": f"Bearer {tenants[0].api_key}"})
    assert response.status_code == 404, response.text[:300]
    assert response.mimetype == "application/problem+json"


def test_a_huge_id_in_a_company_form_post_is_not_found(client, tenants, login):
    login(client, tenants[0].email)
    for path in (f"/company/candidates/{HUGE}/revoke", f"/company/candidates/{HUGE}/extend",
                 f"/company/assessments/{HUGE}/invite", f"/company/api-keys/{HUGE}/revoke"):
        assert client.post(path, data={"extra_days": "1"}).status_code == 404, path


@pytest.mark.parametrize("text", ["\\ud800", "a\\udfffb", "\\u0000", "x\\u0000y"])
def test_an_answer_with_an_unpaired_surrogate_or_nul_is_refused(app, client, text):
    with db(app) as session:
        _, token = make_invitation(session)
    begin(client, token)
    rid = current_item(client, token)
    body = '{"response_id": %d, "seq": 1, "final": false, "answer": {"value": "%s", "choice": "%s"}}' % (
        rid, text, text)
    response = client.post(f"/t/{token}/answer", data=body, content_type="application/json")
    assert response.status_code == 400, response.text[:300]
    assert "character" in response.get_json()["error"]
