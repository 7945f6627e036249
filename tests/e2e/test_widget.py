"""The chat page in a real browser: Debian's chromium driven by Playwright, against the real Rasa server
(socketio channel, session persistence) and the real action server.

One browser page walks through what a user does: open the page, choose an audience, ask a grading
question, read the cited answer, open a citation, click a follow-up, reload and find the history. A second
test cuts the network between the page and Rasa (a TCP relay on the loopback address) to check that the
page says the server is unreachable and then reconnects to the same conversation. Every request the page
makes is recorded: none may leave the machine.

Screenshots (desktop and phone width) go to tests/artifacts/widget/.
"""

from __future__ import annotations

import functools
import http.server
import os
import re
import shutil
import socket
import sqlite3
import tempfile
import threading
import time
from pathlib import Path
from typing import Iterator, List, Optional
from urllib.parse import urlsplit

import pytest

from servers import ROOT, Servers, free_port

playwright_api = pytest.importorskip("playwright.sync_api", reason="playwright is in requirements/actions.txt")

WEB_DIR = ROOT / "web"
WIDGET = WEB_DIR / "vendor" / "rasa-webchat.js"
ARTIFACTS = ROOT / "tests" / "artifacts" / "widget"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
GRADING_QUESTION = "Ki-67 12%, 1 mitosis per 2 mm2, what grade?"
ANSWER_WAIT_MS = 90_000  # the first answer loads the knowledge base in the action server
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def chromium_path() -> str:
    for candidate in (os.environ.get("NETGUIDE_CHROMIUM"), shutil.which("chromium"), shutil.which("chromium-browser")):
        if candidate and Path(candidate).exists():
            return candidate
    pytest.fail("chromium not found: scripts/system_deps.sh installs it (apt-get install chromium), "
                "or set NETGUIDE_CHROMIUM to a Chromium executable")


# ------------------------------------------------------------------------------------------------
# The page's web server and a relay between the page and Rasa that the test can cut
# ------------------------------------------------------------------------------------------------


class StaticSite:
    """web/ over HTTP, with config.js generated here (the real one is written by `make run`)."""

    def __init__(self, rasa_url: str) -> None:
        config = f'window.NETGUIDE_CONFIG = {{ rasaUrl: "{rasa_url}" }};\n'.encode()

        class Handler(http.server.SimpleHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                if urlsplit(self.path).path == "/config.js":
                    self.send_response(200)
                    self.send_header("Content-Type", "application/javascript")
                    self.send_header("Content-Length", str(len(config)))
                    self.end_headers()
                    self.wfile.write(config)
                    return
                super().do_GET()

            def log_message(self, *args) -> None:
                pass

        self.port = free_port()
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), functools.partial(Handler, directory=str(WEB_DIR)))
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class Relay:
    """A TCP relay 127.0.0.1:port -> Rasa. `cut()` drops every connection and refuses new ones."""

    def __init__(self, target_port: int) -> None:
        self.port = free_port()
        self.target_port = target_port
        self.listener: Optional[socket.socket] = None
        self.connections: List[socket.socket] = []
        self.lock = threading.Lock()
        self.restore()

    def restore(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self.listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def cut(self) -> None:
        with self.lock:
            listener, self.listener = self.listener, None
            connections, self.connections = self.connections, []
        if listener:
            listener.close()
        for conn in connections:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            conn.close()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # cut
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target_port), timeout=5)
                upstream.settimeout(None)
            except OSError:
                client.close()
                continue
            with self.lock:
                if self.listener is not listener:
                    client.close(); upstream.close()
                    return
                self.connections += [client, upstream]
            for src, dst in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(src, dst), daemon=True).start()

    @staticmethod
    def _pump(src: socket.socket, dst: socket.socket) -> None:
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (src, dst):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass


# ------------------------------------------------------------------------------------------------
# Fixtures: servers, page site, relay and one browser, once per module
# ------------------------------------------------------------------------------------------------


