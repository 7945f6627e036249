"""The chat page for everyone and on a phone: accessibility checked by axe-core, keyboard use of the closed
sections, and a phone-size screen (390 x 844), in Debian's chromium driven by Playwright against the real
Rasa server and action server (started once for this module, as in tests/e2e/test_widget.py).

- axe-core (from npm, put in tests/vendor by scripts/setup.sh) runs on the chat page with an answer closed
  (as it arrives) and with every section opened; no critical or serious violation may remain (issue 18). The
  full results go to tests/artifacts/widget/axe-*.json.
- The sections open and close with the keyboard (Enter and Space on their button), and say so (aria-expanded).
- At 390 x 844, after a grade-and-stage question, the bottom line of the new reply is in view without
  scrolling, nothing is wider than the screen and the pictures are scaled down to the bubble.
- A workup answer shows its pathway picture, drawn from the same step statuses REST reports.
"""

from __future__ import annotations

import json
import re
import tempfile
from typing import Iterator, List

import pytest
import requests

from servers import ROOT
from test_widget import (  # the page's servers and helpers (the fixture `stack`: one set per module)
    ARTIFACTS, CHROMIUM_ARGS, PHONE, Browser, Stack, chromium_path, playwright_api, send, settle, stack,
    wait_for_bubble, wait_for_status,
)

AXE = ROOT / "tests" / "vendor" / "axe.min.js"
GRADE_AND_STAGE = "pancreatic NET 2.5 cm, Ki-67 12%, 1 mitosis per 2 mm2, 0/12 nodes, liver mets: grade and stage?"
WORKUP_QUESTION = ("NET of unknown primary, well differentiated, Ki-67 8%, CT showed liver mets, "
                   "ga68 dotatate pet positive: what is the workup?")
# axe impact levels that fail the page (issue 18: no critical or serious violation)
BLOCKING = ("critical", "serious")

__all__ = ["stack"]  # the fixture imported from test_widget


@pytest.fixture(scope="module")
def playwright(stack: Stack) -> Iterator[object]:
    with playwright_api.sync_playwright() as pw:  # one per process at a time: both browsers share it
        yield pw


@pytest.fixture(scope="module")
def browser(playwright) -> Iterator[Browser]:
    """A desktop chromium with a fresh profile, as in test_widget."""
    with tempfile.TemporaryDirectory(prefix="netguide-chromium-") as profile:
        running = Browser(playwright, profile)
        try:
            yield running
        finally:
            running.context.close()


@pytest.fixture(scope="module")
def phone(playwright) -> Iterator[object]:
    """A second browser at phone size (390 x 844, touch, device pixel ratio 3), with its own conversation."""
    chromium = playwright.chromium.launch(executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS)
    context = chromium.new_context(viewport=PHONE, device_scale_factor=3, is_mobile=True, has_touch=True)
    page = context.new_page()
    errors: List[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.errors = errors  # type: ignore[attr-defined]
    try:
        yield page
    finally:
        context.close()
        chromium.close()


def start(page, url: str) -> None:
    """Open the chat page and choose the clinician wording."""
    page.goto(url + "/")
    page.locator(".rw-reply", has_text="Clinician").wait_for(timeout=60_000)
    wait_for_status(page, "online", timeout=60_000)
    page.locator(".rw-reply", has_text="Clinician").click()
    wait_for_bubble(page, r"clinical wording")
    settle(page)


def ask(page, question: str, expect: str):
    """Send a question; the reply's first bubble (the answer) once the whole reply has arrived."""
    before = page.locator(".rw-response").count()
    send(page, question)
    index = wait_for_bubble(page, expect, after=before)
    settle(page)
    return page.locator(".rw-response").nth(index)


def axe(page, name: str) -> List[dict]:
    """axe-core on the whole page (WCAG 2.1 A and AA and best practices); the violations, all saved."""
    if not AXE.exists():
        pytest.fail(f"{AXE.relative_to(ROOT)} is missing: scripts/setup.sh puts axe-core there from npm")
    if not page.evaluate("() => !!window.axe"):
        page.add_script_tag(path=str(AXE))
    results = page.evaluate(
        """async () => {
             const r = await axe.run(document, {runOnly: {type: 'tag',
               values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}});
             return {violations: r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                       nodes: v.nodes.map(n => ({target: n.target, summary: n.failureSummary}))})),
                     passes: r.passes.map(p => p.id)};
           }"""
    )
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / f"axe-{name}.json").write_text(json.dumps(results, indent=1))
    assert {"color-contrast", "button-name", "svg-img-alt", "aria-valid-attr-value"} <= set(results["passes"]) | {
        v["id"] for v in results["violations"]}, "axe ran its contrast, name and alt text rules on the page"
    return results["violations"]


