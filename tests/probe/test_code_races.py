"""Parallel code submissions of one item (a double click, two tabs, a retried request): the
probe checks one is taken and graded once, and the others are refused."""
import re

from sqlmodel import select
from web_helpers import db, in_parallel

import sandbox_layers
from assessment.models import CodeRun, Response
from assessment.workers import grading_queue
from factories import make_assessment, make_invitation

pytestmark = [*sandbox_layers.requires("uid switching", "runtime")]

SOLUTION = "def double(x):\n    return 2 * x\n"


def test_parallel_submissions_of_one_item_are_taken_and_graded_once(app):
    with db(app) as session:
        _, token = make_invitation(session, make_assessment(session, sections=("gamma",), mode="fixed"))
    client = app.test_client()
    assert client.post(f"/t/{token}/begin").status_code == 302
    assert client.post(f"/t/{token}/sections/0/start").status_code == 302
    rid = int(re.search(r'name="response_id" value="(\d+)"', client.get(f"/t/{token}").text).group(1))

    results = in_parallel(6, lambda i: app.test_client().post(
        f"/t/{token}/submit-code", json={"response_id": rid, "code": SOLUTION + f"# tab {i}\n"}))
    statuses = sorted(r.status_code for r in results)
    assert statuses == [200] + [409] * 5, statuses
    assert grading_queue(app).wait_idle(60)
    with db(app) as session:
        assert session.get(Response, rid).score == 2.0
        hidden = session.exec(select(CodeRun).where(CodeRun.response_id == rid, CodeRun.kind == "hidden")).all()
        assert len(hidden) == 1
