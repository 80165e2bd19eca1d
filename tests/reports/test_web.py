"""The results page and the study plan download: a candidate gets only their own plan."""
import re
import secrets
import subprocess
import time
from pathlib import Path

import pytest
from report_factories import TOKENS

from assessment.services import reports as service


@pytest.fixture(scope="module")
def client(report_db):
    app, _, _ = report_db
    return app.test_client()


def pdf_text(data: bytes, tmp_path) -> str:
    path = tmp_path / "d.pdf"
    path.write_bytes(data)
    return " ".join(subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout.split())


def _unfinished_token(app) -> str:
    from assessment.db import get_session
    from assessment.models import Attempt, Invitation
    from assessment.services.delivery import hash_token

    token = secrets.token_urlsafe(24)
    with app.app_context():
        session = get_session()
        invitation = Invitation(assessment_id=1, token_hash=hash_token(token), name="Not Finished")
        session.add(invitation)
        session.flush()
        session.add(Attempt(invitation_id=invitation.id, seed=1))
        session.commit()
    return token


def test_results_page_leads_with_the_summary_and_offers_the_plan(report_db, client):
    app, ids, _ = report_db
    page = client.get(f"/t/{TOKENS[ids['developing']]}/results")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    summary = html.index('id="summary"')
    assert summary < html.index('id="sections-title"') < html.index('id="skills-title"') < html.index('id="plan-title"')
    assert "Download your study plan (PDF)" in html and "/study-plan.pdf" in html
    assert "<svg" in html and "Beginning" in html and "Accomplished" in html
    # Partial credit read as what it is, and a band with its probabilities in words.
    assert re.search(r"coding: \d of 2 score points", html)
    assert re.search(r"(Clearly|Most likely|Between) (Beginning|Developing|Accomplished)", html)
    assert re.search(r"(Beginning|Developing|Accomplished), \d+\s%", html)
    assert "scikit-learn" in html or "https://" in html  # curated resources are linked
    assert "How you fit each role" in html


def test_wide_range_is_said_in_words(report_db, client):
    """The beginning candidate's weak sections have ranges over two bands: never stated as fact."""
    app, ids, _ = report_db
    html = client.get(f"/t/{TOKENS[ids['beginning']]}/results").get_data(as_text=True)
    assert re.search(r"(Most likely \w+ \(\d+\s%\); could be|Between) ", html)


def download_plan(client, token: str, query: str = ""):
    """The plan as a browser without JavaScript gets it: while the first render runs the answer
    is 503 with Retry-After and Refresh, and the browser asks again (bounded here)."""
    for _ in range(120):
        response = client.get(f"/t/{token}/study-plan.pdf{query}")
        if response.status_code != 503:
            return response
        assert response.headers["Retry-After"] == "3" and response.headers["Refresh"] == "3"
        time.sleep(0.5)
    raise AssertionError("the study plan was not ready after 120 tries")


def test_a_plan_still_rendering_answers_retry_at_once_instead_of_holding_the_request(report_db, client):
    """A cohort finishing together must not hold every web thread waiting for renders."""
    from assessment.db import get_session

    app, ids, _ = report_db
    with app.app_context():
        facts = service.gather(session=get_session(), attempt_id=ids["retest"], sections_dir=app.config["SECTIONS_DIR"])
    path = service._cache_path(Path(app.instance_path) / "reports", ids["retest"], "study_plan",
                               service.digest("study_plan", facts))
    if path.is_file():
        path.unlink()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.with_suffix(".claim").touch()  # another web process is rendering this plan
    try:
        response = client.get(f"/t/{TOKENS[ids['retest']]}/study-plan.pdf", headers={"Accept": "text/html"})
        assert response.status_code == 503
        assert response.headers["Retry-After"] == "3" and response.headers["Refresh"] == "3"
        assert "still being prepared" in response.get_data(as_text=True)
        status = client.get(f"/t/{TOKENS[ids['retest']]}/study-plan/status").get_json()
        assert status["state"] == "rendering"
    finally:
        path.with_suffix(".claim").unlink()


def test_candidate_downloads_their_own_plan(report_db, client, tmp_path):
    app, ids, _ = report_db
    for key, name in (("developing", "Sam Developing"), ("accomplished", "Sam Accomplished")):
        token = TOKENS[ids[key]]
        status = client.get(f"/t/{token}/study-plan/status").get_json()
        assert status["state"] in {"rendering", "ready"} and 0 < status["percent"] <= 100
        response = download_plan(client, token)
        assert response.status_code == 200 and response.mimetype == "application/pdf"
        assert "attachment" in response.headers["Content-Disposition"]
        text = pdf_text(response.data, tmp_path)
        assert name in text and "Personalized study plan".upper() in text.upper()
        others = {"Sam Developing", "Sam Accomplished", "Sam Beginning"} - {name}
        assert not any(other in text for other in others)
        assert client.get(f"/t/{token}/study-plan/status").get_json()["state"] == "ready"


def test_second_download_is_served_from_the_cache(report_db, client):
    app, ids, _ = report_db
    token = TOKENS[ids["retest"]]
    first = download_plan(client, token)
    started = time.perf_counter()
    second = client.get(f"/t/{token}/study-plan.pdf")
    assert time.perf_counter() - started < 0.5
    assert first.data == second.data and first.status_code == 200


def test_nobody_else_gets_a_plan(report_db, client, tmp_path):
    app, ids, _ = report_db
    assert client.get("/t/not-a-real-token/study-plan.pdf").status_code == 404
    assert client.get("/t/not-a-real-token/study-plan/status").status_code == 404
    # The company's candidate report is not reachable from a candidate's link.
    assert client.get(f"/t/{TOKENS[ids['developing']]}/candidate.pdf").status_code == 404
    # Asking for another attempt's id changes nothing: the token decides whose plan it is.
    response = download_plan(client, TOKENS[ids['developing']], f"?attempt={ids['beginning']}")
    assert "Sam Developing" in pdf_text(response.data, tmp_path)


def test_no_plan_before_the_test_is_finished(report_db, client):
    app, _, _ = report_db
    token = _unfinished_token(app)
    response = client.get(f"/t/{token}/study-plan.pdf")
    assert response.status_code == 409
    assert "finished" in response.get_data(as_text=True)
    assert client.get(f"/t/{token}/study-plan/status", headers={"Accept": "application/json"}).status_code == 409