def blocking(violations: List[dict]) -> List[str]:
    return [f"{v['impact']}: {v['id']} ({v['help']}) at {[n['target'] for n in v['nodes']][:5]}"
            for v in violations if v["impact"] in BLOCKING]


def assert_bottom_line_in_view(page, answer) -> None:
    """The reply's title and its bottom line (the "Answer" section: grade and stage) are on screen as the reply
    arrives, the user having scrolled nothing."""
    bottom_line = answer.locator("h4:has-text('Answer') + p").first
    text = bottom_line.inner_text()
    assert re.search(r"Grade:.*NET G2", text, re.S) and re.search(r"Stage:.*Stage IV", text, re.S), text
    view = page.viewport_size
    box = bottom_line.bounding_box()
    assert box["y"] >= 0 and box["y"] + box["height"] <= view["height"], (box, view)
    assert answer.locator("h3").first.bounding_box()["y"] >= 0, "the reply's title is in view too"


def section_toggles(answer) -> list:
    return answer.locator("button.ng-section-toggle").all()


# ------------------------------------------------------------------------------------------------
# Accessibility (desktop 1366 x 900)
# ------------------------------------------------------------------------------------------------


def test_no_serious_accessibility_violation_with_an_answer_closed_and_open(stack: Stack, browser: Browser) -> None:
    page = browser.page
    page.set_viewport_size({"width": 1366, "height": 900})
    start(page, stack.site.url)
    answer = ask(page, GRADE_AND_STAGE, r"Stage IV")
    assert answer.locator(".ng-figure svg").count() == 2, "grade bands and stage row drawn"
    assert_bottom_line_in_view(page, answer)

    closed = axe(page, "answer-closed")
    assert not blocking(closed), blocking(closed)

    toggles = section_toggles(answer)
    assert len(toggles) >= 3
    for toggle in toggles:
        toggle.click()
    assert all(t.get_attribute("aria-expanded") == "true" for t in toggles)
    answer.locator("button.ng-cite").first.click()  # a reference box open too
    answer.locator(".ng-refbox").first.wait_for()
    opened = axe(page, "answer-open")
    assert not blocking(opened), blocking(opened)
    assert not browser.errors, browser.errors


def test_sections_open_and_close_from_the_keyboard(stack: Stack, browser: Browser) -> None:
    page = browser.page
    if not page.url.startswith(stack.site.url):  # run on its own
        start(page, stack.site.url)
    answer = ask(page, "Ki-67 12%, 1 mitosis per 2 mm2, what grade?", r"NET G2")
    toggle = answer.locator("h4", has_text="How it was worked out").locator("button.ng-section-toggle")
    body = answer.locator("#" + toggle.get_attribute("aria-controls"))
    assert toggle.get_attribute("aria-expanded") == "false" and not body.is_visible()
    assert "How it was worked out" in toggle.get_attribute("aria-label")

    # Tab reaches the button from the element before it (it is in the tab order, in document order)
    previous = page.evaluate_handle(
        """t => { const all = Array.from(document.querySelectorAll('button, a[href], input, textarea'))
                    .filter(e => !e.disabled && e.offsetParent !== null);
                  return all[all.indexOf(t) - 1]; }""", toggle.element_handle())
    previous.as_element().focus()
    page.keyboard.press("Tab")
    assert page.evaluate("t => document.activeElement === t", toggle.element_handle()), "Tab reaches the section's button"

    page.keyboard.press("Space")
    assert toggle.get_attribute("aria-expanded") == "true" and body.is_visible()
    assert re.search(r"Ki-67 12\s?%", body.inner_text())
    assert page.evaluate("t => document.activeElement === t", toggle.element_handle()), "focus stays on the button"
    page.keyboard.press("Enter")
    assert toggle.get_attribute("aria-expanded") == "false" and not body.is_visible()
    assert toggle.get_attribute("aria-label").startswith("Show")
    # a focused button is seen: its outline is drawn
    outline = toggle.evaluate("t => getComputedStyle(t).outlineStyle")
    assert outline not in ("none", ""), outline


