"""AJCC 8th edition TNM staging of well-differentiated GEP NETs (clinical_facts.md F3, section 9).

The site tables below are data, written the way the AJCC 8 chapters print them (as reprinted
by NCI PDQ, sources S97/S98). The functions only read the tables.

Never guess: when an input that the T, N or M rule needs is missing, every value it could take
is tried. A category (or stage group) is reported only when all of them agree; otherwise it is
left None and the missing input is listed in `StageResult.missing` (Case field names).
One stated exception: in the jejunum/ileum chapter, 1-11 positive nodes with no mesenteric mass
mentioned give N1 with the flag `n1_assumes_no_mesenteric_mass` (the mass stays listed as missing);
N1 and N2 share every stage group, so the stage group never rests on that assumption.

Outcomes worth knowing:
- `staged=False`: NEC/MiNEN (carcinoma system of the site), lung (lung TNM), thymus (no GEP-NET
  chapter), and NET of unknown primary without distant metastases (no group possible).
- `staged=True` with `stage_group=None`: staging is possible but inputs are missing.
- Site unknown (NET-CUP): T = TX, chapter None; M1 gives stage IV with the M subcategory.
- Site not given (None): listed as missing; if M1 is known, stage IV is still given, with the
  flag `site_unknown_m1`, because every GEP-NET chapter puts any M1 in stage IV.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import product
from typing import Dict, FrozenSet, Iterable, List, Optional, Sequence, Tuple

from bot.models import (
    Case,
    Differentiation,
    FieldValue,
    Flag,
    Invasion,
    MetastaticSite,
    ReviewStatus,
    Site,
    StageResult,
    TraceLine,
    WhatIf,
)

# --------------------------------------------------------------------------------------------
# Table building blocks
# --------------------------------------------------------------------------------------------

T_ORDER: Tuple[str, ...] = ("TX", "T0", "T1", "T2", "T3", "T4")
N_ORDER: Tuple[str, ...] = ("N0", "N1", "N2")
M_ORDER: Tuple[str, ...] = ("M0", "M1a", "M1b", "M1c")
_GROUP_ORDER: Tuple[str, ...] = ("I", "II", "IIA", "IIB", "III", "IIIA", "IIIB", "IV")
M1_CATEGORIES: FrozenSet[str] = frozenset({"M1a", "M1b", "M1c"})
T1_TO_T4: FrozenSet[str] = frozenset({"T1", "T2", "T3", "T4"})
ANY = None  # in a stage row: any category, including an unknown one


@dataclass(frozen=True)
class SizeRange:
    """Greatest tumour dimension in cm, bounds as printed (gt: '>', le: '≤' ...)."""

    gt: Optional[float] = None
    ge: Optional[float] = None
    lt: Optional[float] = None
    le: Optional[float] = None

    def contains(self, size_cm: float) -> bool:
        return (
            (self.gt is None or size_cm > self.gt)
            and (self.ge is None or size_cm >= self.ge)
            and (self.lt is None or size_cm < self.lt)
            and (self.le is None or size_cm <= self.le)
        )

    def bounds(self) -> Tuple[float, ...]:
        return tuple(b for b in (self.gt, self.ge, self.lt, self.le) if b is not None)


@dataclass(frozen=True)
class Condition:
    """One way to meet a T definition: an invasion depth and/or a size (None = not required)."""

    invasion: Optional[FrozenSet[Invasion]] = None
    size: Optional[SizeRange] = None

    def holds(self, size_cm: float, invasion: Invasion) -> bool:
        return (self.invasion is None or invasion in self.invasion) and (
            self.size is None or self.size.contains(size_cm)
        )


@dataclass(frozen=True)
class TRow:
    """One T row. The AJCC 8 row's words are a comment beside it, for review against the book; answers say the
    phrase t.<table key>.<T> of knowledge/computed/staging.yml."""

    category: str
    any_of: Tuple[Condition, ...]


@dataclass(frozen=True)
class TTable:
    """T definitions of one site, highest T first: the first row that holds gives T."""

    rule_id: str
    # the invasion values this chapter defines, with the chapter's words as comments beside them for review
    # (answers say the phrase invasion.<table key>.<value> of knowledge/computed/staging.yml)
    invasions: Tuple[Invasion, ...]
    rows: Tuple[TRow, ...]

    @property
    def key(self) -> str:
        """'PANCREAS' for AJCC8-PANCREAS-T: names the table's phrases in staging.yml."""
        return self.rule_id[len("AJCC8-"):-len("-T")]

    def cutoffs(self) -> Tuple[float, ...]:
        bounds = {b for row in self.rows for c in row.any_of if c.size for b in c.size.bounds()}
        return tuple(sorted(bounds))


@dataclass(frozen=True)
class StageRow:
    group: str
    t: Optional[FrozenSet[str]]  # ANY (None) = any T
    n: Optional[FrozenSet[str]]
    m: Optional[FrozenSet[str]]

    def matches(self, t: Optional[str], n: Optional[str], m: Optional[str]) -> bool:
        return all(allowed is ANY or value in allowed for allowed, value in ((self.t, t), (self.n, n), (self.m, m)))


def _inv(*values: Invasion) -> FrozenSet[Invasion]:
    return frozenset(values)


def _row(group: str, t: Iterable[str], n: Iterable[str]) -> StageRow:
    return StageRow(group, frozenset(t), frozenset(n), frozenset({"M0"}))


Inv = Invasion  # short alias for the tables only

# Any M1 is stage IV whatever T and N, in every AJCC 8 GEP-NET chapter (F3.2, F3.9). One row,
# shared by all chapters and by the unknown-primary rule.
M1_STAGE_IV_ROW = StageRow("IV", ANY, ANY, M1_CATEGORIES)
M1_STAGE_IV_RULE = "AJCC8-M1-STAGE-IV"
NX_RULE = "AJCC8-NX"

# --------------------------------------------------------------------------------------------
# T tables (F3.3 - F3.8)
# --------------------------------------------------------------------------------------------

