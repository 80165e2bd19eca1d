"""A NUL character in a form field: PostgreSQL's text columns cannot hold one, so it must be
refused with a 400 before it reaches the database (the probe saw it stored on SQLite)."""
from web_helpers import begin, current_item, db

from factories import make_invitation


def test_a_form_answer_with_a_nul_is_refused(app, client):
    with db(app) as session:
        _, token = make_invitation(session)
    begin(client, token)
    rid = current_item(client, token)
    response = client.post(f"/t/{token}/answer", data={"response_id": str(rid), "seq": "1", "value": "1\x00",
                                                      "choice": "1\x00"})
    assert response.status_code == 400, response.text[:300]
    assert "NUL" in response.text


def test_a_company_invitation_with_a_nul_in_the_name_is_refused(client, tenants, login):
    login(client, tenants[0].email)
    response = client.post(f"/company/assessments/{tenants[0].assessment_id}/invite",
                           data={"name": "Ann\x00", "email": "ann@x.example"})
    assert response.status_code == 400, response.text[:300]


def test_a_nul_in_a_repeated_field_or_query_argument_is_refused(client, tenants, login):
    login(client, tenants[0].email)
    path = f"/company/assessments/{tenants[0].assessment_id}"
    assert client.get(path, query_string={"q": "x\x00"}).status_code == 400
    form = {"section": ["alpha", "beta\x00"], "title": "T"}
    assert client.post(f"{path}/edit", data=form).status_code == 400


def test_a_multipart_form_with_a_nul_is_refused_and_a_json_body_is_left_to_its_parser(app, client):
    """Form fields are read for the two form types only; a JSON body's strings are checked by
    its own parser (assessment/security.py `load_json_object`), with the same answer."""
    with db(app) as session:
        _, token = make_invitation(session)
    begin(client, token)
    rid = current_item(client, token)
    multipart = client.post(f"/t/{token}/answer", content_type="multipart/form-data",
                            data={"response_id": str(rid), "seq": "1", "value": "1\x00"})
    assert multipart.status_code == 400 and "NUL" in multipart.text
    as_json = client.post(f"/t/{token}/answer", json={"response_id": rid, "seq": 1, "final": False,
                                                      "answer": {"value": "1\x00"}})
    assert as_json.status_code == 400 and "NUL" in as_json.get_json()["error"]
