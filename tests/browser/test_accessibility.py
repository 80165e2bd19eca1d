"""Every page a candidate meets, checked in Chromium with axe-core at WCAG 2.2 A and AA, for
reflow at 320 and 640 CSS px (400 % and 200 % zoom), and for what a screen reader hears: names,
roles, the time announcements, the math's text alternative, table headers."""
import datetime as dt
import re

import pytest
from conftest import set_width
from sqlmodel import select

import sandbox_layers
from assessment.models import SectionAttempt, utcnow
from assessment.workers import grading_queue
from factories import make_assessment, make_invitation

pytestmark = pytest.mark.browser
SAVED = re.compile(r"^Saved")  # "Saved", "Saved as 2"; not "Not saved — retrying…"


def _can_run_code() -> bool:
    """Whether the sandbox can run the sample tests here (per-slot uids, its own interpreter).
    Where its layers are required (CI, the test command as root) a gap fails the test instead."""
    gaps = [f"{name} ({sandbox_layers.missing(name)})" for name in ("uid switching", "runtime")
            if sandbox_layers.missing(name)]
    if gaps and sandbox_layers.REQUIRED:
        pytest.fail("required sandbox layer missing: " + "; ".join(gaps), pytrace=False)
    return not gaps


@pytest.fixture
def app(ux_app):
    return ux_app  # live_server serves `app`


def _db(app):
    from assessment.db import get_session

    return get_session()


def invitation(app, live_server, sections=("uxa", "uxb"), **kwargs) -> str:
    with app.app_context():
        assessment = make_assessment(_db(app), sections=sections, mode="fixed", **kwargs)
        _, token = make_invitation(_db(app), assessment)
    return f"{live_server}/t/{token}"


def submit(page) -> None:
    with page.expect_navigation():
        page.click("#submit-answer")


def test_every_candidate_page_passes_axe_and_reflows(page, ux_app, live_server, audit):
    failed_requests = []
    page.on("response", lambda r: r.status >= 400 and failed_requests.append(f"{r.status} {r.url}"))
    with ux_app.app_context():
        make_assessment(_db(ux_app), sections=("uxa", "uxb"), mode="fixed", public_slug="ux-practice")

    page.goto(f"{live_server}/")
    icon = page.locator('link[rel="icon"]').get_attribute("href")
    assert page.request.get(f"{live_server}{icon}").headers["content-type"].startswith("image/svg+xml")
    favicon = page.request.get(f"{live_server}/favicon.ico")  # what browsers ask for by themselves
    assert favicon.ok and "/static/favicon.svg" in favicon.url
    audit("index")
    page.get_by_role("link", name="Test assessment").click()
    audit("practice")

    page.goto(invitation(ux_app, live_server))
    assert "20 minutes" in page.locator("main").inner_text(), "the start page gives the total time"
    assert page.locator("table.overview tfoot").inner_text().split() == ["Total", "time", "20", "min"]
    audit("start")
    page.click("#begin")
    audit("section-intro")
    page.click("#start-section")

    # Single choice: math with a text alternative and TeX spacing, inline code in the options, a table.
    counter = page.get_by_role("heading", level=1)
    assert re.fullmatch(r"Section UX A\s*·?\s*question 1 of 3", counter.inner_text().strip()), counter.inner_text()
    math = page.locator(".stem math").first
    assert math.get_attribute("aria-label") == "(x - min x) / (max x - min x)"
    assert "\\" not in page.locator(".stem").inner_text()
    assert page.locator(".stem math mo", has_text="\u2061").count() >= 1, "log is marked as a function"
    assert page.locator(".option code").first.evaluate("e => getComputedStyle(e).backgroundColor") == \
        page.locator(".stem code").first.evaluate("e => getComputedStyle(e).backgroundColor")
    assert page.get_by_role("timer", name="Time left").count() == 1
    assert page.get_by_role("radio").count() == 3
    audit("item-single")
    # At 320 px the wide table and the long formula scroll in their own boxes, each a Tab stop.
    set_width(page, 320, 640)
    assert page.locator('.stem .table-scroll[tabindex="0"]').count() == 1
    assert page.locator('.stem .math.too-wide[tabindex="0"]').count() == 1
    set_width(page, 1280, 900)
    assert page.locator("[tabindex]").count() == 0, "boxes that fit again lose their Tab stop"
    page.get_by_role("radio").first.check()
    page.locator("#save-status").filter(has_text=SAVED).wait_for()
    assert page.get_by_role("status", name="Save status").inner_text().startswith("Saved")
    submit(page)
    assert page.get_by_role("checkbox").count() == 3
    audit("item-multiple")
    page.get_by_role("checkbox").first.check()
    page.locator("#save-status").filter(has_text=SAVED).wait_for()
    submit(page)
    page.get_by_role("textbox", name="Your answer").fill("2")
    page.locator("#save-status").filter(has_text=SAVED).wait_for()
    audit("item-numeric")
    submit(page)

    audit("section-intro-2")
    page.click("#start-section")
    editor = page.get_by_role("textbox", name="Your code (Python)")
    editor.wait_for()
    assert editor.get_attribute("aria-describedby") == "editor-help"
    assert "Esc" in page.locator("#editor-help").inner_text()
    samples = page.locator("table.sample-table")
    assert samples.locator("thead th").all_inner_texts() == ["Test", "Call", "Expected result"]
    assert samples.locator("tbody tr").all_inner_texts()[0].split("\t") == ["two", "double(2)", "4"]
    assert "CASES" not in page.locator("details.samples").inner_text()
    audit("item-code")
    if _can_run_code():
        page.click("#run-samples")
        page.locator("#run-status").filter(has_text=re.compile(r"^0 of 2 sample tests passed, \d+ ms$")).wait_for()
        assert page.locator("#run-results thead th").all_inner_texts() == ["Test", "Result", "Details"]
        audit("item-code-run")
    submit(page)

    page.wait_for_url(re.compile(r".*/results$"))
    assert grading_queue(ux_app).wait_idle(60)
    page.reload()
    assert page.locator("#finished").inner_text() == \
        "You have finished the test. Your answers are saved; you can close this window."
    tables = page.locator("main table")
    for n in range(tables.count()):
        assert tables.nth(n).locator("th").count() > 0, "every results table has headers"
    audit("results")

    page.goto(f"{live_server}/t/not-a-valid-link")
    audit("error-404")
    failed_requests = [r for r in failed_requests if "not-a-valid-link" not in r]
    assert not failed_requests, f"requests failed (a missing favicon?): {failed_requests}"
    assert not audit.problems, "\n".join(audit.problems)