_LUMINAL_INVASIONS: Tuple[Invasion, ...] = (
    Inv.confined,  # lamina propria or submucosa
    Inv.muscularis_propria,  # into the muscularis propria
    Inv.subserosa,  # through the muscularis propria into the subserosa
    Inv.serosa_or_adjacent_organs,  # into the serosa (visceral peritoneum) or other organs
)


def _luminal_t_rows() -> Tuple[TRow, ...]:
    """Stomach and jejunum/ileum share the same T wording and the 1 cm cut-off."""
    return (
        # T4: invades the serosa or other organs/adjacent structures
        TRow("T4", (Condition(_inv(Inv.serosa_or_adjacent_organs)),)),
        # T3: through the muscularis propria into the subserosa, serosa intact
        TRow("T3", (Condition(_inv(Inv.subserosa)),)),
        # T2: invades the muscularis propria or > 1 cm
        TRow("T2", (Condition(_inv(Inv.muscularis_propria)), Condition(size=SizeRange(gt=1.0)))),
        # T1: lamina propria or submucosa and ≤ 1 cm
        TRow("T1", (Condition(_inv(Inv.confined), SizeRange(le=1.0)),)),
    )


STOMACH_T = TTable("AJCC8-STOMACH-T", _LUMINAL_INVASIONS, _luminal_t_rows())

JEJUNUM_ILEUM_T = TTable("AJCC8-JEJUNUM-ILEUM-T", _LUMINAL_INVASIONS, _luminal_t_rows())

DUODENUM_T = TTable(
    "AJCC8-DUODENUM-T",
    (
        Inv.confined,  # mucosa or submucosa only
        Inv.muscularis_propria,  # into the muscularis propria
        Inv.pancreas_or_peripancreatic,  # into the pancreas or peripancreatic adipose tissue
        Inv.serosa_or_adjacent_organs,  # into the serosa (visceral peritoneum) or other organs
    ),
    (
        # T4: invades the serosa or other organs
        TRow("T4", (Condition(_inv(Inv.serosa_or_adjacent_organs)),)),
        # T3: invades the pancreas or peripancreatic adipose tissue
        TRow("T3", (Condition(_inv(Inv.pancreas_or_peripancreatic)),)),
        # "> 1 cm" as in the AJCC text (S97); PathologyOutlines' "≥ 1 cm" is a transcription error.
        # T2: invades the muscularis propria or > 1 cm
        TRow("T2", (Condition(_inv(Inv.muscularis_propria)), Condition(size=SizeRange(gt=1.0)))),
        # T1: mucosa or submucosa only and ≤ 1 cm
        TRow("T1", (Condition(_inv(Inv.confined), SizeRange(le=1.0)),)),
    ),
)

AMPULLA_T = TTable(
    "AJCC8-AMPULLA-T",
    (
        Inv.confined,  # confined within the sphincter of Oddi
        Inv.muscularis_propria,  # through the sphincter of Oddi into the duodenal submucosa or muscularis propria
        Inv.pancreas_or_peripancreatic,  # into the pancreas or peripancreatic adipose tissue
        Inv.serosa_or_adjacent_organs,  # into the serosa (visceral peritoneum) or other organs
    ),
    (
        # T4: invades the serosa or other organs
        TRow("T4", (Condition(_inv(Inv.serosa_or_adjacent_organs)),)),
        # T3: invades the pancreas or peripancreatic adipose tissue
        TRow("T3", (Condition(_inv(Inv.pancreas_or_peripancreatic)),)),
        # T2: through the sphincter into the duodenal submucosa or muscularis propria, or > 1 cm
        TRow("T2", (Condition(_inv(Inv.muscularis_propria)), Condition(size=SizeRange(gt=1.0)))),
        # T1: ≤ 1 cm and confined within the sphincter of Oddi
        TRow("T1", (Condition(_inv(Inv.confined), SizeRange(le=1.0)),)),
    ),
)

APPENDIX_T = TTable(
    "AJCC8-APPENDIX-T",
    (
        Inv.confined,  # lamina propria or submucosa
        Inv.muscularis_propria,  # into the muscularis propria
        Inv.subserosa,  # into the subserosa or the mesoappendix
        Inv.serosa_or_adjacent_organs,  # perforating the peritoneum or invading adjacent organs or structures
    ),
    (
        # T4: perforates the peritoneum or directly invades adjacent organs or structures
        TRow("T4", (Condition(_inv(Inv.serosa_or_adjacent_organs)),)),
        # T3: > 4 cm, or subserosal invasion, or involvement of the mesoappendix
        TRow("T3", (Condition(_inv(Inv.subserosa)), Condition(size=SizeRange(gt=4.0)))),
        # T2: > 2 cm but ≤ 4 cm
        TRow("T2", (Condition(size=SizeRange(gt=2.0, le=4.0)),)),
        # T1: ≤ 2 cm
        TRow("T1", (Condition(size=SizeRange(le=2.0)),)),
    ),
)

COLORECTUM_T = TTable(
    "AJCC8-COLORECTUM-T",
    (
        Inv.confined,  # lamina propria or submucosa
        Inv.muscularis_propria,  # into the muscularis propria
        Inv.subserosa,  # through the muscularis propria into the subserosa or non-peritonealised pericolic/perirectal tissue
        Inv.serosa_or_adjacent_organs,  # into the visceral peritoneum or other organs
    ),
    (
        # T4: invades the visceral peritoneum or other organs
        TRow("T4", (Condition(_inv(Inv.serosa_or_adjacent_organs)),)),
        # T3: through the muscularis propria into the subserosa or non-peritonealised tissue
        TRow("T3", (Condition(_inv(Inv.subserosa)),)),
        # T2: invades the muscularis propria, or > 2 cm with lamina propria/submucosal invasion
        TRow("T2", (Condition(_inv(Inv.muscularis_propria)), Condition(_inv(Inv.confined), SizeRange(gt=2.0)))),
        # T1: lamina propria or submucosa and ≤ 2 cm
        TRow("T1", (Condition(_inv(Inv.confined), SizeRange(le=2.0)),)),
    ),
)

_LIMITED_TO_PANCREAS = _inv(Inv.confined, Inv.pancreas_or_peripancreatic)

