"""A candidate writes code in the CodeMirror editor, runs the sample tests, reloads (the code
survives), and submits it for grading on the hidden tests."""
import re

import pytest
from sqlmodel import select

import sandbox_layers
from assessment.models import Response
from assessment.workers import grading_queue
from factories import make_assessment, make_invitation

SAVED = re.compile(r"^Saved")  # "Saved", "Saved as 4"; not "Not saved — retrying…"

# The sandbox switches to per-slot uids and runs the sandbox's own interpreter: where its layers
# are required (CI, the test command as root) a missing one fails these tests instead of skipping.
pytestmark = [pytest.mark.browser, *sandbox_layers.requires("uid switching", "runtime")]


@pytest.fixture
def app(make_app, bank):
    app = make_app(WTF_CSRF_ENABLED=True)
    from assessment.services.bank import sync_bank

    with app.app_context():
        from assessment.db import get_session

        sync_bank(bank, session=get_session())
    return app


def test_write_run_reload_and_submit_code(page, app, live_server):
    with app.app_context():
        from assessment.db import get_session

        assessment = make_assessment(get_session(), sections=("gamma",), mode="fixed")
        _, token = make_invitation(get_session(), assessment)
    page.goto(f"{live_server}/t/{token}")
    page.click("#begin")
    page.click("#start-section")

    editor = page.locator(".cm-content")
    editor.wait_for()
    assert "def double(x):" in editor.inner_text()  # the starter code, highlighted by CodeMirror
    assert page.locator(".cm-editor .tok-keyword, .cm-editor span[class*='ͼ']").count() > 0
    editor.click()
    page.keyboard.press("Control+a")
    page.keyboard.press("Delete")
    page.keyboard.type("def double(x):\nreturn x + 2\n", delay=20)  # the editor indents the body itself

    page.click("#run-samples")
    page.locator("#run-status").filter(has_text="1 of 2 sample tests passed").wait_for()
    rows = page.locator("#run-results tr").all_inner_texts()
    assert any("two" in r and "passed" in r for r in rows) and any("zero" in r and "failed" in r for r in rows)

    page.reload()
    editor = page.locator(".cm-content")
    assert "return x + 2" in editor.inner_text(), "the code was saved by the run and survives a reload"
    assert "    return x + 2" in page.locator("textarea#code").input_value()

    editor.click()
    page.keyboard.press("Control+a")
    page.keyboard.press("Delete")
    page.keyboard.type("def double(x):\nreturn 2 * x\n", delay=20)
    page.locator("#save-status").filter(has_text=SAVED).wait_for()
    with page.expect_navigation():
        page.click("#submit-answer")
    assert page.locator(".cm-content").count() == 0  # moved on to the next item
    assert grading_queue(app).wait_idle(60)
    with app.app_context():
        from assessment.db import get_session

        graded = get_session().exec(select(Response).where(Response.position == 0)).one()
        assert graded.status == "answered" and graded.score == 2.0
        assert re.search(r"return 2 \* x", graded.answer["code"])
