"""The README's screenshots of the chat page, made the way a user sees it.

    NETGUIDE_MODEL=models/netguide-<hash>.tar.gz .venv/actions/bin/python docs/screenshots.py   # ~40 s

Starts the real action server and Rasa server (tests/e2e/servers.py) and the chat page (web/, as in the
widget test), then drives Debian's chromium with Playwright (its executable path; Playwright never downloads a
browser): a desktop (1366 x 900) and a phone (390 x 844) each choose the clinician wording and ask a
grade-and-stage question; a workup question gives the pathway picture. Writes docs/images/chat-desktop.png,
docs/images/chat-phone.png and docs/images/workup-pathway.png.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "e2e"))

from playwright.sync_api import sync_playwright  # noqa: E402

from servers import Servers  # noqa: E402
from test_widget import CHROMIUM_ARGS, StaticSite, chromium_path, send, settle, wait_for_bubble, wait_for_status  # noqa: E402

IMAGES = ROOT / "docs" / "images"
QUESTION = "pancreatic NET 2.5 cm, Ki-67 12%, 1 mitosis per 2 mm2, 0/12 nodes, liver mets: grade and stage?"
WORKUP_QUESTION = ("NET of unknown primary, well differentiated, Ki-67 8%, CT showed liver mets, "
                   "ga68 dotatate pet positive: what is the workup?")
SCREENS = {"desktop": ({"width": 1366, "height": 900}, 1, False), "phone": ({"width": 390, "height": 844}, 2, True)}


def ask(page, question: str, expect: str):
    before = page.locator(".rw-response").count()
    send(page, question)
    index = wait_for_bubble(page, expect, after=before)
    settle(page)
    page.mouse.move(0, 0)  # no button left looking hovered where a click was
    page.wait_for_timeout(300)
    return page.locator(".rw-response").nth(index)


def open_chat(chromium, site: StaticSite, screen: str):
    viewport, scale, mobile = SCREENS[screen]
    context = chromium.new_context(viewport=viewport, device_scale_factor=scale, is_mobile=mobile, has_touch=mobile)
    page = context.new_page()
    page.goto(site.url + "/")
    page.locator(".rw-reply", has_text="Clinician").wait_for(timeout=90_000)
    wait_for_status(page, "online", timeout=60_000)
    page.locator(".rw-reply", has_text="Clinician").click()
    wait_for_bubble(page, r"clinical wording")
    settle(page)
    return context, page


def main() -> None:
    IMAGES.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="netguide-screens-") as workdir:
        servers = Servers(workdir=Path(workdir))
        site = StaticSite(servers.rasa_url)
        servers.extra_env["NETGUIDE_CORS_ORIGIN"] = site.url
        try:
            with servers.running(), sync_playwright() as pw:
                chromium = pw.chromium.launch(executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS)
                for screen in SCREENS:
                    context, page = open_chat(chromium, site, screen)
                    ask(page, QUESTION, r"Stage IV")
                    page.screenshot(path=str(IMAGES / f"chat-{screen}.png"))
                    print(f"wrote docs/images/chat-{screen}.png")
                    if screen == "desktop":
                        answer = ask(page, WORKUP_QUESTION, r"Next steps")
                        figure = answer.locator(".ng-figure svg[data-picture='workup_pathway']")
                        figure.scroll_into_view_if_needed()
                        figure.screenshot(path=str(IMAGES / "workup-pathway.png"))
                        print("wrote docs/images/workup-pathway.png")
                    context.close()
                chromium.close()
        finally:
            site.stop()


if __name__ == "__main__":
    main()