PANCREAS_T = TTable(
    "AJCC8-PANCREAS-T",
    (
        Inv.confined,  # limited to the pancreas
        # S98: extension into peripancreatic adipose tissue is not a basis for staging.
        Inv.pancreas_or_peripancreatic,  # peripancreatic fat only, which AJCC 8 does not use for staging (limited to the pancreas)
        Inv.duodenum_or_bile_duct,  # invading the duodenum or common bile duct
        Inv.serosa_or_adjacent_organs,  # invading adjacent organs or the wall of large vessels
    ),
    (
        # T4: invades adjacent structures (stomach, spleen, colon, adrenal) or the wall of large vessels
        TRow("T4", (Condition(_inv(Inv.serosa_or_adjacent_organs)),)),
        # T3: limited to the pancreas and > 4 cm, or invades the duodenum or common bile duct
        TRow("T3", (Condition(_inv(Inv.duodenum_or_bile_duct)), Condition(_LIMITED_TO_PANCREAS, SizeRange(gt=4.0)))),
        # T1 is "< 2 cm" (S98): 2.0 cm is T2. UICC words T1 as "≤ 2 cm" (flagged, not applied).
        # T2: limited to the pancreas, 2-4 cm
        TRow("T2", (Condition(_LIMITED_TO_PANCREAS, SizeRange(ge=2.0, le=4.0)),)),
        # T1: limited to the pancreas, < 2 cm
        TRow("T1", (Condition(_LIMITED_TO_PANCREAS, SizeRange(lt=2.0)),)),
    ),
)

T_TABLES: Dict[Site, TTable] = {
    Site.stomach: STOMACH_T,
    Site.duodenum: DUODENUM_T,
    Site.ampulla: AMPULLA_T,
    Site.jejunum_ileum: JEJUNUM_ILEUM_T,
    Site.appendix: APPENDIX_T,
    Site.colon: COLORECTUM_T,
    Site.rectum: COLORECTUM_T,
    Site.pancreas: PANCREAS_T,
}

# --------------------------------------------------------------------------------------------
# Chapters: N categories and stage groups (F3.3 - F3.8, all VERIFIED against S97/S98)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Chapter:
    name: str  # the public `chapter` string
    key: str  # used in rule ids
    n_categories: Tuple[str, ...]
    stage_rows: Tuple[StageRow, ...]  # M0 rows; M1_STAGE_IV_ROW is added for every chapter

    @property
    def n_rule_id(self) -> str:
        return f"AJCC8-{self.key}-N"

    @property
    def group_rule_id(self) -> str:
        return f"AJCC8-{self.key}-GROUP"


# Stomach, duodenum/ampulla, appendix and pancreas share one grouping pattern:
# I T1N0; II T2-T3 N0; III T4N0 or any T N1; IV any M1.
_I_II_III_ROWS: Tuple[StageRow, ...] = (
    _row("I", {"T1"}, {"N0"}),
    _row("II", {"T2", "T3"}, {"N0"}),
    _row("III", {"T4"}, {"N0"}),
    _row("III", T1_TO_T4, {"N1"}),
)

STOMACH = Chapter("AJCC 8 stomach", "STOMACH", ("N0", "N1"), _I_II_III_ROWS)
DUODENUM_AMPULLA = Chapter("AJCC 8 duodenum/ampulla", "DUODENUM-AMPULLA", ("N0", "N1"), _I_II_III_ROWS)
JEJUNUM_ILEUM = Chapter(
    "AJCC 8 jejunum/ileum",
    "JEJUNUM-ILEUM",
    ("N0", "N1", "N2"),
    (
        _row("I", {"T1"}, {"N0"}),
        _row("II", {"T2", "T3"}, {"N0"}),
        _row("III", {"T4"}, {"N0"}),
        _row("III", T1_TO_T4, {"N1", "N2"}),
    ),
)
APPENDIX = Chapter("AJCC 8 appendix", "APPENDIX", ("N0", "N1"), _I_II_III_ROWS)
COLORECTUM = Chapter(
    "AJCC 8 colon/rectum",
    "COLORECTUM",
    ("N0", "N1"),
    (
        _row("I", {"T1"}, {"N0"}),
        _row("IIA", {"T2"}, {"N0"}),
        _row("IIB", {"T3"}, {"N0"}),
        _row("IIIA", {"T4"}, {"N0"}),
        _row("IIIB", T1_TO_T4, {"N1"}),
    ),
)
PANCREAS = Chapter("AJCC 8 pancreas", "PANCREAS", ("N0", "N1"), _I_II_III_ROWS)

CHAPTERS: Dict[str, Chapter] = {
    c.name: c for c in (STOMACH, DUODENUM_AMPULLA, JEJUNUM_ILEUM, APPENDIX, COLORECTUM, PANCREAS)
}

SITE_CHAPTER: Dict[Site, Chapter] = {
    Site.stomach: STOMACH,
    Site.duodenum: DUODENUM_AMPULLA,
    Site.ampulla: DUODENUM_AMPULLA,
    Site.jejunum_ileum: JEJUNUM_ILEUM,
    Site.appendix: APPENDIX,
    Site.colon: COLORECTUM,
    Site.rectum: COLORECTUM,
    Site.pancreas: PANCREAS,
}

def chapter_key(name: Optional[str]) -> Optional[str]:
    """The key of a `StageResult.chapter` ('AJCC 8 pancreas' -> 'PANCREAS'); None without a chapter."""
    return CHAPTERS[name].key if name is not None else None


