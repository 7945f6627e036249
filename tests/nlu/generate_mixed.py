"""Regenerate data/nlu/mixed.yml: case values typed like notes, joined with a question.

Clinicians put the values first and the question last (or the other way round):
"58F, liver mets, Ki67 8% - grade?". The values say nothing about the intent; the
question does. These examples teach the intent classifier exactly that: the same
value fragments appear under every intent, and give_values gets them without a question.

    .venv/rasa/bin/python tests/nlu/generate_mixed.py   # writes data/nlu/mixed.yml

Deterministic (fixed seed). Written from the issue's examples and clinical phrasing, not
from tests/nlu/heldout.yml (which training never sees).
"""

from __future__ import annotations

import random
from pathlib import Path

OUT = Path(__file__).resolve().parents[2] / "data" / "nlu" / "mixed.yml"
SEED = 20250501

# Value fragments, the way they appear in notes and referral letters.
FRAGMENTS = [
    "58F", "71M", "64 yo male", "45 yo woman", "82M", "39F", "pt 67", "new pt",
    "ki67 8%", "Ki-67 3 %", "ki 67 15", "MIB-1 22%", "mib1 <1%", "Ki67 2-3%", "ki-67 ~12%", "Ki67 35 %",
    "ki67 0.5%", "Ki-67 index 9%", "ki67 hotspot 18%", "ki67 4,5%",
    "3 mitoses/2mm2", "1 mitosis per 2 mm²", "mitoses 6/10 HPF", "2 mits/10hpf", "mitotic count 12/2mm2",
    "no mitoses", "5 mitoses per 50 hpf", "mitoses 4/mm2",
    "liver mets", "hepatic mets", "bone mets", "liver + bone mets", "peritoneal deposits", "multiple liver lesions",
    "no bone lesions", "no extrahepatic disease", "lung mets", "mets to liver and nodes",
    "no primary found", "primary unknown", "unknown primary", "NET-CUP", "CUP", "occult primary",
    "pNET", "pancreatic tail mass", "ileal primary", "terminal ileum", "small bowel NET", "SI-NET",
    "rectal NET", "gastric NET type 1", "duodenal NET", "appendiceal NET", "bronchial carcinoid", "thymic NET",
    "2.4 cm", "8 mm", "1.9cm", "3.5 cm mass", "12mm", "0.7 cm",
    "node neg", "N1", "3/12 nodes +", "nodes 0/9", "mesenteric mass", "N0",
    "well diff", "WD NET", "poorly diff", "PD NEC", "small cell morphology", "G2", "NET G3",
    "necrosis present", "no necrosis", "punctate necrosis",
    "DOTATATE neg", "Ga68 PET positive", "sstr pet -ve", "FDG avid", "CT neg", "colonoscopy normal", "EGD clear",
    "CgA 3x ULN", "5HIAA raised", "CgA normal", "on PPI",
    "CDX2+", "TTF-1 neg", "ISL1 pos", "SATB2 +", "PAX8 negative",
    "flushing and diarrhoea", "carcinoid syndrome", "non-functional", "hypoglycaemia",
    "liver bx", "core biopsy", "path report", "resected specimen", "invades muscularis propria", "into subserosa",
]