class Stack:
    def __init__(self, servers: Servers, relay: Relay, site: StaticSite) -> None:
        self.servers, self.relay, self.site = servers, relay, site
        self.rasa_url_for_page = f"http://127.0.0.1:{relay.port}"

    def user_messages(self, sender_id: str) -> List[str]:
        """User messages stored by Rasa's tracker store for one conversation."""
        with sqlite3.connect(self.servers.tracker_db) as db:
            rows = db.execute("SELECT data FROM events WHERE sender_id = ? AND type_name = 'user' ORDER BY id", (sender_id,))
            return [re.search(r'"text": "((?:[^"\\]|\\.)*)"', data).group(1) for (data,) in rows]


@pytest.fixture(scope="module")
def stack(tmp_path_factory) -> Iterator[Stack]:
    if not WIDGET.exists() or WIDGET.stat().st_size < 100_000:
        pytest.fail(f"{WIDGET.relative_to(ROOT)} is missing: scripts/setup.sh vendors it from npm (rasa-webchat 1.0.1)")
    servers = Servers(workdir=tmp_path_factory.mktemp("widget"))
    relay = Relay(servers.rasa_port)  # the page talks to Rasa through the relay
    site = StaticSite(f"http://127.0.0.1:{relay.port}")
    # the Rasa server allows exactly the page's origin, as `make run` does (bot/channels/rasa_server.py)
    servers.extra_env["NETGUIDE_CORS_ORIGIN"] = site.url
    try:
        with servers.running():
            yield Stack(servers, relay, site)
    finally:
        site.stop()
        relay.cut()


class Browser:
    """One chromium with a fresh profile; records every request and websocket the pages open."""

    def __init__(self, pw, user_data_dir: str) -> None:
        self.requests: List[str] = []
        self.context = pw.chromium.launch_persistent_context(
            user_data_dir, executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS, viewport=DESKTOP,
        )
        self.context.on("request", lambda request: self.requests.append(request.url))
        self.page = self.context.pages[0] if self.context.pages else self.context.new_page()
        self.page.on("websocket", lambda ws: self.requests.append(ws.url))
        self.errors: List[str] = []
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))


@pytest.fixture(scope="module")
def browser(stack: Stack) -> Iterator[Browser]:
    with playwright_api.sync_playwright() as pw, tempfile.TemporaryDirectory(prefix="netguide-chromium-") as profile:
        running = Browser(pw, profile)
        try:
            yield running
        finally:
            running.context.close()


# ------------------------------------------------------------------------------------------------
# Helpers that read the page the way a user does
# ------------------------------------------------------------------------------------------------


def bubbles(page) -> List[str]:
    """The bot's messages as shown, without reference boxes the user opened and without the typing indicator."""
    return page.evaluate(
        """() => Array.from(document.querySelectorAll('.rw-response')).map(b => {
               const copy = b.cloneNode(true);
               copy.querySelectorAll('.ng-refbox').forEach(box => box.remove());
               return copy.textContent.trim();
           }).filter(text => text)"""
    )


def settle(page, quiet_ms: int = 1500, timeout_s: float = 30) -> None:
    """Wait until no bot message has arrived for quiet_ms (an answer may come as several messages)."""
    deadline = time.monotonic() + timeout_s
    last, since = None, time.monotonic()
    while time.monotonic() < deadline:
        now = (page.locator(".rw-message").count(), page.locator(".rw-typing-indication").count())
        if now != last:
            last, since = now, time.monotonic()
        elif now[1] == 0 and (time.monotonic() - since) * 1000 >= quiet_ms:
            return
        page.wait_for_timeout(200)


def wait_for_bubble(page, pattern: str, after: int = 0, timeout: int = ANSWER_WAIT_MS) -> int:
    """Wait until a bot bubble with index >= after matches the regex; return its index."""
    page.wait_for_function(
        """([pattern, after]) => Array.from(document.querySelectorAll('.rw-response'))
              .slice(after).some(b => new RegExp(pattern).test(b.innerText))""",
        arg=[pattern, after], timeout=timeout,
    )
    texts = page.locator(".rw-response").all_inner_texts()
    return next(i for i, text in enumerate(texts) if i >= after and re.search(pattern, text))


