"""In Chromium: the results page fits a 390 px phone, and the study plan downloads from it."""
import subprocess
import threading

import pytest
from report_factories import TOKENS
from werkzeug.serving import make_server

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def live(report_db):
    app, ids, _ = report_db
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", ids
    server.shutdown()
    thread.join(5)


def test_download_the_plan_from_the_results_page_on_a_phone(live, browser, tmp_path):
    base, ids = live
    context = browser.new_context(viewport={"width": 390, "height": 844}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        page.goto(f"{base}/t/{TOKENS[ids['accomplished']]}/results")
        assert page.locator("#summary").inner_text().startswith("Your strongest section")
        # Nothing wider than the phone: no sideways scrolling.
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.screenshot(path=str(tmp_path / "results-390.png"), full_page=True)
        with page.expect_download() as info:
            page.click("#download-plan")
        download = info.value
        path = tmp_path / "plan.pdf"
        download.save_as(path)
        assert download.suggested_filename == f"study-plan-{ids['accomplished']}.pdf"
        text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
        assert "Sam Accomplished" in text and "Your results at a glance" in text
        assert page.locator("#plan-status").inner_text() in {"Your study plan is ready.",
                                                             "A personal plan: your scores, what to study, in what order, and for how long."} \
            or "Preparing" in page.locator("#plan-status").inner_text()
    finally:
        context.close()
