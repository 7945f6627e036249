"""Pictures of computed results, as self-contained SVG (no outside request, no script), each with its alt text.

- a grade: each index given (Ki-67, mitoses per 2 mm²) on its three bands, the cut-offs at the band edges and
  the value marked in the band it falls in. The bands, cut-offs and labels are the scales the grading rules use
  (bot/grading.py `KI67_SCALE`, `GEP_MITOSES_SCALE`, `THORACIC_MITOSES_SCALE`): one rule in one place;
- a stage: T, N, M and the stage group as a compact row, an input not known marked;
- a workup: the pathway's steps in the order of the step table (bot/workup.py `STEP_CATALOGUE`), each marked
  done, next (the rules recommend it now) or later (to consider), as the workup rules decided them. The step
  labels are the steps' titles from knowledge/computed/workup.yml, given by the caller.

The words are the rules' own (the scales' cut-offs; a thoracic band's category by the name the caller gives,
from knowledge/computed/grading.yml), the knowledge base's step titles and UI words; no clinical sentence.
"""

from __future__ import annotations

from typing import Callable, List, Mapping, Optional, Tuple
from xml.sax.saxutils import escape

from pydantic import BaseModel

from bot.grading import GEP_MITOSES_SCALE, KI67_SCALE, THORACIC_MITOSES_SCALE, ThreeBandScale, mitoses_per_2mm2
from bot.models import Case, GradeResult, StageResult, WorkupResult
from bot.workup import CONSIDER, DONE, RECOMMENDED


class Picture(BaseModel):
    kind: str  # "grade_bands" | "stage_row" | "workup_pathway"
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


# workup step status (the engine's) -> where the step is on the pathway, as the picture and its alt text say it
PATHWAY_PLACE = {DONE: "done", RECOMMENDED: "next", CONSIDER: "later"}
PATHWAY_LEGEND = (("done", "Done"), ("next", "Next"), ("later", "Later"))
PATHWAY_STYLE = {  # marker fill, marker stroke, dashes, text colour (contrast at least 4.5:1 on white)
    "done": ("#2e7d32", "#2e7d32", "", "#555555"),
    "next": ("#1565c0", "#0d47a1", "", INK),
    "later": ("#ffffff", "#555555", ' stroke-dasharray="3 2"', "#444444"),
}
PATHWAY_CHARS = 48  # characters of a step's label per line (11 px sans-serif, bold, in 330 px)
PATHWAY_LINE = 14


def _wrap(text: str, width: int) -> List[str]:
    """The label in lines of at most `width` characters, broken between words (a longer word stays whole)."""
    lines: List[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines or [""]


def _pathway_marker(place: str, cx: float, cy: float) -> str:
    fill, stroke, dashes, _ = PATHWAY_STYLE[place]
    box = f'<rect x="{cx - 7:g}" y="{cy - 7:g}" width="14" height="14" rx="7" fill="{fill}" stroke="{stroke}" ' \
          f'stroke-width="1.5"{dashes}/>'
    if place == "done":  # a tick
        return box + f'<path d="M{cx - 4:g} {cy:g} l3 3 l5 -6" fill="none" stroke="#ffffff" stroke-width="2"/>'
    if place == "next":  # an arrow head
        return box + f'<path d="M{cx - 2:g} {cy - 4:g} l5 4 l-5 4 z" fill="#ffffff"/>'
    return box


def workup_picture(result: WorkupResult, titles: Mapping[str, str]) -> Optional[Picture]:
    """The workup steps in pathway order, each marked done / next / later; `titles` gives each step's label (its
    title from the knowledge base). None when no step has a label."""
    steps = [(step, titles[step.id]) for step in result.steps if step.id in titles and step.status in PATHWAY_PLACE]
    if not steps:
        return None
    places = [(PATHWAY_PLACE[step.status], title) for step, title in steps]
    # the alt text (and Slack's text form): the steps of each place in pathway order ("; " between steps: a
    # title may hold commas)
    alt = "Workup pathway. " + " ".join(
        f"{word}: " + "; ".join(title for place, title in places if place == key) + "."
        for key, word in PATHWAY_LEGEND if any(place == key for place, _ in places))
    body: List[str] = []
    # the legend
    x = 0
    for key, word in PATHWAY_LEGEND:
        body.append(_pathway_marker(key, x + 8, 9))
        body.append(f'<text x="{x + 20}" y="13" font-size="11" fill="{INK}">{word}</text>')
        x += 70
    y = 30
    centres: List[float] = []
    rows: List[str] = []
    for (step, _), (place, title) in zip(steps, places):
        lines = _wrap(title, PATHWAY_CHARS)
        height = max(22, len(lines) * PATHWAY_LINE + 8)
        cy = y + 11
        centres.append(cy)
        colour = PATHWAY_STYLE[place][3]
        weight = ' font-weight="bold"' if place == "next" else ""
        rows.append(f'<g class="ng-step" data-step="{escape(step.id)}" data-place="{place}">'
                    + _pathway_marker(place, 12, cy)
                    + "".join(f'<text x="28" y="{cy + 4 + i * PATHWAY_LINE:g}" font-size="11" fill="{colour}"{weight}>'
                              f'{escape(line)}</text>' for i, line in enumerate(lines))
                    + "</g>")
        y += height
    if len(centres) > 1:  # the pathway: one line through the markers, drawn under them
        body.append(f'<path d="M12 {centres[0]:g} V{centres[-1]:g}" fill="none" stroke="#999999" stroke-width="2"/>')
    body.extend(rows)
    return Picture(kind="workup_pathway", alt=alt, svg=_svg("workup_pathway", alt, y, body))
