"""The core alone (no Rasa, no HTTP): grading and staging cases per second, and the cost of one
composed, rendered answer (bot.conversation.handle_turn). Runs in the actions venv; prints JSON.

    .venv/actions/bin/python bench/core_speed.py [--seconds 1.5]
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import time
from pathlib import Path
from typing import Callable, Dict, List

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.conversation import ConversationState, handle_turn  # noqa: E402
from bot.grading import grade  # noqa: E402
from bot.models import Case, Differentiation, Invasion, MetastaticSite, MitoticUnit, Site  # noqa: E402
from bot.staging import stage  # noqa: E402


def grading_cases() -> List[Case]:
    sites = [Site.pancreas, Site.jejunum_ileum, Site.unknown, Site.lung, None]
    ki67s = [None, 0.5, 2.5, 3, 12, 20, 20.5, 45, 80]
    mitoses = [None, 0, 1, 2, 8, 20, 25]
    diffs = [None, Differentiation.well, Differentiation.poorly]
    cases = []
    for site, ki67, mit, diff in itertools.product(sites, ki67s, mitoses, diffs):
        cases.append(Case(site=site, ki67_percent=ki67, mitoses=mit, differentiation=diff,
                          mitoses_unit=MitoticUnit.per_2mm2, necrosis=False if site == Site.lung else None))
    return cases


def staging_cases() -> List[Case]:
    sites = [Site.stomach, Site.duodenum, Site.jejunum_ileum, Site.appendix, Site.colon, Site.rectum,
             Site.pancreas, Site.unknown]
    sizes = [None, 0.8, 1.0, 1.5, 2.0, 3.5, 5.0]
    invasions = [None, Invasion.confined, Invasion.muscularis_propria, Invasion.serosa_or_adjacent_organs]
    nodes = [None, False, True]
    mets = [None, [], [MetastaticSite.liver], [MetastaticSite.liver, MetastaticSite.bone]]
    return [Case(site=s, tumour_size_cm=z, invasion=i, nodes_positive=n, metastatic_sites=m,
                 differentiation=Differentiation.well)
            for s, z, i, n, m in itertools.product(sites, sizes, invasions, nodes, mets)]


def rate(function: Callable, items: List, seconds: float) -> Dict[str, float]:
    for item in items[:20]:  # warm caches and imports
        function(item)
    done = 0
    started = time.perf_counter()
    for item in itertools.cycle(items):
        function(item)
        done += 1
        if done % 50 == 0 and time.perf_counter() - started >= seconds:
            break
    elapsed = time.perf_counter() - started
    return {"per_s": round(done / elapsed, 1), "mean_ms": round(elapsed / done * 1000, 3), "n": done,
            "distinct_cases": len(items)}


TURNS = [
    ("ask_grade", [{"entity": "ki67", "value": "12"}, {"entity": "mitoses", "value": "1/2mm2"}], "what grade?"),
    ("ask_stage", [{"entity": "site", "value": "unknown"}, {"entity": "metastasis", "value": "liver"}], "stage?"),
    ("ask_stage", [{"entity": "site", "value": "pancreas"}, {"entity": "tumour_size", "value": "2.5"},
                   {"entity": "nodes", "value": "positive"}, {"entity": "no_metastasis", "value": "liver"}], "stage?"),
    ("ask_workup", [], "workup for a NET of unknown primary?"),
    ("ask_labs", [], "CgA on a PPI?"),
    ("ask_treatment", [], "treatment for NET-CUP?"),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=1.5, help="time per measurement")
    args = parser.parse_args()
    started = time.perf_counter()
    handle_turn(ConversationState(), *TURNS[0])  # first use loads and validates the knowledge base
    first_answer_s = time.perf_counter() - started
    out = {
        "grading": rate(grade, grading_cases(), args.seconds),
        "staging": rate(stage, staging_cases(), args.seconds),
        "answer_turn": rate(lambda turn: handle_turn(ConversationState(), *turn), TURNS, args.seconds),
        "first_answer_incl_kb_load_s": round(first_answer_s, 2),
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