def session_id(page) -> str:
    return page.evaluate("JSON.parse(localStorage.getItem('chat_session') || '{}').session_id || ''")


def status(page) -> str:
    return page.locator("#server-status").get_attribute("data-state") + ": " + page.locator("#server-status").inner_text()


def wait_for_status(page, state: str, timeout: int = 30_000) -> None:
    page.wait_for_function(
        "state => document.getElementById('server-status').getAttribute('data-state') === state", arg=state, timeout=timeout
    )


def send(page, text: str) -> None:
    box = page.locator(".rw-new-message")
    box.fill(text)
    box.press("Enter")


def screenshot_answer(page, name: str, viewport: dict) -> Path:
    """The viewport as the user sees it, and the whole conversation unrolled (no inner scrolling)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size(viewport)
    page.wait_for_timeout(300)
    view = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(view))
    unrolled = page.add_style_tag(content=(
        "html,body{height:auto!important;display:block!important}"
        "#webchat,#webchat *{height:auto!important;max-height:none!important;overflow:visible!important}"
    ))
    page.screenshot(path=str(ARTIFACTS / f"{name}-full.png"), full_page=True)
    unrolled.evaluate("node => node.remove()")
    return view


# ------------------------------------------------------------------------------------------------
# Tests
# ------------------------------------------------------------------------------------------------


def test_grading_conversation_in_the_browser(stack: Stack, browser: Browser) -> None:
    page = browser.page
    page.goto(stack.site.url + "/")

    # the greeting offers the audience choice as buttons; the status line says the server is there
    page.locator(".rw-reply", has_text="Clinician").wait_for(timeout=60_000)
    wait_for_status(page, "online")
    assert page.locator(".rw-reply", has_text="Patient or caregiver").count() == 1
    page.locator(".rw-reply", has_text="Clinician").click()
    wait_for_bubble(page, r"clinical wording")
    conversation = session_id(page)
    assert conversation, "the widget stores its session id (params.storage)"

    # the grading question: the computed grade arrives in the widget (a python-socketio >= 5.10 server
    # with session_persistence would drop it silently, so this wait is the regression test)
    before = page.locator(".rw-response").count()
    send(page, GRADING_QUESTION)
    index = wait_for_bubble(page, r"NET G2", after=before)
    settle(page)
    answer = page.locator(".rw-response").nth(index)
    text = answer.inner_text()

    # the view shows the start of the new reply, not the end of the reference list (measured as it arrives:
    # focusing a section's button further down later scrolls the view to that button)
    top = answer.evaluate("el => el.getBoundingClientRect().top")
    assert 0 <= top < page.viewport_size["height"], f"the reply starts off screen ({top})"
    # the grade drawn on its bands, right under the bottom line
    assert answer.locator(".ng-figure svg[data-picture='grade_bands'] g[data-index='Ki-67'] rect[data-marked='true']") \
        .get_attribute("data-band") == "G2"

    # one answer, one bubble, laid out as a document
    assert answer.locator("h3").count() == 1, "the question is the answer's title"
    sections = [re.sub(r"\s*(Show|Hide)$", "", t.strip()) for t in answer.locator("h4").all_inner_texts()]
    for heading in ("Answer", "How it was worked out", "From the guidelines", "References"):
        assert heading in sections, (heading, sections)

    # the bottom line first, the rest one tap away: the answer is open, every other section is closed under
    # a Show button (keyboard: Enter opens it), and the review status and disclaimer stay in view
    assert answer.locator("h3").first.is_visible() and re.search(r"NET G2", answer.locator("h4:has-text('Answer') + p").first.inner_text())
    toggle = answer.locator("h4", has_text="How it was worked out").locator("button.ng-section-toggle")
    assert toggle.get_attribute("aria-expanded") == "false"
    worked_out = answer.locator("#" + toggle.get_attribute("aria-controls"))
    assert not worked_out.is_visible(), "details start closed"
    toggle.focus()
    page.keyboard.press("Enter")
    assert toggle.get_attribute("aria-expanded") == "true" and worked_out.is_visible()
    assert re.search(r"Ki-67 12\s?%", worked_out.inner_text())
    toggle.click()
    assert not worked_out.is_visible()
    assert answer.get_by_text(re.compile("Review status:")).first.is_visible()

    # "Copy for the note": the title, the answer, the review status and the references as plain text
    browser.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=stack.site.url)
    answer.locator("button.ng-copy-note").click()
    page.wait_for_function("() => document.querySelector('.ng-copy-note') && "
                           "Array.from(document.querySelectorAll('.ng-copy-note')).some(b => b.textContent === 'Copied')")
    note = page.evaluate("() => navigator.clipboard.readText()")
    assert note.startswith("What is the WHO grade of this tumour?"), note
    assert "NET G2" in note and "References:" in note and re.search(r"^- \[1\] \S", note, re.M), note
    assert "Review status:" in note and "How it was worked out" not in note, note
    assert answer.locator("ul > li").count() >= 5, "bullets render as a list"
    assert re.search(r"Ki-67 12\s?% is within 3[-–]20\s?%", text), text
    assert "Review status:" in text and re.search(r"last updated \d{4}-\d{2}-\d{2}", text), text
    assert "does not replace clinical judgement" in text, "the disclaimer closes the answer"
    assert "\\[" not in text and "**" not in text and "###" not in text, "no markdown shows as text"

    # numbered citations are buttons that show the reference they cite, and every one has a reference
    references = {li.get_attribute("data-ref"): li.inner_text() for li in answer.locator("li.ng-ref").all()}
    assert references and all(re.match(rf"\[{n}\] \S", t) for n, t in references.items()), references
    cites = answer.locator("button.ng-cite")
    assert cites.count() >= 5
    for numbers in {c.get_attribute("data-refs") for c in cites.all()}:
        assert set(numbers.split(",")) <= set(references), f"citation [{numbers}] without a reference"
    first = cites.first
    first.click()
    box = answer.locator(".ng-refbox").first
    box.wait_for()
    shown = box.inner_text()
    for n in first.get_attribute("data-refs").split(","):
        assert references[n] in shown, (references[n], shown)
    assert first.get_attribute("aria-expanded") == "true"

    # follow-up questions come as buttons under the answer
    follow_ups = page.locator(".rw-replies .rw-reply")
    assert follow_ups.count() >= 1
    screenshot_answer(page, "desktop", DESKTOP)

    # a long answer stays readable at phone width: nothing wider than the screen, no cut-off text
    page.set_viewport_size(PHONE)
    page.wait_for_timeout(300)
    widths = page.evaluate(
        """() => ({page: document.documentElement.scrollWidth,
                   bubbles: Array.from(document.querySelectorAll('.rw-response')).map(b => [b.scrollWidth, b.clientWidth]),
                   replies: Array.from(document.querySelectorAll('.rw-reply')).map(r => r.getBoundingClientRect().right)})"""
    )
    assert widths["page"] <= PHONE["width"], widths
    assert all(scroll <= client + 1 for scroll, client in widths["bubbles"]), widths
    assert all(right <= PHONE["width"] for right in widths["replies"]), widths
    screenshot_answer(page, "phone", PHONE)
    page.set_viewport_size(DESKTOP)

    # a follow-up button sends its question and gets its own cited answer
    follow_up = follow_ups.first.inner_text().strip()
    before = page.locator(".rw-response").count()
    follow_ups.first.click()
    page.locator(".rw-client", has_text=follow_up).wait_for(timeout=10_000)
    index = wait_for_bubble(page, r"References", after=before)
    settle(page)
    assert page.locator(".rw-response").nth(index).locator("button.ng-cite").count() >= 1

    # reload: the same conversation comes back, history included, and goes on in the same Rasa session
    history = bubbles(page)
    page.reload()
    page.locator(".rw-response", has_text="NET G2").first.wait_for(timeout=20_000)
    wait_for_status(page, "online")
    assert session_id(page) == conversation
    assert bubbles(page) == history, "the whole history is shown after a reload"
    assert page.locator(".rw-response", has_text="NET G2").first.locator("button.ng-cite").count() >= 5, "citations work after reload"
    before = page.locator(".rw-response").count()
    send(page, "what is the workup for a NET of unknown primary?")
    wait_for_bubble(page, r"References", after=before)
    settle(page)
    stored = stack.user_messages(conversation)
    assert GRADING_QUESTION in stored and stored[-1].startswith("what is the workup"), stored
    screenshot_answer(page, "after-reload", DESKTOP)
    assert not browser.errors, browser.errors


def test_page_says_when_the_server_is_unreachable_and_reconnects(stack: Stack, browser: Browser) -> None:
    page = browser.page
    if not page.url.startswith(stack.site.url):  # run on its own
        page.goto(stack.site.url + "/")
    wait_for_status(page, "online", timeout=60_000)
    settle(page)
    conversation = session_id(page)
    history = bubbles(page)

    stack.relay.cut()
    wait_for_status(page, "offline", timeout=20_000)
    assert "Cannot reach the assistant" in status(page), status(page)
    assert bubbles(page) == history, "the conversation stays on screen while offline"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "offline.png"))

    # a reload while the server is away still shows the conversation and the same message
    page.reload()
    page.locator(".rw-response").first.wait_for(timeout=20_000)
    wait_for_status(page, "offline", timeout=20_000)
    assert bubbles(page) == history

    stack.relay.restore()
    wait_for_status(page, "online", timeout=30_000)
    assert session_id(page) == conversation, "the reconnected widget rejoins the same conversation"
    before = page.locator(".rw-response").count()
    send(page, GRADING_QUESTION)
    wait_for_bubble(page, r"NET G2", after=before, timeout=60_000)
    assert stack.user_messages(conversation).count(GRADING_QUESTION) >= 2
    assert not browser.errors, browser.errors


# Ki-67 at and around each cut-off -> the band the picture must mark (WHO 2019 digestive: < 3 G1, 3-20 G2, > 20 G3)
PICTURE_BOUNDARIES = [(2.9, "G1"), (3, "G2"), (20, "G2"), (20.1, "G3")]


def test_a_grade_answer_draws_the_value_on_its_band(stack: Stack, browser: Browser) -> None:
    page = browser.page
    page.goto(stack.site.url + "/")
    wait_for_status(page, "online", timeout=60_000)
    settle(page)
    for ki67, band in PICTURE_BOUNDARIES:
        before = page.locator(".rw-response").count()
        send(page, f"Ki-67 {ki67:g}%, what grade?")
        index = wait_for_bubble(page, r"What is the WHO grade", after=before)
        settle(page)
        answer = page.locator(".rw-response").nth(index)
        figure = answer.locator(".ng-figure svg[data-picture='grade_bands']")
        figure.wait_for(timeout=10_000)
        assert figure.get_attribute("role") == "img" and f"Ki-67 {ki67:g}%" in figure.get_attribute("aria-label")
        marked = figure.locator("g[data-index='Ki-67'] rect[data-marked='true']")
        assert marked.count() == 1 and marked.get_attribute("data-band") == band, (ki67, band)
        assert figure.is_visible() and not answer.locator("pre").first.is_visible(), "drawn, the code block hidden"
    screenshot_answer(page, "widget-grade-picture", DESKTOP)
    assert not browser.errors, browser.errors


def test_the_page_makes_no_outside_request(stack: Stack, browser: Browser) -> None:
    if not browser.page.url.startswith(stack.site.url):  # run on its own
        browser.page.goto(stack.site.url + "/")
        wait_for_status(browser.page, "online", timeout=60_000)
    allowed = {f"127.0.0.1:{stack.site.port}", f"127.0.0.1:{stack.relay.port}"}
    assert browser.requests, "requests were recorded"
    outside = sorted({url for url in browser.requests if urlsplit(url).netloc not in allowed and not url.startswith("data:")})
    assert not outside, f"the page requested outside addresses: {outside}"
    assert any("/socket.io/" in url for url in browser.requests), "the widget talked to Rasa's socketio channel"