# What stage() can emit, with the fields it fills: knowledge/computed/staging.yml has a template for each (`kb
# check` fails otherwise). Trace line ids (under `trace`), flag codes (under `flags`), the phrases that fill
# {definition}, {invasion} and {shallowest} (under `phrases`: the chapter's own T and invasion words), and rule
# ids (under `rules`: the statements that back the rule itself).
_NONE: FrozenSet[str] = frozenset()
_T_GIVEN = frozenset({"size", "invasion"})
_TNM = frozenset({"t", "n", "m"})
_T_LINES: Dict[str, FrozenSet[str]] = {
    "t.decided": _T_GIVEN | {"t", "definition"},
    "t.undetermined": _T_GIVEN | {"possible", "needs"},
    "t.assumed_shallowest": frozenset({"size", "t", "definition", "shallowest", "deeper"}),
}
_N_LINES: Dict[str, FrozenSet[str]] = {
    "n.decided": frozenset({"given", "n"}),
    "n.undetermined": frozenset({"given", "possible", "needs"}),
    "n.contradictory": frozenset({"given"}),
    "n.assumed_n1": frozenset({"given"}),
}
TRACE_TEMPLATES: Dict[str, FrozenSet[str]] = {
    **_T_LINES,
    **{f"{line}.as_stated": fields | {"stated"} for line, fields in _T_LINES.items() if line != "t.decided"},
    **_N_LINES,
    **{f"{line}.as_stated": fields | {"stated"} for line, fields in _N_LINES.items() if line != "n.decided"},
    "n.not_assessed": _NONE,
    "m.not_stated": _NONE,
    "m.M0": _NONE,
    "m.M1a": _NONE,
    "m.M1b": frozenset({"sites"}),
    "m.M1c": frozenset({"sites"}),
    "group.stage_iv": frozenset({"m"}),
    "group.stage_iv.any_chapter": frozenset({"m"}),
    "group.assigned": _TNM | {"group", "chapter"},
    "group.not_assigned": _TNM,
    "group.not_assigned.possible": _TNM | {"groups"},
    "nec.not_staged": _NONE,
    "lung.nec": _NONE,
    "lung.tnm": _NONE,
    "thymus.not_gep": _NONE,
    "cup.tx": _NONE,
    "site_needed": _NONE,
    "cup.m0_no_group": _NONE,
}
FLAG_TEMPLATES: Dict[str, FrozenSet[str]] = {
    "invasion_not_in_chapter": frozenset({"invasion_code", "chapter"}),
    "t_assumes_no_deeper_invasion": frozenset({"t", "shallowest", "deeper"}),
    "stated_t_differs": frozenset({"stated", "t"}),
    "t_as_stated": frozenset({"stated"}),
    "pancreas_t1_cutoff": frozenset({"size"}),
    "duodenum_t2_cutoff": _NONE,
    "colorectal_t1_subcategory": _NONE,
    "inconsistent_nodes": frozenset({"given"}),
    "n1_assumes_no_mesenteric_mass": _NONE,
    "n_as_stated": frozenset({"stated"}),
    "site_unknown_m1": _NONE,
    "differentiation_not_given": _NONE,
}
PHRASE_TEMPLATES: Dict[str, FrozenSet[str]] = {
    "invasion.not_given": _NONE,
    **{f"t.{table.key}.{row.category}": _NONE for table in T_TABLES.values() for row in table.rows},
    **{f"invasion.{table.key}.{inv.value}": _NONE for table in T_TABLES.values() for inv in table.invasions},
}
PHRASE_FIELDS = frozenset({"definition", "invasion", "shallowest"})
# Under `what_ifs`: the change a what-if makes (`size`: the size it tries), and the words of its result
# (result.stage: the stage group it gives; result.no_group: none assigned).
WHAT_IF_TEMPLATES: Dict[str, FrozenSet[str]] = {
    **{f"metastases.{change}": _NONE for change in ("none", "liver_present", "liver", "bone", "also_liver", "also_bone")},
    "nodes.positive": _NONE,
    "invasion.serosa_or_adjacent_organs": _NONE,
    "size": frozenset({"size"}),
    "result.stage": frozenset({"group"}),
    "result.no_group": _NONE,
}
RULE_TEMPLATES: Dict[str, FrozenSet[str]] = {
    **{table.rule_id: _NONE for table in T_TABLES.values()},
    **{rule: _NONE for c in CHAPTERS.values() for rule in (c.n_rule_id, c.group_rule_id)},
    **{rule: _NONE for rule in ("AJCC8-NX", "AJCC8-M0", "AJCC8-M1A", "AJCC8-M1B", "AJCC8-M1C", "AJCC8-M-UNKNOWN",
                                M1_STAGE_IV_RULE, "AJCC8-NEC-NOT-STAGED", "LUNG-TNM", "THYMUS-NOT-GEP", "AJCC8-CUP-TX",
                                "AJCC8-SITE-NEEDED", "AJCC8-CUP-M0-NO-GROUP")},
}

# Rules that rest on FROM MEMORY facts; a result that uses one is under_review. Empty today:
# every rule in this module is backed by a VERIFIED fact in clinical_facts.md.
UNDER_REVIEW_RULES: FrozenSet[str] = frozenset()

# Order in which missing inputs are reported (Case field names).
_FIELD_ORDER: Tuple[str, ...] = (
    "site",
    "differentiation",
    "tumour_size_cm",
    "invasion",
    "nodes_positive",
    "positive_node_count",
    "bulky_mesenteric_mass",
    "metastatic_sites",
)

PANCREAS_T1_NEAR_CM = 0.1  # flag the AJCC/UICC wording difference this close to 2 cm
WHAT_IF_NEAR_CUTOFF_CM = 0.2  # offer a size what-if this close to a cut-off
WHAT_IF_SIZE_STEP_CM = 0.1

# --------------------------------------------------------------------------------------------
# Small findings: one category with how it was reached
# --------------------------------------------------------------------------------------------


@dataclass
class Finding:
    """A category with the values it could still take, and why (a trace line: template id and values)."""

    possible: FrozenSet[str]
    rule_id: str
    line: str
    values: Dict[str, FieldValue] = field(default_factory=dict)
    missing: List[str] = field(default_factory=list)
    flags: List[Flag] = field(default_factory=list)

    @property
    def value(self) -> Optional[str]:
        return next(iter(self.possible)) if len(self.possible) == 1 else None


def _within(size_cm: float, cutoff_cm: float, distance_cm: float) -> bool:
    return abs(size_cm - cutoff_cm) <= distance_cm + 1e-9  # 2.0 - 1.9 is 0.1000...09 in floats


# --------------------------------------------------------------------------------------------
# T
# --------------------------------------------------------------------------------------------


