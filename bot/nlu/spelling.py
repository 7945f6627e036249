"""Typo matching of clinical words before the finders read a message.

    corrected, origin = correct_typos("mitosees 3/2mm2, lymph nods neg")
    corrected == "mitoses 3/2mm2, lymph nodes neg"
    origin[i] is the index in the original text of corrected[i] (origin[len(corrected)] == len(text))

A word is replaced only when it is not itself a known word (vocabulary.CLINICAL_WORDS or
vocabulary.NOT_TYPOS), starts with the same letter as a clinical word and is close to exactly that word
(rapidfuzz's normalised Indel similarity at or above vocabulary.TYPO_MIN_SIMILARITY). Pairs that must never
match ("notes" / "nodes") are tested in tests/nlu/test_spelling.py.
"""

from __future__ import annotations

import re
from functools import lru_cache

from rapidfuzz import fuzz, process

from . import vocabulary as V

_WORD = re.compile(r"[A-Za-z]{4,}|(?<![A-Za-z])(?:" + "|".join(V.ABBREVIATIONS) + r")(?![A-Za-z])", re.IGNORECASE)


@lru_cache(maxsize=4096)
def correction(word: str) -> str | None:
    """The clinical word a typed word is a typo of, or None."""
    lowered = word.lower()
    if lowered in V.CLINICAL_WORDS or lowered in V.NOT_TYPOS or lowered.endswith(V.NOT_TYPO_SUFFIXES):
        return None
    candidates = [w for w in V.CLINICAL_WORDS if w[0] == lowered[0] and abs(len(w) - len(lowered)) <= 2]
    if not candidates:
        return None
    cutoff = V.TYPO_MIN_SIMILARITY if len(lowered) >= 6 else V.TYPO_MIN_SIMILARITY_SHORT
    best = process.extract(lowered, candidates, scorer=fuzz.ratio, score_cutoff=cutoff, limit=2)
    if not best or (len(best) == 2 and best[0][1] == best[1][1]):
        return None  # no close word, or two equally close: leave it as typed
    return best[0][0]


def correct_typos(text: str) -> tuple[str, list[int]]:
    """The text with typos of clinical words replaced, and the original index of every character."""
    pieces: list[str] = []
    origin: list[int] = []
    at = 0
    for m in _WORD.finditer(text):
        fixed = V.ABBREVIATIONS.get(m.group().lower()) or correction(m.group())
        if fixed is None:
            continue
        pieces.append(text[at:m.start()])
        origin.extend(range(at, m.start()))
        pieces.append(fixed)
        # every character of the replacement points into the typed word (the last ones to its last letter)
        origin.extend(min(m.start() + i, m.end() - 1) for i in range(len(fixed)))
        at = m.end()
    pieces.append(text[at:])
    origin.extend(range(at, len(text)))
    origin.append(len(text))
    return "".join(pieces), origin
