"""A submission is graded, and re-graded, on the tests of the item version the candidate
answered, whatever the bank on disk holds later (issue 10.3)."""
import re
import shutil

from sqlmodel import select

import sandbox_layers
from assessment.content import load_bank
from assessment.content.coding import task_from_body
from assessment.models import Item, Response
from assessment.services.bank import sync_bank
from assessment.workers import grading_queue
from factories import make_assessment, make_invitation
from support import FIXTURE_BANK

HALF_RIGHT = "def double(x):\n    return 4 if x == 2 else (6 if x == 3 else 0)\n"
EASIER_TESTS = "CASES = " + repr([{"name": f"{n}-{k}", "args": [x], "expected": 2 * x}
                                  for k in (1, 2) for n, x in (("two", 2), ("three", 3), ("zero", 0))])


def _bump_version_with_new_hidden_tests(bank_dir):
    item = bank_dir / "gamma" / "items" / "gamma-double"
    (item / "hidden_tests.py").write_text(EASIER_TESTS)
    (item / "item.yaml").write_text((item / "item.yaml").read_text().replace("version: 1", "version: 2"))


@sandbox_layers.needs("uid switching", "runtime")
def test_a_bank_update_does_not_change_an_earlier_submissions_grade(make_app, tmp_path, run):
    bank_dir = shutil.copytree(FIXTURE_BANK, tmp_path / "bank")
    app = make_app(SECTIONS_DIR=str(bank_dir))
    client = app.test_client()
    with app.app_context():
        from assessment.db import get_session

        session = get_session()
        sync_bank(load_bank(bank_dir), session=session)
        _, token = make_invitation(session, make_assessment(session, sections=("gamma",), mode="fixed"))
    assert client.post(f"/t/{token}/begin").status_code == 302
    assert client.post(f"/t/{token}/sections/0/start").status_code == 302
    rid = int(re.search(r'name="response_id" value="(\d+)"', client.get(f"/t/{token}").text).group(1))
    assert client.post(f"/t/{token}/submit-code", json={"response_id": rid, "code": HALF_RIGHT}).status_code == 200
    assert grading_queue(app).wait_idle(60)
    with app.app_context():
        first = get_session().get(Response, rid).score
    assert first == 1.0  # 3 of 6 hidden tests: the first partial-credit category

    # The author rewrites the hidden tests and bumps the version; the bank is reloaded.
    _bump_version_with_new_hidden_tests(bank_dir)
    with app.app_context():
        session = get_session()
        report = sync_bank(load_bank(bank_dir), session=session)
        assert report.new_versions == ["gamma-double v2"]
        v2 = session.exec(select(Item).where(Item.item_key == "gamma-double", Item.version == 2)).one()
        # On the new version the same code earns full credit: the versions really differ.
        assert run(task_from_body(v2.item_key, v2.body), HALF_RIGHT, which="hidden").category == 2
        # A re-grade of the earlier submission (e.g. after a sandbox incident).
        response = session.get(Response, rid)
        assert session.get(Item, response.item_id).version == 1
        response.status = "submitted"
        session.commit()
    assert grading_queue(app).enqueue_pending() == 1
    assert grading_queue(app).wait_idle(60)
    with app.app_context():
        regraded = get_session().get(Response, rid)
        assert (regraded.status, regraded.score) == ("answered", first)