def _t_for(table: TTable, size_cm: float, invasion: Invasion) -> str:
    for row in table.rows:
        if any(c.holds(size_cm, invasion) for c in row.any_of):
            return row.category
    raise ValueError(f"{table.rule_id}: no T row for {size_cm} cm, {invasion}")  # table gap = bug


def _sizes_to_try(table: TTable) -> Tuple[float, ...]:
    """One size in every interval the cut-offs create, and each cut-off itself."""
    eps = 1e-3
    sizes = {0.01, 100.0}
    for c in table.cutoffs():
        sizes.update({c - eps, c, c + eps})
    return tuple(sorted(sizes))


def possible_t_categories(site: Site, size_cm: Optional[float], invasion: Optional[Invasion]) -> FrozenSet[str]:
    """Every T the tumour could have, given what is known (missing inputs take every value)."""
    table = T_TABLES[site]
    sizes = (size_cm,) if size_cm is not None else _sizes_to_try(table)
    invasions = (invasion,) if invasion in table.invasions else tuple(table.invasions)
    return frozenset(_t_for(table, s, i) for s, i in product(sizes, invasions))


def t_category(site: Site, size_cm: Optional[float], invasion: Optional[Invasion]) -> Optional[str]:
    """AJCC 8 T for a known GEP site, or None when the known inputs do not decide it."""
    possible = possible_t_categories(site, size_cm, invasion)
    return next(iter(possible)) if len(possible) == 1 else None


def _t_finding(site: Site, size_cm: Optional[float], invasion: Optional[Invasion]) -> Finding:
    table = T_TABLES[site]
    if invasion is Invasion.pancreas_or_peripancreatic and invasion not in table.invasions \
            and Invasion.serosa_or_adjacent_organs in table.invasions:
        # a gastric, intestinal or appendiceal NET growing into the pancreas has reached another organ (T4)
        invasion = Invasion.serosa_or_adjacent_organs
    usable_invasion = invasion if invasion in table.invasions else None
    possible = possible_t_categories(site, size_cm, usable_invasion)
    flags: List[Flag] = []
    if invasion is not None and usable_invasion is None:
        flags.append(Flag(code="invasion_not_in_chapter",
                          values={"invasion_code": invasion.value, "chapter": SITE_CHAPTER[site].key}))

    # An input is missing only if it could change T.
    missing: List[str] = []
    if len(possible) > 1:
        if size_cm is None and any(
            len(possible_t_categories(site, None, i)) > 1 for i in _invasions_for(table, usable_invasion)
        ):
            missing.append("tumour_size_cm")
        if usable_invasion is None and any(
            len(possible_t_categories(site, s, None)) > 1 for s in _sizes_for(table, size_cm)
        ):
            missing.append("invasion")

    given: Dict[str, FieldValue] = {
        "size": size_cm,
        "invasion": f"invasion.{table.key}.{usable_invasion.value}" if usable_invasion else "invasion.not_given",
    }
    if len(possible) > 1 and size_cm is not None and usable_invasion is None and Invasion.confined in table.invasions:
        # The size fixes T unless an unreported deeper invasion raises it: give that T under the stated
        # assumption (no invasion beyond the shallowest layer), keep "invasion" missing so it is asked for.
        assumed = possible_t_categories(site, size_cm, Invasion.confined)
        if len(assumed) == 1:
            t = next(iter(assumed))
            deeper = sorted(possible - assumed, key=T_ORDER.index)
            shallowest = f"invasion.{table.key}.{Invasion.confined.value}"
            flags.append(Flag(code="t_assumes_no_deeper_invasion",
                              values={"t": t, "shallowest": shallowest, "deeper": deeper}))
            values = {"size": size_cm, "t": t, "definition": f"t.{table.key}.{t}", "shallowest": shallowest,
                      "deeper": deeper}
            return Finding(frozenset(assumed), table.rule_id, "t.assumed_shallowest", values,
                           missing or ["invasion"], flags)
    if len(possible) == 1:
        t = next(iter(possible))
        return Finding(possible, table.rule_id, "t.decided", {**given, "t": t, "definition": f"t.{table.key}.{t}"},
                       missing, flags)
    values = {**given, "possible": sorted(possible, key=T_ORDER.index), "needs": missing}
    return Finding(possible, table.rule_id, "t.undetermined", values, missing, flags)


def _invasions_for(table: TTable, invasion: Optional[Invasion]) -> Tuple[Invasion, ...]:
    return (invasion,) if invasion is not None else tuple(table.invasions)


def _sizes_for(table: TTable, size_cm: Optional[float]) -> Tuple[float, ...]:
    return (size_cm,) if size_cm is not None else _sizes_to_try(table)


def _with_stated_t(t: Finding, stated: Optional[str]) -> Finding:
    """A T stated by the report ("pT3") decides T when the values given leave it open or only assumed, and only
    if the values allow it; a computed T that differs from the stated one is kept and the difference flagged."""
    if stated is None:
        return t
    assumed = any(f.code == "t_assumes_no_deeper_invasion" for f in t.flags)
    if t.value is not None and not assumed:
        if t.value == stated:
            return t
        return Finding(t.possible, t.rule_id, t.line, t.values, t.missing, t.flags + [Flag(
            code="stated_t_differs", values={"stated": stated, "t": t.value})])
    if stated not in t.possible and not assumed:
        return t
    flags = [f for f in t.flags if f.code != "t_assumes_no_deeper_invasion"]
    flags.append(Flag(code="t_as_stated", values={"stated": stated}))
    return Finding(frozenset({stated}), t.rule_id, f"{t.line}.as_stated", {**t.values, "stated": stated},
                   [m for m in t.missing if m not in ("invasion", "tumour_size_cm")], flags)


