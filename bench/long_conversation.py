"""Does a turn cost the same at message 500 as at message 1? One REST conversation, repeating four
ordinary questions, against the real servers (NETguide's launchers and shipped endpoints.yml).

    .venv/rasa/bin/python bench/long_conversation.py [--turns 500] [--before]

Prints one row: p50 turn time at turns 1-20 and at the last 20 turns (481-500), and their ratio
(issue 19 target: <= 1.2), plus p50 by block of 50 turns. `--before` plays the same conversation first
with NETguide's bounded-history changes switched off (NETGUIDE_BOUNDED_HISTORY=0), in the same run, so
the row is measured before and after on the same machine in the same minute.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Dict, List

sys.path.insert(0, str(Path(__file__).resolve().parent))

import requests  # noqa: E402

from run import Deployment, current_model  # noqa: E402

QUESTIONS = [
    "Ki-67 12% and 1 mitosis per 2 mm2, what grade?",
    "which PET for a well differentiated NET-CUP, dotatate or FDG?",
    "pancreatic NET 2.5 cm, 3/14 nodes positive, no distant mets. stage?",
    "workup for NET of unknown primary?",
]


def play(url: str, turns: int) -> List[float]:
    sender = f"bench-long-{uuid.uuid4().hex[:8]}"
    latencies = []
    with requests.Session() as session:
        for number in range(turns):
            started = time.perf_counter()
            response = session.post(url, json={"sender": sender, "message": QUESTIONS[number % len(QUESTIONS)]},
                                    timeout=60)
            response.raise_for_status()
            if not response.json():
                raise RuntimeError(f"empty reply at turn {number + 1}")
            latencies.append((time.perf_counter() - started) * 1000)
    return latencies


def row(latencies: List[float], window: int = 20) -> Dict[str, object]:
    first = statistics.median(latencies[:window])
    last = statistics.median(latencies[-window:])
    blocks = {f"{start + 1}-{min(start + 50, len(latencies))}": round(statistics.median(latencies[start:start + 50]), 1)
              for start in range(0, len(latencies), 50)}
    return {"turns": len(latencies), "p50_first_ms": round(first, 1), "p50_last_ms": round(last, 1),
            "ratio": round(last / first, 2), "p50_by_50_turns": blocks}


def measure(label: str, turns: int, env: Dict[str, str], workdir: Path) -> Dict[str, object]:
    deployment = Deployment(label, current_model(), True, workdir, rasa_env=env)
    try:
        deployment.start()
        url = deployment.url_for("x")
        play(url, 12)  # warm-up conversation (caches, first knowledge-base answers), not measured
        result = row(play(url, turns))
    finally:
        deployment.stop()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--turns", type=int, default=500)
    parser.add_argument("--before", action="store_true",
                        help="also measure with the bounded-history changes off (NETGUIDE_BOUNDED_HISTORY=0)")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = parser.parse_args()
    runs = ([("before", {"NETGUIDE_BOUNDED_HISTORY": "0"})] if args.before else []) + [("after", {})]
    results = {}
    with tempfile.TemporaryDirectory(prefix="netguide-long-") as scratch:
        for label, env in runs:
            workdir = Path(scratch) / label
            workdir.mkdir()
            results[label] = measure(label, args.turns, env, workdir)
    last = f"{args.turns - 19}-{args.turns}"
    print(f"\n| run | p50 turns 1-20 ms | p50 turns {last} ms | ratio (target <= 1.2) |")
    print("|---|---|---|---|")
    for label, figures in results.items():
        print(f"| {label} | {figures['p50_first_ms']} | {figures['p50_last_ms']} | {figures['ratio']} |")
    for label, figures in results.items():
        print(f"{label}: p50 by 50 turns: " + ", ".join(f"{k}: {v}" for k, v in figures["p50_by_50_turns"].items()))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
