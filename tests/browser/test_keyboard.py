"""A whole two-section test taken with the keyboard alone: no click, no fill, no check. Every
stop of the Tab key shows a visible focus indicator, and Tab can leave the code editor (Esc, then
Tab), as the page says next to the editor."""
import re

import pytest

import sandbox_layers
from assessment.workers import grading_queue
from factories import make_assessment, make_invitation

# The sandbox switches to per-slot uids and runs the sandbox's own interpreter: where its layers
# are required (CI, the test command as root) a missing one fails these tests instead of skipping.
pytestmark = [pytest.mark.browser, *sandbox_layers.requires("uid switching", "runtime")]
SAVED = re.compile(r"^Saved")

# What the focused element shows: its own outline or ring, or (CodeMirror's content, an option's
# input) the outline or ring of the box around it.
FOCUS_INDICATOR = """() => {
    const el = document.activeElement;
    if (!el || el === document.body) return {tag: 'body', visible: false};
    const box = el.closest('.cm-editor') || el;
    const shown = e => {
        const s = getComputedStyle(e);
        return (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2) || s.boxShadow !== 'none';
    };
    const option = el.closest('.option');
    const r = el.getBoundingClientRect();
    return {tag: el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (el.className ? '.' + el.className : ''),
            visible: shown(box) || (option !== null && shown(option)),
            onScreen: r.bottom > 0 && r.top < window.innerHeight && r.width > 0 && r.height > 0};
}"""


@pytest.fixture
def app(ux_app):
    return ux_app  # live_server serves `app`


def press_tab(page, key="Tab") -> str:
    page.keyboard.press(key)
    focus = page.evaluate(FOCUS_INDICATOR)
    assert focus["visible"], f"no visible focus indicator on {focus['tag']}"
    assert focus["onScreen"], f"the focused {focus['tag']} is not on screen"
    return focus["tag"]


def tab_to(page, selector: str, key="Tab", limit=40) -> None:
    visited = []
    for _ in range(limit):
        visited.append(press_tab(page, key))
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"{key} never reached {selector}; it went through {visited}")


def tab_round_the_page(page, limit=40) -> list[str]:
    """Tab through every stop of the page once (checking each), back to where it started."""
    current = "() => document.activeElement === document.body ? null : document.activeElement.outerHTML"
    stops, first = [], None
    for _ in range(limit):
        page.keyboard.press("Tab")
        html = page.evaluate(current)
        if html is None:
            continue  # past the last stop: the browser's own UI, then the page again
        if html == first:
            return stops
        first = first or html
        focus = page.evaluate(FOCUS_INDICATOR)
        assert focus["visible"] and focus["onScreen"], f"focus not visible on {focus['tag']}"
        stops.append(focus["tag"])
    raise AssertionError(f"Tab did not come round in {limit} presses: {stops}")


def press_enter_and_wait(page) -> None:
    with page.expect_navigation():
        page.keyboard.press("Enter")


def test_whole_test_by_keyboard_only(page, ux_app, live_server):
    with ux_app.app_context():
        from assessment.db import get_session

        assessment = make_assessment(get_session(), sections=("uxa", "uxb"), mode="fixed")
        _, token = make_invitation(get_session(), assessment)
    page.goto(f"{live_server}/t/{token}")

    stops = tab_round_the_page(page)
    assert any("#begin" in s for s in stops), stops
    tab_to(page, "#begin")
    press_enter_and_wait(page)
    tab_to(page, "#start-section")
    press_enter_and_wait(page)

    # Single choice: Tab into the group, the arrow key picks the next option, autosaved.
    assert page.get_by_role("radio").count() == 3
    tab_round_the_page(page)
    tab_to(page, 'input[name="choice"]')
    page.keyboard.press("ArrowDown")
    page.locator("#save-status").filter(has_text=SAVED).wait_for()
    assert page.locator('input[name="choice"]:checked').count() == 1
    tab_to(page, "#submit-answer")
    press_enter_and_wait(page)

    # Multiple choice: Space ticks a box; Tab goes to the next box.
    assert page.get_by_role("checkbox").count() == 3
    tab_to(page, 'input[name="choices"]')
    page.keyboard.press("Space")
    press_tab(page)
    page.keyboard.press("Space")
    page.locator("#save-status").filter(has_text=SAVED).wait_for()
    assert page.locator('input[name="choices"]:checked').count() == 2
    tab_to(page, "#submit-answer")
    press_enter_and_wait(page)

    # Numeric: type into the field, then Enter submits the form from the field itself.
    tab_to(page, 'input[name="value"]')
    page.keyboard.type("2")
    page.locator("#save-status").filter(has_text=SAVED).wait_for()
    press_enter_and_wait(page)

    tab_to(page, "#start-section")
    press_enter_and_wait(page)

    # The code editor: Tab indents inside it; Esc then Tab leaves it, as the help text says.
    assert "Esc" in page.locator("#editor-help").inner_text()
    tab_to(page, ".cm-content")
    page.keyboard.press("Control+a")
    page.keyboard.type("def double(x):\n")
    page.keyboard.press("Tab")  # indents the body: focus stays in the editor
    assert page.evaluate("() => document.activeElement.classList.contains('cm-content')")
    page.keyboard.type("return 2 * x\n")
    assert "return 2 * x" in page.locator("textarea#code").input_value()
    page.keyboard.press("Escape")
    leaving = press_tab(page)
    assert "cm-content" not in leaving, "Esc then Tab leaves the editor"
    page.keyboard.press("Shift+Tab")  # and Shift+Tab goes back into it
    assert page.evaluate("() => document.activeElement.classList.contains('cm-content')")
    page.keyboard.press("Escape")
    press_tab(page, "Shift+Tab")
    assert page.evaluate("() => !document.activeElement.classList.contains('cm-content')")
    page.locator("#save-status").filter(has_text=SAVED).wait_for()

    tab_to(page, "#run-samples")
    page.keyboard.press("Enter")
    page.locator("#run-status").filter(has_text=re.compile(r"^2 of 2 sample tests passed, \d+ ms$")).wait_for()
    tab_to(page, "#submit-answer")
    press_enter_and_wait(page)

    page.wait_for_url(re.compile(r".*/results$"))
    assert grading_queue(ux_app).wait_idle(60)
    page.reload()
    assert page.locator('[data-section="uxb"] .score').count() == 1
    tab_round_the_page(page)