def _t_boundary_flags(site: Site, size_cm: Optional[float], possible_t: FrozenSet[str]) -> List[Flag]:
    """Where sources word a size cut-off differently (clinical_facts.md section 8, item 6)."""
    flags: List[Flag] = []
    if size_cm is None:
        return flags
    if site is Site.pancreas and _within(size_cm, 2.0, PANCREAS_T1_NEAR_CM) and possible_t & {"T1", "T2"}:
        flags.append(Flag(code="pancreas_t1_cutoff", values={"size": size_cm}))
    if site in (Site.duodenum, Site.ampulla) and size_cm == 1.0 and possible_t & {"T1", "T2"}:
        flags.append(Flag(code="duodenum_t2_cutoff"))
    if site in (Site.colon, Site.rectum) and possible_t == {"T1"}:
        flags.append(Flag(code="colorectal_t1_subcategory"))
    return flags


# --------------------------------------------------------------------------------------------
# N
# --------------------------------------------------------------------------------------------

_COUNT_BUCKETS: Tuple[str, ...] = ("none", "1-11", "12+")


def _count_bucket(count: int) -> str:
    return "none" if count == 0 else ("1-11" if count < 12 else "12+")


def _n_for_world(chapter: Chapter, bucket: str, bulky: bool) -> str:
    """N in one fully known situation. N2 exists only in the jejunum/ileum chapter."""
    if "N2" in chapter.n_categories and (bucket == "12+" or bulky):
        return "N2"
    return "N0" if bucket == "none" and not bulky else "N1"


def _n_worlds(chapter: Chapter, case: Case) -> FrozenSet[str]:
    """Every N consistent with the nodal inputs; empty when the inputs contradict each other."""
    uses_mass = "N2" in chapter.n_categories
    buckets = (_count_bucket(case.positive_node_count),) if case.positive_node_count is not None else _COUNT_BUCKETS
    if uses_mass:
        bulkies: Tuple[bool, ...] = (case.bulky_mesenteric_mass,) if case.bulky_mesenteric_mass is not None else (False, True)
    else:
        bulkies = (False,)  # a mesenteric mass is an N criterion only for the jejunum/ileum
    result = set()
    for bucket, bulky in product(buckets, bulkies):
        positive = bucket != "none" or bulky
        if case.nodes_positive is not None and positive != case.nodes_positive:
            continue
        result.add(_n_for_world(chapter, bucket, bulky))
    return frozenset(result)


def n_category(site: Site, case: Case) -> Optional[str]:
    """AJCC 8 N for a known GEP site as stage() reports it (including the stated N1 assumption when a
    jejunal/ileal mesenteric mass is not mentioned), or None when not decided (or inputs contradict)."""
    return _n_finding(SITE_CHAPTER[site], case).value


_N_INPUT_VALUES: Tuple[Tuple[str, Tuple[object, ...]], ...] = (
    ("nodes_positive", (False, True)),
    ("positive_node_count", (0, 1, 12)),  # one count per N bucket
    ("bulky_mesenteric_mass", (False, True)),
)


def _n_inputs_that_matter(chapter: Chapter, case: Case, possible: FrozenSet[str]) -> List[str]:
    """Unknown nodal inputs whose value would narrow N down."""
    matter: List[str] = []
    for name, values in _N_INPUT_VALUES:
        if getattr(case, name) is not None:
            continue
        if name == "bulky_mesenteric_mass" and "N2" not in chapter.n_categories:
            continue
        outcomes = {_n_worlds(chapter, case.model_copy(update={name: v})) for v in values}
        if any(o and o != possible for o in outcomes):  # empty = contradictory value, ignore
            matter.append(name)
    # Outside the jejunum/ileum, the node status alone settles N; the count is only an alternative.
    if "N2" not in chapter.n_categories and "nodes_positive" in matter:
        matter = [m for m in matter if m != "positive_node_count"]
    return matter


def _n_finding(chapter: Chapter, case: Case) -> Finding:
    if case.nodes_assessed is False and case.nodes_positive is None and case.positive_node_count is None \
            and case.bulky_mesenteric_mass is None:
        # "no lymph nodes in the specimen": not assessed, which is not the same as not stated (never asked again)
        return Finding(frozenset({"NX"}), NX_RULE, "n.not_assessed")
    possible = _n_worlds(chapter, case)
    uses_mass = "N2" in chapter.n_categories
    flags: List[Flag] = []
    missing: List[str] = []

    # what was given, as codes (bot/result_wording.py says them)
    given: List[str] = []
    if case.nodes_positive is not None:
        given.append("nodes.positive" if case.nodes_positive else "nodes.negative")
    if case.positive_node_count is not None:
        count = case.positive_node_count
        band = (".lt12" if count < 12 else ".ge12") if uses_mass and count > 0 else ""
        given.append(f"count{band}:{count}")
    if uses_mass and case.bulky_mesenteric_mass is not None:
        given.append("mass.present" if case.bulky_mesenteric_mass else "mass.absent")
    values: Dict[str, FieldValue] = {"given": given}

    if not possible:
        flags.append(Flag(code="inconsistent_nodes", values={"given": given}))
        possible = frozenset(chapter.n_categories)
        missing.append("nodes_positive")
        line = "n.contradictory"
    elif len(possible) == 1:
        line = "n.decided"
        values["n"] = next(iter(possible))
    elif _n_without_unstated_mass(chapter, case) == {"N1"}:
        # A mesenteric mass > 2 cm is a finding a report would state: 1-11 positive nodes with no mass
        # mentioned are read as N1, the assumption is said, and the mass is still asked for. N1 and N2
        # share every stage group, so the assumption never changes the stage.
        possible = frozenset({"N1"})
        missing = ["bulky_mesenteric_mass"]
        flags.append(Flag(code="n1_assumes_no_mesenteric_mass"))
        line = "n.assumed_n1"
    else:
        missing = _n_inputs_that_matter(chapter, case, possible)
        line = "n.undetermined"
        values.update({"possible": sorted(possible, key=N_ORDER.index), "needs": missing})
    return _with_stated_n(Finding(possible, chapter.n_rule_id, line, values, missing, flags), case.stated_n)


