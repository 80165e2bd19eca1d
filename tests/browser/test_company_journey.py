"""The company's journey in Chromium (issue 11's done-when): sign in as the demo company's admin,
create an assessment, invite a candidate from a CSV file, take the test as that candidate in
another browser context (switching away and pasting on the way), see them ranked with their
integrity signals, and download their report."""
import re

import pytest
from conftest import ARTIFACTS
from test_timed_test import answer_current_item

pytestmark = pytest.mark.browser


@pytest.fixture
def app(make_app, bank):
    app = make_app(WTF_CSRF_ENABLED=True)  # real CSRF, as served
    from assessment.services.bank import sync_bank

    with app.app_context():
        from assessment.db import get_session

        sync_bank(bank, session=get_session())
    return app


@pytest.fixture
def demo_admin(app):
    """What `assessment demo` prints for the company workspace: the admin's email and password."""
    from assessment.services.demo import ensure_demo_company

    with app.app_context():
        from assessment.db import get_session

        return ensure_demo_company(session=get_session())


def take_the_test(page, link: str) -> None:
    page.goto(link)
    assert "we record when this page loses focus" in page.locator("#integrity-notice").inner_text()
    page.click("#begin")
    page.click("#start-section")
    # The candidate switches away and pastes something: the page reports both to the server.
    page.wait_for_load_state("load")
    page.evaluate("window.dispatchEvent(new Event('blur'))")
    page.evaluate("""() => { const data = new DataTransfer(); data.setData('text/plain', 'x'.repeat(42));
                             document.dispatchEvent(new ClipboardEvent('paste', {clipboardData: data})); }""")
    for _ in range(40):
        if "/results" in page.url:
            return
        if page.locator("#start-section").count():
            page.click("#start-section")
            continue
        answer_current_item(page)
        with page.expect_navigation():
            page.click("#submit-answer")
    raise AssertionError("the test did not finish")


def test_company_journey(page, browser, live_server, demo_admin, tmp_path):
    email, password = demo_admin
    page.goto(f"{live_server}/company/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server}/company/")

    # Create an assessment from the bank's sections: beta first, then alpha, with a cut score.
    page.click("#new-assessment")
    page.fill("#title", "Junior data screen")
    page.check("#section-alpha")
    page.check("#section-beta")
    page.fill('input[name="order_beta"]', "1")
    page.fill('input[name="order_alpha"]', "2")
    page.fill('input[name="max_alpha"]', "3")
    page.fill('input[name="max_beta"]', "3")
    page.fill('input[name="cut_alpha"]', "100")
    page.click("#save-assessment")
    page.wait_for_url(re.compile(r".*/company/assessments/\d+$"))
    assert page.locator("h1").inner_text() == "Junior data screen"
    dashboard_url = page.url

    # Invite from a CSV file.
    csv = tmp_path / "candidates.csv"
    csv.write_text("name,email\nJane Candidate,jane@example.org\n")
    page.set_input_files("#inv-file", str(csv))
    page.click("#upload-csv")
    link = page.locator("a.invite-link").first.get_attribute("href")
    assert "/t/" in link

    # The candidate, in a browser context of their own.
    candidate_context = browser.new_context()
    try:
        candidate = candidate_context.new_page()
        candidate.set_default_timeout(15_000)
        try:
            take_the_test(candidate, link)
        except Exception:
            ARTIFACTS.mkdir(exist_ok=True)
            candidate.screenshot(path=str(ARTIFACTS / "test_company_journey-candidate.png"), full_page=True)
            (ARTIFACTS / "test_company_journey-candidate.html").write_text(candidate.content())
            raise
        assert "Your results" in candidate.locator("main").inner_text()
    finally:
        candidate_context.close()

    # Ranked on the dashboard, with the signals (as signals).
    page.goto(dashboard_url)
    row = page.locator("#candidates tbody tr").first
    assert "Jane Candidate" in row.inner_text()
    assert row.locator("td").first.inner_text() == "1"
    assert row.locator("td.status").inner_text() == "completed"
    assert 1 <= int(row.locator("td.score").inner_text()) <= 300
    signals = row.locator("td.signals-cell").inner_text()
    # Exactly what happened: one focus loss, one paste; moving between questions is no signal.
    assert signals.split("\n") == ["focus lost 1×", "1 paste (42 characters, largest 42)"], signals
    assert "not evidence of cheating" in page.locator("main").inner_text()

    # The report.
    with page.expect_download() as download_info:
        row.get_by_role("link", name="PDF").click()
    pdf = download_info.value.path().read_bytes()
    assert pdf.startswith(b"%PDF") and len(pdf) > 1000
