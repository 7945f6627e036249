"""Pydantic models shared by the whole core: the clinical case and the computed results.

Every result carries the rule ids that fired, so that an answer can show *why*.
"""

from __future__ import annotations

from enum import Enum
from typing import Dict, List, Literal, Optional, Union

from pydantic import BaseModel, ConfigDict, Field, field_validator


class Site(str, Enum):
    """Primary site. `unknown` is a NET of unknown primary (NET-CUP)."""

    stomach = "stomach"
    duodenum = "duodenum"
    ampulla = "ampulla"
    jejunum_ileum = "jejunum_ileum"
    appendix = "appendix"
    colon = "colon"
    rectum = "rectum"
    pancreas = "pancreas"
    lung = "lung"
    thymus = "thymus"
    unknown = "unknown"


class Differentiation(str, Enum):
    well = "well"
    poorly = "poorly"
    unknown = "unknown"


class NecSubtype(str, Enum):
    """The cell type of a neuroendocrine carcinoma, kept as given and shown with the result."""
    small_cell = "small_cell"
    large_cell = "large_cell"


class MitoticUnit(str, Enum):
    per_2mm2 = "per_2mm2"
    per_10hpf = "per_10hpf"
    per_50hpf = "per_50hpf"


class Invasion(str, Enum):
    """Deepest invasion, worded so that each AJCC 8 chapter can map it to T.

    confined: lamina propria / submucosa (GI), limited to the pancreas, or within the
    sphincter of Oddi (ampulla).
    """

    confined = "confined"
    muscularis_propria = "muscularis_propria"
    subserosa = "subserosa"  # appendix: also mesoappendix involvement
    pancreas_or_peripancreatic = "pancreas_or_peripancreatic"  # duodenum / ampulla T3
    duodenum_or_bile_duct = "duodenum_or_bile_duct"  # pancreas T3
    serosa_or_adjacent_organs = "serosa_or_adjacent_organs"  # T4 everywhere


class MetastaticSite(str, Enum):
    liver = "liver"
    bone = "bone"
    lung = "lung"
    peritoneum = "peritoneum"
    distant_nodes = "distant_nodes"
    ovary = "ovary"
    brain = "brain"
    other = "other"  # any other extrahepatic site


class Syndrome(str, Enum):
    none = "none"
    carcinoid = "carcinoid"
    insulinoma = "insulinoma"
    gastrinoma = "gastrinoma"
    glucagonoma = "glucagonoma"
    vipoma = "vipoma"
    somatostatinoma = "somatostatinoma"
    acth = "acth"
    other = "other"


class TestKind(str, Enum):
    __test__ = False  # not a pytest test class
    ct = "ct"
    mri = "mri"
    sstr_pet = "sstr_pet"  # 68Ga-DOTATATE / DOTATOC / DOTANOC, 64Cu-DOTATATE
    fdg_pet = "fdg_pet"
    octreoscan = "octreoscan"
    chromogranin_a = "chromogranin_a"
    hiaa_5 = "5hiaa"
    hormones = "hormones"
    site_ihc = "site_ihc"
    colonoscopy = "colonoscopy"
    upper_endoscopy = "upper_endoscopy"
    capsule_endoscopy = "capsule_endoscopy"
    eus = "eus"
    bronchoscopy = "bronchoscopy"
    molecular_classifier = "molecular_classifier"
    germline = "germline"
    surgical_exploration = "surgical_exploration"


class TestOutcome(str, Enum):
    __test__ = False  # not a pytest test class
    positive = "positive"  # abnormal / found something / raised
    negative = "negative"  # normal / found nothing
    done = "done"  # done, result not stated


class TestDone(BaseModel):
    __test__ = False  # not a pytest test class
    model_config = ConfigDict(frozen=True)
    test: TestKind
    outcome: TestOutcome = TestOutcome.done
    detail: Optional[str] = None