def _with_stated_n(n: Finding, stated: Optional[str]) -> Finding:
    """An N the report states ("pN2") decides N when the nodal values given leave it open or only assumed, and
    only if they allow it (as for T: a stated category never overrides a computed one)."""
    assumed = any(f.code == "n1_assumes_no_mesenteric_mass" for f in n.flags)
    if stated is None or stated not in n.possible and not assumed or n.value is not None and not assumed:
        return n
    flags = [f for f in n.flags if f.code not in ("n1_assumes_no_mesenteric_mass", "inconsistent_nodes")]
    flags.append(Flag(code="n_as_stated", values={"stated": stated}))
    return Finding(frozenset({stated}), n.rule_id, f"{n.line}.as_stated", {**n.values, "stated": stated}, [], flags)


def _n_without_unstated_mass(chapter: Chapter, case: Case) -> FrozenSet[str]:
    """N if an unstated mesenteric mass is read as absent (empty when the mass was stated, no count was
    given, or the chapter has no mass criterion)."""
    if "N2" not in chapter.n_categories or case.bulky_mesenteric_mass is not None or case.positive_node_count is None:
        return frozenset()
    return _n_worlds(chapter, case.model_copy(update={"bulky_mesenteric_mass": False}))


# --------------------------------------------------------------------------------------------
# M
# --------------------------------------------------------------------------------------------


def m_category(metastatic_sites: Optional[Sequence[MetastaticSite]]) -> Optional[str]:
    """M0 / M1a (liver only) / M1b (extrahepatic only) / M1c (both); None when not given."""
    if metastatic_sites is None:
        return None
    hepatic = MetastaticSite.liver in metastatic_sites
    extrahepatic = any(s is not MetastaticSite.liver for s in metastatic_sites)
    if hepatic and extrahepatic:
        return "M1c"
    if hepatic:
        return "M1a"
    if extrahepatic:
        return "M1b"
    return "M0"


_M_RULE_IDS = {"M0": "AJCC8-M0", "M1a": "AJCC8-M1A", "M1b": "AJCC8-M1B", "M1c": "AJCC8-M1C"}


def _m_finding(metastatic_sites: Optional[Sequence[MetastaticSite]]) -> Finding:
    m = m_category(metastatic_sites)
    if m is None:
        return Finding(frozenset(M_ORDER), "AJCC8-M-UNKNOWN", "m.not_stated", {}, ["metastatic_sites"])
    values: Dict[str, FieldValue] = {"sites": [s.value for s in metastatic_sites or ()]} if m in ("M1b", "M1c") else {}
    return Finding(frozenset({m}), _M_RULE_IDS[m], f"m.{m}", values)


# --------------------------------------------------------------------------------------------
# Stage group
# --------------------------------------------------------------------------------------------


def _rows_for(chapter: Optional[Chapter]) -> Tuple[StageRow, ...]:
    return (chapter.stage_rows if chapter else ()) + (M1_STAGE_IV_ROW,)


def stage_group(chapter: Optional[str], t: Optional[str], n: Optional[str], m: Optional[str]) -> Optional[str]:
    """Stage group from the chapter table (chapter = a `StageResult.chapter` string).

    Without a chapter (unknown primary), only the common rule applies: any M1 is stage IV.
    Returns None when no row matches (e.g. M0 with an unknown T, N or chapter).
    """
    table = _rows_for(CHAPTERS[chapter] if chapter is not None else None)
    return next((row.group for row in table if row.matches(t, n, m)), None)


def _possible_groups(chapter: Optional[Chapter], ts: Iterable[Optional[str]], ns: Iterable[Optional[str]],
                     ms: Iterable[str]) -> FrozenSet[Optional[str]]:
    name = chapter.name if chapter else None
    return frozenset(stage_group(name, t, n, m) for t, n, m in product(ts, ns, ms))


# --------------------------------------------------------------------------------------------
# stage()
# --------------------------------------------------------------------------------------------


class _Builder:
    """Collects rule ids and trace lines in step (same order), flags and missing inputs."""

    def __init__(self) -> None:
        self.rule_ids: List[str] = []
        self.trace: List[TraceLine] = []
        self.flags: List[Flag] = []
        self.missing: List[str] = []

    def step(self, rule_id: str, line: str, **values: FieldValue) -> None:
        assert set(values) == TRACE_TEMPLATES[line], (line, values)
        self.rule_ids.append(rule_id)
        self.trace.append(TraceLine(rule_id=rule_id, line=line, values=values))

    def add(self, finding: Finding) -> None:
        self.step(finding.rule_id, finding.line, **finding.values)
        for flag in finding.flags:
            self.flag(flag)
        self.need(*finding.missing)

    def flag(self, flag: Flag) -> None:
        assert set(flag.values) == FLAG_TEMPLATES[flag.template_id], (flag.template_id, flag.values)
        self.flags.append(flag)

    def need(self, *fields: str) -> None:
        for name in fields:
            if name not in self.missing:
                self.missing.append(name)

    def result(self, **values: object) -> StageResult:
        status = (ReviewStatus.under_review if UNDER_REVIEW_RULES.intersection(self.rule_ids)
                  else ReviewStatus.source_checked)
        return StageResult(
            rule_ids=self.rule_ids,
            trace=self.trace,
            flags=self.flags,
            missing=sorted(self.missing, key=_FIELD_ORDER.index),
            review_status=status,
            **values,
        )


def _differentiation_unknown(case: Case) -> bool:
    return case.differentiation in (None, Differentiation.unknown)


def _stage_nec(case: Case, b: _Builder) -> StageResult:
    b.step("AJCC8-NEC-NOT-STAGED", "nec.not_staged")
    if case.site is Site.lung:
        b.step("LUNG-TNM", "lung.nec")
    return b.result(staged=False)


def _stage_thoracic(case: Case, b: _Builder) -> StageResult:
    if case.site is Site.lung:
        b.step("LUNG-TNM", "lung.tnm")
    else:
        b.step("THYMUS-NOT-GEP", "thymus.not_gep")
    return b.result(staged=False)


