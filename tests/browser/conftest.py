"""Real headless Chromium (Debian's package) driven by Playwright, against a live server."""
import os
import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


@pytest.fixture
def page(browser, request):
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
        (ARTIFACTS / f"{request.node.name}.html").write_text(page.content())
    context.close()


@pytest.fixture
def live_server(app):
    """The app on 127.0.0.1:<free port> in a thread; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)


# --- Accessibility: axe-core in the page, and the bank the accessibility tests walk through ----

UX_BANK = Path(__file__).parent / "bank"
AXE_SOURCE = Path(__file__).parent / "vendor" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
SCREENSHOTS = os.environ.get("UX_SCREENSHOTS")  # a folder: save each checked page at 390 and 1280 px


@pytest.fixture
def ux_app(make_app):
    """The app on tests/browser/bank: a fixed-form section with one question of each answer type
    (math, inline code, a table) and a section with one coding question."""
    from assessment.content import load_bank
    from assessment.services.bank import sync_bank

    app = make_app(WTF_CSRF_ENABLED=True, ANSWER_GRACE_SECONDS=1, SECTIONS_DIR=str(UX_BANK))
    with app.app_context():
        from assessment.db import get_session

        sync_bank(load_bank(UX_BANK), session=get_session())
    return app


def axe_violations(page) -> list[dict]:
    """Run axe-core on the page as it is now, at WCAG 2.2 A and AA. Injected through the
    DevTools protocol (page.evaluate), so the page's Content-Security-Policy stays as served."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_SOURCE.read_text())
    return page.evaluate("""async tags => {
        // Under Playwright's paused fake clock, axe runs on the real timers (see REAL_TIMERS).
        const real = window.__realTimers || {}, fake = {};
        for (const k in real) { fake[k] = window[k]; window[k] = real[k]; }
        try {
            const r = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                           nodes: v.nodes.map(n => n.target.join(' ') + ': ' + n.failureSummary)}));
        } finally { for (const k in fake) window[k] = fake[k]; }
    }""", AXE_TAGS)


@pytest.fixture
def fake_clock(page):
    """Playwright's fake clock in the page, from the next navigation on; axe keeps the real timers."""
    page.add_init_script("window.__realTimers = {setTimeout, clearTimeout, setInterval, clearInterval};")
    page.clock.install()
    return page.clock


SCROLLERS_SETTLED = """() => [...document.querySelectorAll('.table-scroll, .math.block, .math.inline.too-wide')]
    .every(e => (e.scrollWidth > e.clientWidth + 1) === (e.getAttribute('tabindex') === '0'))"""


def set_width(page, width: int, height: int) -> None:
    """Resize the viewport, then wait until the page has handled its resize event (so
    static/js/scrollers.js has re-fitted its boxes) and each box that now scrolls sideways has
    its Tab stop (and each that no longer does has lost it).

    The new width is laid out before Chromium dispatches `resize` (at its next frame): measured
    in between, an inline formula that has just become too wide is not yet marked `too-wide`,
    SCROLLERS_SETTLED does not look at it, and the page scrolls sideways (the intermittent
    "item-single @320" reflow failure). A listener added now runs after scrollers.js's own."""
    if page.viewport_size != {"width": width, "height": height}:  # an unchanged size fires no event
        page.evaluate("() => { window.__resized = new Promise(done => addEventListener('resize', done, {once: true})); }")
        page.set_viewport_size({"width": width, "height": height})
        page.evaluate("() => window.__resized")
    page.wait_for_function(f"() => document.documentElement.clientWidth === {width}")
    page.wait_for_function(SCROLLERS_SETTLED)


def horizontal_overflow(page) -> int:
    """How many CSS px the page scrolls sideways (0 when it reflows)."""
    return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")


@pytest.fixture
def audit(page):
    """audit(name): axe at 1280 px, then reflow and axe again at 320 px; collects every problem
    with the page's name so one test reports them all. Saves screenshots when UX_SCREENSHOTS is set."""
    problems: list[str] = []

    def check(name: str) -> None:
        set_width(page, 1280, 900)
        for v in axe_violations(page):
            problems.append(f"{name} @1280: {v['id']} ({v['impact']}): {v['help']}\n    " + "\n    ".join(v["nodes"]))
        if SCREENSHOTS:
            Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=f"{SCREENSHOTS}/{name}-1280.png", full_page=True)
            set_width(page, 390, 844)
            page.screenshot(path=f"{SCREENSHOTS}/{name}-390.png", full_page=True)
        # 200 % zoom of a 1280 px window is a 640 CSS px viewport; 320 px is 400 % (WCAG 1.4.10).
        set_width(page, 640, 450)
        if horizontal_overflow(page) > 0:
            problems.append(f"{name} @640 (200% zoom): the page scrolls sideways by {horizontal_overflow(page)}px")
        set_width(page, 320, 640)
        overflow = horizontal_overflow(page)
        if overflow > 0:
            wide = page.evaluate("""() => [...document.querySelectorAll('body *')]
                .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 0.5)
                .slice(0, 5).map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + '.' + e.className)""")
            problems.append(f"{name} @320: the page scrolls sideways by {overflow}px; too wide: {wide}")
        for v in axe_violations(page):
            problems.append(f"{name} @320: {v['id']} ({v['impact']}): {v['help']}\n    " + "\n    ".join(v["nodes"]))
        set_width(page, 1280, 900)

    check.problems = problems
    return check
