"""Pictures of computed results, as self-contained SVG (no outside request, no script), each with its alt text.

- a grade: each index given (Ki-67, mitoses per 2 mm²) on its three bands, the cut-offs at the band edges and
  the value marked in the band it falls in. The bands, cut-offs and labels are the scales the grading rules use
  (bot/grading.py `KI67_SCALE`, `GEP_MITOSES_SCALE`, `THORACIC_MITOSES_SCALE`): one rule in one place;
- a stage: T, N, M and the stage group as a compact row, an input not known marked.

The words are the rules' own (the scales' cut-offs; a thoracic band's category by the name the caller gives,
from knowledge/computed/grading.yml) and UI words; no clinical sentence.
"""

from __future__ import annotations

from typing import Callable, List, Optional, Tuple
from xml.sax.saxutils import escape

from pydantic import BaseModel

from bot.grading import GEP_MITOSES_SCALE, KI67_SCALE, THORACIC_MITOSES_SCALE, ThreeBandScale, mitoses_per_2mm2
from bot.models import Case, GradeResult, StageResult


class Picture(BaseModel):
    kind: str  # "grade_bands" | "stage_row"
    alt: str
    svg: str


WIDTH = 360
LABEL_WIDTH = 70
BAND_WIDTH = (WIDTH - LABEL_WIDTH - 10) // 3
ROW_HEIGHT = 44
BAND_FILL = ("#e8f1fb", "#fff4e0", "#fde8e8")
MARKED_FILL = ("#9cc3ec", "#f5c46b", "#ef9a9a")
INK = "#1a1a1a"


def _number(value: float) -> str:
    return f"{value:g}"


def _marker_x(scale: ThreeBandScale, value: float) -> float:
    """Where a value sits across the three equal bands (within its own band, in proportion; past the last
    cut-off, out to twice it)."""
    band = scale.band(value)
    if band == 0:
        share = value / scale.low if scale.low else 0.0
    elif band == 1:
        share = (value - scale.low) / (scale.high - scale.low)
    else:
        share = min((value - scale.high) / scale.high, 1.0)
    share = min(max(share, 0.04), 0.96)
    return LABEL_WIDTH + band * BAND_WIDTH + share * BAND_WIDTH


Namer = Callable[[str], str]  # a band's label (a grade, or a category code) -> the words shown


def _same(label: str) -> str:
    return label


def _band_row(y: int, label: str, scale: ThreeBandScale, value: float, name: Namer = _same) -> List[str]:
    marked = scale.band(value)
    parts = [f'<g class="ng-index" data-index="{escape(label)}" data-value="{_number(value)}" '
             f'data-band="{escape(name(scale.labels[marked]))}">',
             f'<text x="0" y="{y + 27}" font-size="12" fill="{INK}">{escape(label)}</text>']
    for band in range(3):
        x = LABEL_WIDTH + band * BAND_WIDTH
        is_marked = band == marked
        parts.append(
            f'<rect x="{x}" y="{y + 14}" width="{BAND_WIDTH}" height="18" data-band="{escape(name(scale.labels[band]))}" '
            f'data-marked="{"true" if is_marked else "false"}" fill="{(MARKED_FILL if is_marked else BAND_FILL)[band]}" '
            f'stroke="{INK if is_marked else "#999"}" stroke-width="{2 if is_marked else 1}"/>'
        )
        weight = ' font-weight="bold"' if is_marked else ""
        parts.append(f'<text x="{x + BAND_WIDTH / 2:g}" y="{y + 27}" font-size="11" text-anchor="middle" fill="{INK}"'
                     f'{weight}>{escape(name(scale.labels[band]))}</text>')
    for edge, cut in ((1, scale.low), (2, scale.high)):
        x = LABEL_WIDTH + edge * BAND_WIDTH
        parts.append(f'<text x="{x}" y="{y + 44}" font-size="10" text-anchor="middle" fill="#444">{_number(cut)}</text>')
    x = _marker_x(scale, value)
    parts.append(f'<path d="M{x:.1f} {y + 12} l-5 -8 h10 z" fill="{INK}"/>')
    parts.append(f'<text x="{x:.1f}" y="{y + 2}" font-size="10" text-anchor="middle" fill="{INK}">'
                 f'{_number(value)}{escape(scale.unit.strip() if scale.unit == "%" else "")}</text>')
    parts.append("</g>")
    return parts


