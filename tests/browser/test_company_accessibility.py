"""The company's pages, and the candidate's start page for a company invitation with extra time,
checked with axe-core at WCAG 2.2 A and AA and for reflow, like the candidate's pages."""
import re

import pytest

pytestmark = pytest.mark.browser


@pytest.fixture
def demo_admin(app):
    from assessment.services.demo import ensure_demo_company

    with app.app_context():
        from assessment.db import get_session

        return ensure_demo_company(session=get_session())


def test_company_pages_pass_axe_and_reflow(page, live_server, demo_admin, audit):
    email, password = demo_admin
    page.goto(f"{live_server}/company/login")
    audit("company-login")
    page.goto(f"{live_server}/company/forgot")
    audit("company-forgot")
    page.goto(f"{live_server}/company/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server}/company/")
    audit("company-home")

    page.click("#new-assessment")
    audit("company-assessment-form")
    page.fill("#title", "Screen")
    page.check("#section-alpha")
    page.check("#section-beta")
    page.click("#save-assessment")
    page.wait_for_url(re.compile(r".*/company/assessments/\d+$"))
    dashboard = page.url
    page.fill("#inv-name", "Jane Candidate")
    page.fill("#inv-email", "jane@example.org")
    page.fill("#inv-mult", "1.5")
    with page.expect_navigation():
        page.locator("#inv-email").press("Enter")
    audit("company-invited")
    link = page.locator("a.invite-link").first.get_attribute("href")

    page.goto(dashboard)
    audit("company-dashboard")
    page.get_by_role("link", name="Jane Candidate").click()
    audit("company-candidate")
    page.goto(dashboard)
    page.get_by_role("link", name="Preview as a candidate").click()
    audit("company-preview")
    for name in ("Users", "API keys", "Audit log"):
        page.get_by_role("link", name=name, exact=True).click()
        audit(f"company-{name.lower().replace(' ', '-')}")

    page.goto(link)  # the candidate's start page: the extra time and the integrity notice
    audit("start-company-invitation")
    assert not audit.problems, "\n".join(audit.problems)