def _stage_without_chapter(case: Case, b: _Builder) -> StageResult:
    """Unknown primary (NET-CUP) or site not given: only M can be staged."""
    t: Optional[str] = None
    if case.site is Site.unknown:
        t = "TX"
        b.step("AJCC8-CUP-TX", "cup.tx")
    else:
        b.step("AJCC8-SITE-NEEDED", "site_needed")
        b.need("site")

    m = _m_finding(case.metastatic_sites)
    b.add(m)
    if m.value in M1_CATEGORIES:
        b.step(M1_STAGE_IV_RULE, "group.stage_iv.any_chapter", m=m.value)
        if case.site is None:
            b.flag(Flag(code="site_unknown_m1"))
        return b.result(t=t, m=m.value, stage_group="IV")
    if m.value == "M0" and case.site is Site.unknown:
        b.step("AJCC8-CUP-M0-NO-GROUP", "cup.m0_no_group")
        return b.result(t=t, m="M0", staged=False)
    return b.result(t=t, m=m.value)


def _stage_gep_site(case: Case, site: Site, b: _Builder) -> StageResult:
    chapter = SITE_CHAPTER[site]
    t = _with_stated_t(_t_finding(site, case.tumour_size_cm, case.invasion), case.stated_t)
    b.add(t)
    for flag in _t_boundary_flags(site, case.tumour_size_cm, t.possible):
        b.flag(flag)
    n = _n_finding(chapter, case)
    b.add(n)
    m = _m_finding(case.metastatic_sites)
    b.add(m)

    groups = _possible_groups(chapter, t.possible, n.possible, m.possible)
    group = next(iter(groups)) if len(groups) == 1 else None
    tnm: Dict[str, FieldValue] = {"t": t.value, "n": n.value, "m": m.value}
    if m.value in M1_CATEGORIES:
        b.step(M1_STAGE_IV_RULE, "group.stage_iv", m=m.value)
    elif group is not None:
        b.step(chapter.group_rule_id, "group.assigned", **tnm, group=group, chapter=chapter.key)
    else:
        known = sorted((g for g in groups if g is not None), key=_GROUP_ORDER.index)
        if known:
            b.step(chapter.group_rule_id, "group.not_assigned.possible", **tnm, groups=known)
        else:
            b.step(chapter.group_rule_id, "group.not_assigned", **tnm)
    return b.result(chapter=chapter.name, t=t.value, n=n.value, m=m.value, stage_group=group)


def _stage_core(case: Case) -> StageResult:
    b = _Builder()
    if case.differentiation is Differentiation.poorly:
        return _stage_nec(case, b)
    if case.site in (Site.lung, Site.thymus):
        return _stage_thoracic(case, b)
    if _differentiation_unknown(case):
        b.need("differentiation")
        b.flag(Flag(code="differentiation_not_given"))
    if case.site is None or case.site is Site.unknown:
        return _stage_without_chapter(case, b)
    return _stage_gep_site(case, case.site, b)


# --------------------------------------------------------------------------------------------
# What-ifs: the same stage() run on a changed case
# --------------------------------------------------------------------------------------------


def _what_if_cases(case: Case, base: StageResult) -> List[Tuple[str, Dict[str, FieldValue], str, Case]]:
    """(template id under `what_ifs`, its values, what it is about, the changed case)."""
    out: List[Tuple[str, Dict[str, FieldValue], str, Case]] = []
    sites = case.metastatic_sites
    if sites is None:
        out.append(("metastases.none", {}, "metastases", case.model_copy(update={"metastatic_sites": []})))
        out.append(("metastases.liver_present", {}, "metastases",
                    case.model_copy(update={"metastatic_sites": [MetastaticSite.liver]})))
    else:
        also = "also_" if sites else ""
        for extra in (MetastaticSite.liver, MetastaticSite.bone):
            if extra not in sites:
                out.append((f"metastases.{also}{extra.value}", {}, "metastases",
                            case.model_copy(update={"metastatic_sites": [*sites, extra]})))
    if base.chapter is not None and base.n == "N0":
        out.append(("nodes.positive", {}, "nodes", case.model_copy(update={
            "nodes_positive": True, "positive_node_count": None, "bulky_mesenteric_mass": None})))
    if base.chapter is not None and base.t not in (None, "T4"):
        out.append(("invasion.serosa_or_adjacent_organs", {}, "invasion",
                    case.model_copy(update={"invasion": Invasion.serosa_or_adjacent_organs})))
    out.extend(_size_what_ifs(case, base))
    return out


def _size_what_ifs(case: Case, base: StageResult) -> List[Tuple[str, Dict[str, FieldValue], str, Case]]:
    """Near a size cut-off: the nearest size on the other side that changes T."""
    size = case.tumour_size_cm
    if size is None or case.site not in T_TABLES or base.t is None:
        return []
    out: List[Tuple[str, Dict[str, FieldValue], str, Case]] = []
    for cutoff in T_TABLES[case.site].cutoffs():
        if not _within(size, cutoff, WHAT_IF_NEAR_CUTOFF_CM):
            continue
        candidates = sorted(
            (round(cutoff + d, 2) for d in (-WHAT_IF_SIZE_STEP_CM, 0.0, WHAT_IF_SIZE_STEP_CM)),
            key=lambda s: abs(s - size),
        )
        for other in candidates:
            if other != size and t_category(case.site, other, case.invasion) not in (None, base.t):
                out.append(("size", {"size": other}, "size", case.model_copy(update={"tumour_size_cm": other})))
                break
    return out


def _what_ifs(case: Case, base: StageResult) -> List[WhatIf]:
    """Keep only what-ifs that change the stage group or the M category: each with the stage group it gives and
    the T, N and M codes that differ."""
    if not base.staged and base.m is None:
        return []  # NEC, lung, thymus: nothing to vary here
    out: List[WhatIf] = []
    for change, values, about, changed_case in _what_if_cases(case, base):
        new = _stage_core(changed_case)
        if new.stage_group != base.stage_group or (new.m != base.m and new.m is not None):
            changed = [v for old, v in ((base.t, new.t), (base.n, new.n), (base.m, new.m)) if v is not None and v != old]
            out.append(WhatIf(change=change, values=values, result=new.stage_group, changed=changed, about=about))
    return out


def stage(case: Case) -> StageResult:
    """AJCC 8 TNM and stage group for a GEP NET (clinical_facts.md F3, section 9 staging action)."""
    result = _stage_core(case)
    return result.model_copy(update={"what_ifs": _what_ifs(case, result)})