def test_keyboard_focus_goes_to_the_start_of_a_reply_asked_with_a_button(stack: Stack, browser: Browser) -> None:
    page = browser.page
    if not page.url.startswith(stack.site.url):  # run on its own
        start(page, stack.site.url)
    ask(page, "Ki-67 12%, 1 mitosis per 2 mm2, what grade?", r"NET G2")
    assert page.evaluate("() => document.activeElement.classList.contains('rw-new-message')"), \
        "a typed question leaves focus in the message box"

    follow_up = page.locator(".rw-replies .rw-reply", has_text=re.compile(r"\?$")).first  # a follow-up question
    question = follow_up.inner_text().strip()
    before = page.locator(".rw-response").count()
    # the widget's quick replies are divs: the page makes them buttons that Tab reaches and Enter presses
    assert follow_up.get_attribute("role") == "button" and follow_up.get_attribute("tabindex") == "0"
    follow_up.focus()
    assert page.evaluate("f => document.activeElement === f", follow_up.element_handle())
    page.keyboard.press("Enter")
    page.locator(".rw-client", has_text=question).wait_for(timeout=10_000)
    index = wait_for_bubble(page, r"References", after=before)
    settle(page)
    reply = page.locator(".rw-response").nth(index)
    focused = page.evaluate_handle("() => document.activeElement")
    assert reply.evaluate("(r, f) => r.contains(f) && f.tagName === 'H3'", focused), \
        page.evaluate("() => document.activeElement.outerHTML.slice(0, 200)")
    title = reply.locator("h3").first
    assert title.inner_text().strip() and title.evaluate("t => getComputedStyle(t).outlineStyle") != "none"
    box = title.bounding_box()
    assert 0 <= box["y"] < page.viewport_size["height"], box
    page.keyboard.press("Tab")  # from there, Tab goes on into the reply (its first citation or section button)
    assert reply.evaluate("(r, f) => r.contains(f)", page.evaluate_handle("() => document.activeElement"))


# ------------------------------------------------------------------------------------------------
# The workup pathway in the page
# ------------------------------------------------------------------------------------------------


def test_a_workup_answer_draws_its_pathway(stack: Stack, browser: Browser) -> None:
    page = browser.page
    if not page.url.startswith(stack.site.url):  # run on its own
        start(page, stack.site.url)
    answer = ask(page, WORKUP_QUESTION, r"Next steps")
    figure = answer.locator(".ng-figure svg[data-picture='workup_pathway']")
    figure.wait_for(timeout=10_000)
    assert figure.is_visible() and figure.get_attribute("role") == "img"
    alt = figure.get_attribute("aria-label")
    assert alt.startswith("Workup pathway. Done: "), alt
    places = {g.get_attribute("data-step"): g.get_attribute("data-place") for g in figure.locator("g[data-step]").all()}

    # the same case over REST: the picture marks each step as the workup rules decided it
    reply = requests.post(stack.servers.rasa_url + "/webhooks/rest/webhook",
                          json={"sender": "a11y-workup-rest", "message": WORKUP_QUESTION}, timeout=60).json()
    steps = next(m["custom"]["computed"]["steps"] for m in reply
                 if isinstance(m.get("custom"), dict) and "steps" in (m["custom"].get("computed") or {}))
    expected = {"done": "done", "recommended": "next", "consider": "later"}
    assert places == {s["id"]: expected[s["status"]] for s in steps}
    assert places["cross_sectional_imaging"] == places["sstr_pet"] == "done" and places["site_ihc"] == "next"
    assert "later" in places.values()
    figure.scroll_into_view_if_needed()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    figure.screenshot(path=str(ARTIFACTS / "workup-pathway.png"))
    assert not browser.errors, browser.errors


# ------------------------------------------------------------------------------------------------
# A phone (390 x 844)
# ------------------------------------------------------------------------------------------------


def test_on_a_phone_the_bottom_line_is_in_view_and_nothing_scrolls_sideways(stack: Stack, phone) -> None:
    page = phone
    start(page, stack.site.url)
    answer = ask(page, GRADE_AND_STAGE, r"Stage IV")
    view = page.viewport_size
    assert view == PHONE

    assert_bottom_line_in_view(page, answer)

    # nothing wider than the screen: no sideways scroll of the page or of a bubble
    widths = page.evaluate(
        """() => ({page: document.documentElement.scrollWidth, body: document.body.scrollWidth,
                   bubbles: Array.from(document.querySelectorAll('.rw-response')).map(b => [b.scrollWidth, b.clientWidth])})""")
    assert widths["page"] <= view["width"] and widths["body"] <= view["width"], widths
    assert all(scroll <= client + 1 for scroll, client in widths["bubbles"]), widths

    # the pictures are scaled to the bubble, keeping their proportions (drawn 360 px wide by the server)
    for svg in answer.locator(".ng-figure svg").all():
        size = svg.evaluate("""s => { const r = s.getBoundingClientRect(), f = s.closest('.ng-figure');
                                     const v = s.viewBox.baseVal;
                                     return {w: r.width, h: r.height, vw: v.width, vh: v.height,
                                             room: f.clientWidth, scroll: f.scrollWidth}; }""")
        assert size["w"] <= size["room"] + 0.5 and size["scroll"] <= size["room"] + 1, size
        assert size["room"] < size["vw"] and size["w"] < size["vw"], f"scaled down on a phone: {size}"
        assert abs(size["h"] / size["w"] - size["vh"] / size["vw"]) < 0.01, size
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "phone-grade-and-stage.png"))

    closed = axe(page, "phone-answer-closed")
    assert not blocking(closed), blocking(closed)
    assert not page.errors, page.errors
