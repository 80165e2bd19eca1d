"""Scale-out end to end: a web app with REDIS_URL set grades nothing itself; `assessment worker`
processes on the real Redis run the sample runs and the grading in the sandbox, and a grade lands
in the database exactly once even when the sweep queues it again."""
import os
import re
import signal
import subprocess
import sys
import time

import pytest
import redis as redis_lib
from sqlmodel import select

import sandbox_layers
from assessment.models import CodeRun, Response
from factories import make_assessment, make_invitation
from support import FIXTURE_BANK

pytestmark = [*sandbox_layers.requires("uid switching", "runtime")]

REDIS_URL = "redis://127.0.0.1:6379/14"
SOLUTION = "def double(x):\n    return 2 * x\n"


@pytest.fixture
def redis_app(make_app, bank, database_url):
    redis_lib.Redis.from_url(REDIS_URL).flushdb()
    app = make_app(REDIS_URL=REDIS_URL)
    with app.app_context():
        from assessment.db import get_session
        from assessment.services.bank import sync_bank

        sync_bank(bank, session=get_session())
    yield app
    redis_lib.Redis.from_url(REDIS_URL).flushdb()


@pytest.fixture
def worker(redis_app, database_url, tmp_path):
    """A real `assessment worker` process on the test's database and bank."""
    env = {**os.environ, "DATABASE_URL": database_url, "ASSESSMENT_REDIS_URL": REDIS_URL,
           "ASSESSMENT_SECTIONS_DIR": str(FIXTURE_BANK), "ASSESSMENT_SECRET_KEY": "w" * 40,
           "ASSESSMENT_SANDBOX_PRODUCTION": "false", "ASSESSMENT_INSTANCE_PATH": str(tmp_path / "worker")}
    process = subprocess.Popen([sys.executable, "-m", "assessment.cli", "worker"], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True)
    yield process
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)
    process.stderr.close()


def _open_code_item(client, token) -> int:
    assert client.post(f"/t/{token}/begin").status_code == 302
    assert client.post(f"/t/{token}/sections/0/start").status_code == 302
    page = client.get(f"/t/{token}").text
    return int(re.search(r'name="response_id" value="(\d+)"', page).group(1))


def test_sample_run_and_grading_happen_on_the_queue_worker_exactly_once(redis_app, worker):
    from assessment.workers import grading_queue

    with redis_app.app_context():
        from assessment.db import get_session

        assessment = make_assessment(get_session(), sections=("gamma",), mode="fixed")
        _, token = make_invitation(get_session(), assessment)
    client = redis_app.test_client()
    rid = _open_code_item(client, token)
    run = client.post(f"/t/{token}/run", json={"response_id": rid, "seq": 1, "code": SOLUTION})
    assert run.status_code == 200, run.text
    assert (run.get_json()["passed"], run.get_json()["total"]) == (2, 2)

    assert client.post(f"/t/{token}/submit-code", json={"response_id": rid, "code": SOLUTION}).status_code == 200
    deadline = time.monotonic() + 120
    while True:
        with redis_app.app_context():
            from assessment.db import get_session

            response = get_session().get(Response, rid)
            if response.status != "submitted":
                break
        assert worker.poll() is None, worker.stderr.read()
        assert time.monotonic() < deadline, "the queue worker never graded the submission"
        time.sleep(0.3)
    assert response.status == "answered" and response.score == 2.0  # all hidden tests: category 2 of 0/1/2
    # The sweep queues every still-ungraded submission again: nothing is, so nothing runs twice.
    assert grading_queue(redis_app).enqueue_pending() == 0
    with redis_app.app_context():
        from assessment.db import get_session

        hidden = get_session().exec(select(CodeRun).where(CodeRun.response_id == rid, CodeRun.kind == "hidden")).all()
    assert len(hidden) == 1


def test_the_study_plan_is_rendered_on_a_queue_worker_and_collected_by_the_web(redis_app, worker):
    with redis_app.app_context():
        from assessment.db import get_session

        assessment = make_assessment(get_session(), sections=("gamma",), mode="fixed",
                                     overrides={"gamma": {"min_items": 1, "max_items": 1}})
        _, token = make_invitation(get_session(), assessment)
    client = redis_app.test_client()
    rid = _open_code_item(client, token)
    assert client.post(f"/t/{token}/submit-code", json={"response_id": rid, "code": SOLUTION}).status_code == 200
    deadline = time.monotonic() + 120
    states = []
    while True:
        client.get(f"/t/{token}")  # the page a candidate sees next: the test ends here
        status = client.get(f"/t/{token}/study-plan/status")
        body = status.get_json(silent=True) or {}
        states.append(body.get("state") or f"{status.status_code} {body.get('error') or status.text[:80]}")
        if states[-1] == "ready":
            break
        assert worker.poll() is None, worker.stderr.read()
        assert time.monotonic() < deadline, f"the study plan never became ready: {states[-5:]}"
        time.sleep(0.3)
    assert "rendering" in states  # it was not rendered in the web process on the first request
    rendered = [k.decode() for k in redis_lib.Redis.from_url(REDIS_URL).scan_iter("rq:job:report-*")]
    # Rendered by the worker: one job per version of the facts (a grade landing mid-way changes them).
    assert 1 <= len(rendered) <= 2, rendered
    pdf = client.get(f"/t/{token}/study-plan.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    # Another server (its own cache folder) collects the same worker's PDF without rendering again.
    other = redis_app.test_client()
    redis_app.instance_path = str(redis_app.instance_path) + "-other-server"
    again = other.get(f"/t/{token}/study-plan.pdf")
    assert again.status_code == 200 and again.data == pdf.data