def quoteattr_free(text: str) -> str:
    """Text for a double-quoted attribute."""
    return escape(text, {'"': "&quot;"})


def _svg(kind: str, alt: str, height: int, body: List[str]) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="ng-picture" data-picture="{kind}" role="img" '
            f'aria-label="{quoteattr_free(alt)}" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" '
            f'font-family="sans-serif"><title>{escape(alt)}</title>' + "".join(body) + "</svg>")


def grade_picture(case: Optional[Case], result: GradeResult, name: Namer = _same) -> Optional[Picture]:
    """The indices given, marked on their bands; None when no index was given or the tumour is a NEC by
    morphology (its grade does not come from the bands). `name`: the words of a band's label (a thoracic band is
    a category code)."""
    if case is None or result.kind == "nec":
        return None
    rows: List[Tuple[str, ThreeBandScale, float]] = []
    if result.thoracic:
        if case.mitoses is not None:
            rows.append(("Mitoses", THORACIC_MITOSES_SCALE, mitoses_per_2mm2(case.mitoses, case.mitoses_unit)))
    else:
        if case.ki67_percent is not None:
            rows.append(("Ki-67", KI67_SCALE, case.ki67_percent))
        if case.mitoses is not None:
            rows.append(("Mitoses", GEP_MITOSES_SCALE, mitoses_per_2mm2(case.mitoses, case.mitoses_unit)))
    if not rows:
        return None
    # the alt text restates the value, its band and the band's label (grading's own table, no clinical sentence)
    alt = "Grade bands: " + "; ".join(
        f"{scale.index} {value:g}{scale.unit} in band {scale.band_text(scale.band(value))} ({name(scale.classify(value))})"
        for _, scale, value in rows) + "."
    body: List[str] = []
    for number, (label, scale, value) in enumerate(rows):
        body.extend(_band_row(8 + number * (ROW_HEIGHT + 8), label, scale, value, name))
    return Picture(kind="grade_bands", alt=alt, svg=_svg("grade_bands", alt, 8 + len(rows) * (ROW_HEIGHT + 8), body))


def stage_picture(result: StageResult) -> Optional[Picture]:
    """T, N, M and the stage group in a row; a category not known is marked (dashed, '?')."""
    if not result.staged:
        return None
    cells = [("T", result.t), ("N", result.n), ("M", result.m), ("Stage", result.stage_group)]
    shown = [(name, code if code and not code.endswith("X") else None, code) for name, code in cells]
    alt = "Stage row: " + ", ".join(
        (known if name != "Stage" else f"stage {known}") if known else f"{name} not known" for name, known, _ in shown) + "."
    body: List[str] = []
    cell_width = (WIDTH - 3 * 8) // 4
    for index, (name, known, code) in enumerate(shown):
        x = index * (cell_width + 8)
        missing = known is None
        dashes = ' stroke-dasharray="5 3"' if missing else ""
        body.append(
            f'<g class="ng-cell" data-cell="{name}" data-missing="{"true" if missing else "false"}">'
            f'<rect x="{x + 1}" y="1" width="{cell_width - 2}" height="46" rx="6" fill="{"#fff" if missing else "#e8f1fb"}" '
            f'stroke="{"#b00020" if missing else INK}" stroke-width="{2 if missing else 1}"'
            f'{dashes}/>'
            f'<text x="{x + cell_width / 2:g}" y="16" font-size="10" text-anchor="middle" fill="#444">{name}</text>'
            f'<text x="{x + cell_width / 2:g}" y="38" font-size="16" text-anchor="middle" font-weight="bold" '
            f'fill="{"#b00020" if missing else INK}">{escape(code or "?")}</text></g>'
        )
    return Picture(kind="stage_row", alt=alt, svg=_svg("stage_row", alt, 48, body))