# Questions by intent: short and long, typos and abbreviations as typed.
QUESTIONS = {
    "ask_grade": [
        "grade?", "what grade", "WHO grade?", "G1/G2?", "g2 or g3?", "grade pls", "which grade is this",
        "how would you grade it", "grade and stage?", "grade + stage pls", "what's the grade and the stage",
        "is this G3", "typical or atypical?", "grde?", "grading?", "who 2019 grade", "what grade does that give",
        "is it still G1", "grade please", "what grade would you call it",
    ],
    "ask_stage": [
        "stage?", "what stage", "TNM?", "AJCC stage?", "stage group?", "which T?", "pT?", "what's the M category",
        "stage pls", "how do I stage this", "staging?", "is this stage IV", "TNM and stage group please",
        "what N is that", "stage it", "stage grouping?", "which AJCC stage", "T category?",
    ],
    "ask_workup": [
        "what next?", "next steps?", "workup?", "what workup", "how do we find the primary", "where to look next",
        "what should we order", "next investigation?", "what else should we do", "work up pls",
        "how to proceed", "what would you do next", "further workup?", "what tests now", "next step?",
        "how do we look for the primary", "anything else to find the primary",
    ],
    "ask_imaging": [
        "which scan?", "dotatate or fdg?", "need an FDG PET?", "MRI or CT?", "which imaging", "repeat the PET?",
        "is SSTR PET enough", "role of dual tracer pet?", "best imaging?", "octreoscan or ga68?",
        "do we need FDG as well", "which tracer", "imaging next?", "is a liver MRI better",
    ],
    "ask_labs": [
        "which labs?", "is the CgA reliable?", "stop the PPI first?", "which bloods", "check 5-HIAA?",
        "which hormones to check", "is chromogranin meaningful here", "repeat CgA off PPI?", "tumour markers?",
        "urine 5hiaa prep?", "what biochemistry", "labs to send?",
    ],
    "ask_ihc": [
        "which stains?", "what does the IHC suggest", "site of origin from the stains?", "more IHC?",
        "what does that profile mean", "which immuno panel", "which markers to add", "interpretation of the stains?",
        "does that point to the pancreas", "where does this IHC point",
    ],
    "ask_treatment": [
        "treatment?", "start lanreotide?", "PRRT?", "what treatment", "which chemo", "first line?", "rx?",
        "SSA or PRRT?", "CAPTEM or everolimus?", "how do we treat", "treat with platinum etoposide?",
        "management?", "what therapy next", "2nd line?", "systemic options?", "tx options?",
    ],
    "ask_prognosis": [
        "prognosis?", "survival?", "outlook?", "life expectancy?", "median OS?", "how long does she have",
        "what's the prognosis", "5 yr survival?", "is that a bad sign", "expected survival",
    ],
    "ask_surgery": [
        "resect the primary?", "surgery?", "debulking worth it?", "operate?", "refer to surgeons?",
        "explore surgically?", "liver resection?", "is it resectable", "cytoreduction?", "role for surgery?",
    ],
    "ask_germline": [
        "germline testing?", "MEN1?", "genetics referral?", "hereditary?", "test for MEN1?", "refer to genetics",
        "could this be familial", "germline panel?",
    ],
    "ask_molecular": [
        "molecular classifier?", "92-gene assay?", "send methylation profiling?", "tissue of origin test?",
        "would a gene expression test help", "NGS useful?", "CancerTYPE ID worth it?",
    ],
    "ask_follow_up": [
        "follow up?", "surveillance plan?", "how often to image", "follow-up schedule?", "how long to follow",
        "surveillance interval?", "when to rescan",
    ],
    "what_if": [
        "what if ki67 were 25%", "and if there were bone mets too?", "what if it were poorly diff",
        "what if the nodes were positive", "what if it was 2.5 cm", "and if dotatate were negative?",
        "suppose ki67 is 21%", "what if mitoses were 25/2mm2", "what if the primary were pancreatic",
    ],
}


def _values(rng: random.Random) -> str:
    count = rng.choice([1, 2, 2, 3, 3, 4])
    joiner = rng.choice([", ", ", ", " ", "; "])
    return joiner.join(rng.sample(FRAGMENTS, count))


def _example(rng: random.Random, question: str) -> str:
    values = _values(rng)
    if rng.random() < 0.8:
        return f"{values}{rng.choice([' - ', ', ', '. ', ' – ', ' ', ': '])}{question}"
    return f"{question.rstrip('?')}{rng.choice([': ', ' - ', ', ', ' for '])}{values}"


def generate() -> dict[str, list[str]]:
    rng = random.Random(SEED)
    by_intent: dict[str, list[str]] = {}
    for intent, questions in QUESTIONS.items():
        examples = [_example(rng, q) for q in questions]
        examples += [_example(rng, rng.choice(questions)) for _ in range(max(0, 22 - len(questions)))]
        by_intent[intent] = examples
    # values alone: no question at all
    by_intent["give_values"] = [_values(rng) for _ in range(45)]
    for intent in by_intent:
        by_intent[intent] = list(dict.fromkeys(by_intent[intent]))  # no duplicates
    return by_intent


def render() -> str:
    lines = [
        "# GENERATED by tests/nlu/generate_mixed.py (do not edit by hand; edit the generator).",
        "# Case values typed like notes, joined with a question: the question decides the intent;",
        "# values alone are give_values. Entities are not annotated (bot/nlu extracts them).",
        'version: "3.1"',
        "",
        "nlu:",
    ]
    for intent, examples in generate().items():
        lines.append(f"- intent: {intent}")
        lines.append("  examples: |")
        lines.extend(f"    - {e}" for e in examples)
    return "\n".join(lines) + "\n"


def main() -> None:
    OUT.write_text(render(), encoding="utf-8")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
