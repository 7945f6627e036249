"""How much a clinician has to read: visible and full words per reply over the public vignettes (issue 18).

    .venv/rasa/bin/python bench/answer_words.py            # starts NETguide as deployed, ~30 s

Each vignette is played as its own conversation over REST; the words of the last turn's replies are counted
three ways: all of them (the full answer, `custom.full_text` of each answer), those the chat page shows before a
tap, and the REST `text` (each answer's short form: bottom line, key points, compact references; also what Slack
posts before "Details"). The page (web/netguide.js)
keeps each answer's title, its "Answer" section (a workup's next steps, a gap's "Not answered yet"), the
review status and the disclaimer in view and closes every other section under its heading; this script
applies the same rule to the markdown. Prints median and p90 of both.
"""

from __future__ import annotations

import re
import statistics
import sys
import tempfile
from pathlib import Path
from typing import List, Tuple

sys.path.insert(0, str(Path(__file__).resolve().parent))

import yaml  # noqa: E402

import load  # noqa: E402
from procs import ROOT  # noqa: E402

OPEN_SECTIONS = re.compile(r"^#### (Answer|Next steps|Possible next tests|Not answered yet)\s*$")
ALWAYS_SHOWN = re.compile(r"^\s*_?(Review status|Educational information|Information for patients)")
WORD = re.compile(r"[^\W_]+(?:[-'][^\W_]+)*")


def visible_and_full(text: str) -> Tuple[int, int]:
    """(words shown before a tap, all words) of one markdown reply, by the chat page's rule."""
    shown = full = 0
    open_section = True
    for line in text.splitlines():
        words = len(WORD.findall(re.sub(r"\\\[[\d, ]+\]", " ", line)))  # citation markers are not words
        full += words
        if line.startswith("#### "):
            open_section = bool(OPEN_SECTIONS.match(line))
            shown += len(WORD.findall(line))  # a closed section's heading stays in view
            continue
        if line.startswith("### "):
            open_section = True
        if open_section or ALWAYS_SHOWN.match(line):
            shown += words
    return shown, full


def turn_words(replies: List[dict]) -> Tuple[int, int, int]:
    """(visible in the chat page, full, short REST text) words of one turn's replies. An answer's structured
    message (`custom.full_text`) follows its short text; other messages (notes, a question) count in all three."""
    visible = full = short = 0
    for index, reply in enumerate(replies):
        custom = reply.get("custom") if isinstance(reply.get("custom"), dict) else {}
        if custom.get("full_text"):
            shown, whole = visible_and_full(custom["full_text"])
            visible, full = visible + shown, full + whole
            continue
        text = reply.get("text") or ""
        words = visible_and_full(text)[1]
        short += words
        following = replies[index + 1] if index + 1 < len(replies) else {}
        if not (isinstance(following.get("custom"), dict) and following["custom"].get("full_text")):
            shown, whole = visible_and_full(text)
            visible, full = visible + shown, full + whole
    return visible, full, short


def percentile(values: List[int], pct: float) -> float:
    ordered = sorted(values)
    return float(ordered[min(len(ordered) - 1, int(round(pct / 100 * (len(ordered) - 1))))])


def main() -> None:
    from run import Deployment, current_model  # bench/run.py: NETguide started as deployed

    vignettes = yaml.safe_load((ROOT / "bench" / "vignettes.yml").read_text())["vignettes"]
    visible: List[int] = []
    full: List[int] = []
    short: List[int] = []
    with tempfile.TemporaryDirectory(prefix="netguide-words-") as workdir:
        deployment = Deployment("netguide", current_model(), True, Path(workdir))
        try:
            print(f"starting NETguide ({deployment.model.name}) ...", flush=True)
            deployment.start()
            for number, vignette in enumerate(vignettes):
                sender = f"words-{number}"
                replies = load.play(deployment.url_for(sender), vignette["turns"], sender)[-1]
                shown, whole, brief = turn_words(replies)
                visible.append(shown)
                full.append(whole)
                short.append(brief)
        finally:
            deployment.stop()
    print(f"{len(visible)} vignettes (last turn of each), words per reply")
    print(f"{'':24s} {'median':>8s} {'p90':>8s}")
    print(f"{'visible before a tap':24s} {statistics.median(visible):8.0f} {percentile(visible, 90):8.0f}")
    print(f"{'REST text (short form)':24s} {statistics.median(short):8.0f} {percentile(short, 90):8.0f}")
    print(f"{'full answer':24s} {statistics.median(full):8.0f} {percentile(full, 90):8.0f}")


if __name__ == "__main__":
    main()
