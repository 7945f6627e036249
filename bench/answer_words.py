"""How much a clinician has to read: visible and full words per reply over the public vignettes (issue 18).

    .venv/rasa/bin/python bench/answer_words.py            # starts NETguide as deployed, ~30 s

Each vignette is played as its own conversation over REST; the words of the last turn's replies are counted
twice: all of them (the full answer), and those the chat page shows before a tap. The page (web/netguide.js)
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


def percentile(values: List[int], pct: float) -> float:
    ordered = sorted(values)
    return float(ordered[min(len(ordered) - 1, int(round(pct / 100 * (len(ordered) - 1))))])


def main() -> None:
    from run import Deployment, current_model  # bench/run.py: NETguide started as deployed

    vignettes = yaml.safe_load((ROOT / "bench" / "vignettes.yml").read_text())["vignettes"]
    visible: List[int] = []
    full: List[int] = []
    with tempfile.TemporaryDirectory(prefix="netguide-words-") as workdir:
        deployment = Deployment("netguide", current_model(), True, Path(workdir))
        try:
            print(f"starting NETguide ({deployment.model.name}) ...", flush=True)
            deployment.start()
            for number, vignette in enumerate(vignettes):
                sender = f"words-{number}"
                replies = load.play(deployment.url_for(sender), vignette["turns"], sender)[-1]
                counts = [visible_and_full(r.get("text") or "") for r in replies if r.get("text")]
                visible.append(sum(c[0] for c in counts))
                full.append(sum(c[1] for c in counts))
        finally:
            deployment.stop()
    print(f"{len(visible)} vignettes (last turn of each), words per reply")
    print(f"{'':24s} {'median':>8s} {'p90':>8s}")
    print(f"{'visible before a tap':24s} {statistics.median(visible):8.0f} {percentile(visible, 90):8.0f}")
    print(f"{'full answer':24s} {statistics.median(full):8.0f} {percentile(full, 90):8.0f}")


if __name__ == "__main__":
    main()