def test_time_is_announced_at_5_and_1_minutes_and_at_time_up_only(page, ux_app, live_server, audit, fake_clock):
    """The visible clock ticks every second but is not a live region; a polite live region speaks
    three times. The browser's clock is Playwright's fake one, so 5.5 minutes pass in a moment."""
    url = invitation(ux_app, live_server, overrides={"uxa": {"time_limit_seconds": 330}})
    page.goto(url)
    page.click("#begin")
    page.click("#start-section")
    page.locator("#clock-announcer").wait_for(state="attached")
    fake_clock.pause_at(dt.datetime.now() + dt.timedelta(seconds=1))
    page.route("**/clock", lambda route: route.abort())  # offline: the page ticks on its own deadline
    page.evaluate("""() => {
        window.heard = []; window.ticks = 0;
        const a = document.getElementById('clock-announcer');
        new MutationObserver(() => window.heard.push(a.textContent)).observe(a, {childList: true, characterData: true, subtree: true});
        new MutationObserver(() => window.ticks++).observe(document.getElementById('clock-value'), {childList: true, characterData: true, subtree: true});
    }""")
    clock = page.get_by_role("timer")
    assert clock.get_attribute("aria-live") == "off"
    assert page.locator("#clock-announcer").get_attribute("aria-live") == "polite"

    fake_clock.run_for(60_000)
    assert page.evaluate("window.heard") == ["5 minutes left in this section."]
    fake_clock.run_for(210_000)
    assert page.evaluate("window.heard") == ["5 minutes left in this section.", "1 minute left in this section."]
    minutes, seconds = page.locator("#clock-value").inner_text().split(":")
    fake_clock.run_for((int(minutes) * 60 + int(seconds)) * 1000 + 300)  # just past 0:00, before the reload
    assert page.evaluate("window.heard") == ["5 minutes left in this section.", "1 minute left in this section.",
                                             "Time is up. Your saved answers count."]
    assert page.evaluate("window.ticks") >= 300, "the visible clock did tick every second"
    assert page.locator("#clock-value").inner_text() == "0:00"
    audit("time-up")

    # The server closes the section once its deadline has passed; the page then reloads itself.
    with ux_app.app_context():
        session = _db(ux_app)
        part = session.exec(select(SectionAttempt).where(SectionAttempt.position == 0)).one()
        part.deadline_at = utcnow() - dt.timedelta(seconds=30)
        session.commit()
    with page.expect_navigation():
        fake_clock.run_for(2_000)
    page.locator(".notice", has_text="Time is up").wait_for()
    audit("section-intro-after-time-up")
    assert not audit.problems, "\n".join(audit.problems)


def test_reduced_motion_is_honoured(page, ux_app, live_server):
    """The editor's blinking cursor is the page's one animation; with reduced motion it stops."""
    animated = """() => [...document.querySelectorAll('*')].filter(e => {
        const s = getComputedStyle(e);
        return (s.animationName !== 'none' && parseFloat(s.animationDuration) > 0)
            || parseFloat(s.transitionDuration) > 0; }).length"""
    page.goto(invitation(ux_app, live_server, sections=("uxb",)))
    page.click("#begin")
    page.click("#start-section")
    # The editor's own content element, once CodeMirror has replaced the plain textarea (the
    # textarea keeps the same name while it is hidden, so a role query can land on it).
    editor = page.locator('[data-testid="code-editor"] .cm-content')
    editor.wait_for(state="visible")
    editor.focus()
    # CodeMirror starts the cursor's blink on its next frame after focus: wait for it, bounded.
    page.wait_for_function(f"({animated})() > 0", timeout=10_000)
    assert page.evaluate(animated) > 0, "without the preference the cursor blinks"
    page.emulate_media(reduced_motion="reduce")
    assert page.evaluate(animated) == 0
