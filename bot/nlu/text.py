"""Text helpers shared by the finders: one-to-one normalisation, numbers, candidates."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Optional

# One character in, one character out, so that offsets found in the normalised text are
# offsets in the user's text too.
_CHAR_MAP = str.maketrans(
    {
        "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-",
        "\u2212": "-", "\u00ad": "-", "\ufe63": "-", "\uff0d": "-",
        "\u00b2": "2", "\u00b3": "3",
        "\u00b5": "u", "\u03bc": "u",
        "\u00a0": " ", "\u2007": " ", "\u2009": " ", "\u202f": " ", "\u2002": " ", "\u2003": " ",
        "\u00d7": "x", "\u2715": "x",
        "\uff05": "%", "\u2019": "'", "\u2018": "'", "\u02bc": "'",
        "\u2248": "~", "\u223c": "~",
    }
)


def normalise(text: str) -> str:
    """Map unicode dashes, superscripts, micro signs and odd spaces to ASCII, keeping length."""
    out = text.translate(_CHAR_MAP)
    assert len(out) == len(text)
    return out


# A newline that wraps a sentence of prose: the line before is long, has no "Label:" start and does not end a
# sentence; the line after starts in lower case or with a digit. Synoptic lines ("Necrosis: present") stay lines.
_SOFT_WRAP = re.compile(r"(?m)^(?![ \t]*[A-Za-z][A-Za-z /()\-]{1,40}:)([^\n]*\S[ \t]*)\n(?=[ \t]*[a-z0-9(])")
_PROSE_LINE_WORDS = 6


def join_soft_wraps(text: str) -> str:
    """Replace each newline that only wraps a sentence of prose by a space (same length)."""
    def join(match: "re.Match[str]") -> str:
        line = match.group(1)
        if len(line.split()) < _PROSE_LINE_WORDS or line.rstrip()[-1] in ".:;!?":
            return match.group(0)
        return line + " "

    return _SOFT_WRAP.sub(join, text)


def number(raw: str) -> Optional[Decimal]:
    """Parse '2.4', '2,5' (decimal comma) or '.5'; None when it is not a number."""
    try:
        return Decimal(raw.replace(",", ".").strip())
    except InvalidOperation:
        return None


def fmt(value: Decimal) -> str:
    """Plain string of a number without trailing zeros: 20 -> '20', 2.40 -> '2.4'."""
    text = format(value.normalize(), "f")
    return text if "." not in text else text.rstrip("0").rstrip(".")


def compile_terms(pattern: str, flags: int = re.IGNORECASE) -> re.Pattern[str]:
    """Whole-word pattern: no letter or digit may touch either end of the match."""
    return re.compile(r"(?<![A-Za-z0-9])(?:" + pattern + r")(?![A-Za-z0-9])", flags)


@dataclass(frozen=True)
class Candidate:
    """One value found in the text, before ConText and conflict resolution.

    context: how ConText changes it.
      "fixed"  - ignore ConText (negation is part of the phrase, or a number/test outcome)
      "drop"   - drop it when negated or uncertain
      "flip"   - negated: use negated_entity/negated_value; uncertain: drop
      "negonly"- keep only when negated (then negated_entity/negated_value); "mets" with no site
    span_start/span_end: the words ConText judges (a whole "liver and bone mets" phrase),
    defaulting to start/end.
    """

    entity: str
    value: str
    start: int
    end: int
    priority: int
    label: str = ""
    context: str = "fixed"
    negated_entity: str = ""
    negated_value: str = ""
    weak: bool = False
    span_start: int = -1
    span_end: int = -1
    shield: Optional[tuple[int, int]] = None  # words ConText must treat as taken (a test's outcome)

    @property
    def context_span(self) -> tuple[int, int]:
        if self.span_start >= 0:
            return self.span_start, self.span_end
        return self.start, self.end