class IhcMarker(str, Enum):
    cdx2 = "cdx2"
    ttf1 = "ttf1"
    isl1 = "isl1"
    pax8 = "pax8"
    pax6 = "pax6"
    satb2 = "satb2"
    nkx22 = "nkx22"
    pdx1 = "pdx1"
    chromogranin = "chromogranin"
    synaptophysin = "synaptophysin"
    insm1 = "insm1"


class IhcResult(BaseModel):
    model_config = ConfigDict(frozen=True)
    marker: IhcMarker
    positive: bool


class Case(BaseModel):
    """What is known about one patient's tumour. None means 'not given'."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    site: Optional[Site] = None
    differentiation: Optional[Differentiation] = None
    # the message calls the tumour a NET or a carcinoid (names WHO keeps for well-differentiated tumours); not
    # a stated morphology: a G3 tumour so called is read as NET G3 and its morphology is still asked for
    called_net: Optional[bool] = None
    ki67_percent: Optional[float] = Field(None, ge=0, le=100)
    mitoses: Optional[float] = Field(None, ge=0)
    mitoses_unit: MitoticUnit = MitoticUnit.per_2mm2
    necrosis: Optional[bool] = None
    nec_subtype: Optional[NecSubtype] = None
    cells_counted: Optional[int] = Field(None, ge=0)
    tumour_size_cm: Optional[float] = Field(None, gt=0, le=100)
    stated_t: Optional[str] = Field(None, pattern=r"^T[0-4X]$")  # the T a pathology report states ("pT3")
    stated_n: Optional[str] = Field(None, pattern=r"^N[0-2]$")  # the N a pathology report states ("pN2")
    invasion: Optional[Invasion] = None
    nodes_positive: Optional[bool] = None
    nodes_assessed: Optional[bool] = None  # False: the regional nodes were not assessed (none in the specimen) -> NX
    positive_node_count: Optional[int] = Field(None, ge=0)
    bulky_mesenteric_mass: Optional[bool] = None  # > 2 cm mesenteric mass (jejunum/ileum N2)
    metastatic_sites: Optional[List[MetastaticSite]] = None  # [] = no distant metastases
    functional_syndrome: Optional[Syndrome] = None
    tests_done: List[TestDone] = Field(default_factory=list)
    ihc: List[IhcResult] = Field(default_factory=list)

    @field_validator("metastatic_sites")
    @classmethod
    def _dedupe_sites(cls, sites: Optional[List[MetastaticSite]]) -> Optional[List[MetastaticSite]]:
        if sites is None:
            return None
        return sorted(set(sites), key=lambda s: list(MetastaticSite).index(s))


class ReviewStatus(str, Enum):
    """Who has checked a statement or a rule set, from least to most. "source_checked": the NETguide team checked
    the wording and figures against the cited sources; "approved": a named clinical reviewer approved it."""

    submitted = "submitted"
    under_review = "under_review"
    source_checked = "source_checked"
    approved = "approved"


# Checked against its sources at least: may be shown without the pending-review banner.
CHECKED_STATUSES = frozenset({ReviewStatus.source_checked, ReviewStatus.approved})


# A value a wording template's field takes: a number (Ki-67), a code (site, syndrome) or a list of codes.
FieldValue = Union[None, float, str, List[str]]


class Flag(BaseModel):
    """A caveat attached to a result, e.g. 'near_cutoff', as codes: the words are a template in
    knowledge/computed/ (the engine's file), named by the code (plus `variant` when the caveat has several
    wordings: 'near_cutoff.mitoses') and filled with `values`."""

    code: str
    variant: Optional[str] = None
    values: Dict[str, FieldValue] = Field(default_factory=dict)

    @property
    def template_id(self) -> str:
        return f"{self.code}.{self.variant}" if self.variant else self.code


class TraceLine(BaseModel):
    """One step of a rule trace as codes: the rule that fired, the template of its line
    (knowledge/computed/grading.yml or staging.yml, under `trace`) and the values of its fields."""

    rule_id: str
    line: str
    values: Dict[str, FieldValue] = Field(default_factory=dict)


class CaseNote(BaseModel):
    """How a value of the user's message was read (a range, a bound, a unit conversion, several values), as a
    code: the words are a template in knowledge/computed/case_notes.yml, named by `id` and filled with
    `values`."""

    id: str
    values: Dict[str, FieldValue] = Field(default_factory=dict)


class WhatIf(BaseModel):
    """A one-step counterfactual as codes: the change is a template under `what_ifs` in the engine's file of
    knowledge/computed/ ('ki67.above', filled with `values`: 'if Ki-67 were above 20%'); `result` is what the
    changed case computes to (grading: the category code; staging: the stage group, None when not assigned, with
    `changed` the T, N and M codes that differ). `about` names the input changed, as a code (ki67, mitoses,
    necrosis, differentiation, metastases, nodes, invasion, size)."""

    change: str
    values: Dict[str, FieldValue] = Field(default_factory=dict)
    result: Optional[str] = None
    changed: List[str] = Field(default_factory=list)
    about: str = ""


class GradeResult(BaseModel):
    category: str  # a code ("net.G2", "nec", "typical_carcinoid", "g3_nen"); its name is in grading.yml `categories`
    grade: Optional[str] = None  # "G1" | "G2" | "G3" | None (NEC, lung categories, not gradable)
    nec_subtype: Optional[str] = None  # "small_cell" | "large_cell" when a NEC's cell type was given
    system: str  # "WHO 2019 digestive" | "WHO 2021 thoracic"
    edition: str
    # the same as codes, for every decision downstream (nothing reads the display strings above)
    thoracic: bool = False  # graded with the WHO thoracic criteria
    kind: Literal["net", "g3_nen", "nec", "carcinoid", "not_gradable"] = "net"
    rule_ids: List[str] = Field(default_factory=list)
    trace: List[TraceLine] = Field(default_factory=list)  # the steps as template ids and values, same order as rule_ids
    flags: List[Flag] = Field(default_factory=list)
    what_ifs: List[WhatIf] = Field(default_factory=list)
    missing: List[str] = Field(default_factory=list)  # inputs that would change or complete the answer
    provisional: bool = False
    review_status: ReviewStatus = ReviewStatus.source_checked


class StageResult(BaseModel):
    chapter: Optional[str] = None  # e.g. "AJCC 8 pancreas"
    edition: str = "AJCC 8th edition"
    t: Optional[str] = None
    n: Optional[str] = None
    m: Optional[str] = None
    stage_group: Optional[str] = None  # "I", "IIA", "IV", or None when it cannot be assigned
    staged: bool = True  # False: not staged with the NET chapters (NEC, lung) or impossible
    rule_ids: List[str] = Field(default_factory=list)
    trace: List[TraceLine] = Field(default_factory=list)  # the steps as template ids and values, same order as rule_ids
    flags: List[Flag] = Field(default_factory=list)
    what_ifs: List[WhatIf] = Field(default_factory=list)
    missing: List[str] = Field(default_factory=list)
    review_status: ReviewStatus = ReviewStatus.source_checked


class WorkupStep(BaseModel):
    """One step as codes: the words are templates in knowledge/computed/workup.yml, named by id and filled
    with `values`."""

    id: str  # stable id, e.g. "sstr_pet"
    rule_id: str
    status: str = "recommended"  # "recommended" | "done" | "consider"
    title_template: str  # id under `titles:`
    reason_templates: List[str] = Field(default_factory=list)  # ids under `reasons:`, one sentence each, in order
    values: Dict[str, FieldValue] = Field(default_factory=dict)  # what the templates' fields take
    tests_done: List[TestDone] = Field(default_factory=list)  # reported tests that complete this step
    topics: List[str] = Field(default_factory=list)  # knowledge topics the step is about (follow-up reading)


class WorkupResult(BaseModel):
    steps: List[WorkupStep] = Field(default_factory=list)
    treatment_direction: List[WorkupStep] = Field(default_factory=list)
    rule_ids: List[str] = Field(default_factory=list)
    flags: List[Flag] = Field(default_factory=list)
    missing: List[str] = Field(default_factory=list)
    review_status: ReviewStatus = ReviewStatus.source_checked
