"""Turn the clinical entities of one message into an updated Case.

The entity names and value formats are fixed by the extractor in bot/nlu (see its vocabulary).
Values that break the Case's validation are reported, never raised, so that one bad number
does not lose the rest of the case.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any, Dict, FrozenSet, Iterable, List, Optional

from pydantic import ValidationError

from bot.models import (
    Case,
    CaseNote,
    FieldValue,
    IhcMarker,
    IhcResult,
    MetastaticSite,
    MitoticUnit,
    TestDone,
    TestKind,
    TestOutcome,
)

MITOTIC_UNITS = {"2mm2": MitoticUnit.per_2mm2, "10hpf": MitoticUnit.per_10hpf, "50hpf": MitoticUnit.per_50hpf}

# Which Case field each plain entity fills, and how its text value is converted.
_FIELD_OF_ENTITY = {
    "site": "site",
    "differentiation": "differentiation",
    "invasion": "invasion",
    "syndrome": "functional_syndrome",
    "tumour_size": "tumour_size_cm",
    "cells_counted": "cells_counted",
    "nec_subtype": "nec_subtype",
    "stated_t": "stated_t",
    "stated_n": "stated_n",
}
HPF_FIELDS = {MitoticUnit.per_10hpf: 10, MitoticUnit.per_50hpf: 50}

# The notes apply_entities can return (`CaseNote`: id and values), with the fields each fills. Their words are
# templates in knowledge/computed/case_notes.yml (bot/result_wording.py CASE_NOTES); `kb check` fails on a note
# id without one. No sentence is written here.
_BOUND = frozenset({"bound"})
_RANGE = frozenset({"range", "upper"})
NOTE_TEMPLATES: Dict[str, FrozenSet[str]] = {
    "ki67.just_under": _BOUND,
    "ki67.just_over": _BOUND,
    "ki67.range": _RANGE,
    "mitoses.just_under": _BOUND,
    "mitoses.just_over": _BOUND,
    "mitoses.range": _RANGE,
    "mitoses.area_not_given": frozenset(),
    "mitoses.hpf_converted": frozenset({"count", "fields", "diameter", "area", "per_2mm2"}),
    "ki67.several": frozenset({"values", "used", "lowest"}),
    "mitoses.several": frozenset({"values", "used", "lowest"}),
    "metastases.m0_from_clear_scan": frozenset({"scans"}),
}


def case_note(note_id: str, **values: FieldValue) -> CaseNote:
    assert NOTE_TEMPLATES[note_id] == set(values), (note_id, values)
    return CaseNote(id=note_id, values=values)


def _convert_hpf_count(data: Dict[str, Any], raw: str, set_field: Any, update: "CaseUpdate") -> None:
    """A count per 10 or 50 HPF with the field diameter becomes a count per 2 mm² (the area of one field is
    pi * (d/2)^2); the arithmetic is shown. Without the diameter the count stays per HPF."""
    fields = HPF_FIELDS.get(MitoticUnit(data.get("mitoses_unit") or MitoticUnit.per_2mm2))
    try:
        diameter = float(raw)
    except ValueError:
        return
    if fields is None or data.get("mitoses") is None or not 0.2 <= diameter <= 1.0:
        return
    area = fields * math.pi * (diameter / 2) ** 2
    per_2mm2 = round(float(data["mitoses"]) * 2 / area, 1)
    update.notes.append(case_note("mitoses.hpf_converted", count=float(data["mitoses"]), fields=float(fields),
                             diameter=diameter, area=area, per_2mm2=per_2mm2))
    set_field("mitoses", per_2mm2)
    set_field("mitoses_unit", MitoticUnit.per_2mm2)

# Whole-body imaging whose negative result, with no site named as involved, reads as no distant metastasis.
WHOLE_BODY_STAGING = {"ct": "CT", "mri": "MRI", "sstr_pet": "SSTR PET", "fdg_pet": "FDG PET"}

# the Case field a not-assessed finding leaves open (extractor entity not_assessed)
NOT_ASSESSED_FIELD = {"necrosis": "necrosis", "nodes": "nodes_positive", "metastasis": "metastatic_sites",
                      "invasion": "invasion"}

FIELD_LABELS = {
    "ki67_percent": "Ki-67",
    "mitoses": "mitotic count",
    "site": "primary site",
    "tumour_size_cm": "tumour size",
    "differentiation": "differentiation",
    "called_net": "called a NET",
    "invasion": "depth of invasion",
    "functional_syndrome": "functional syndrome",
    "positive_node_count": "number of positive nodes",
    "cells_counted": "cells counted",
    "nodes_positive": "regional node status",
    "nodes_assessed": "regional node assessment",
    "metastatic_sites": "distant metastases",
    "necrosis": "necrosis",
    "bulky_mesenteric_mass": "mesenteric mass > 2 cm",
    "tests_done": "tests done",
    "ihc": "immunohistochemistry",
}


@dataclass
class CaseUpdate:
    case: Case
    changed: List[str] = field(default_factory=list)  # Case fields that received a value
    problems: List[str] = field(default_factory=list)  # user-facing messages about rejected values
    notes: List[CaseNote] = field(default_factory=list)  # how a value was read, e.g. a range (codes)
    not_assessed: List[str] = field(default_factory=list)  # Case fields the message says were not assessed


def parse_bounded_number(text: str, name: str) -> tuple[float, Optional[CaseNote]]:
    """'8' -> 8; '2-3' -> 3 (the upper bound, the conservative reading); '<1' -> 0.99; '>20' -> 20.01.

    Returns the number to compute with and a note (`name`: 'ki67' or 'mitoses') saying how a range or bound
    was read.
    """
    text = text.strip().replace(",", ".")
    for prefix, offset in (("<=", 0.0), (">=", 0.0), ("<", -0.01), (">", 0.01)):
        if text.startswith(prefix):
            bound = float(text[len(prefix):])
            if offset == 0.0:
                return bound, None
            side = "just_under" if offset < 0 else "just_over"
            # just past the bound, so '<3%' stays below the 3% cut-off and '>20%' is above 20%
            return round(bound + offset, 2), case_note(f"{name}.{side}", bound=text[len(prefix):])
    match = re.fullmatch(r"([\d.]+)\s*-\s*([\d.]+)", text)
    if match:
        high = max(float(match.group(1)), float(match.group(2)))
        return high, case_note(f"{name}.range", range=text, upper=high)
    return float(text), None


def parse_ki67(value: str) -> tuple[float, Optional[CaseNote]]:
    return parse_bounded_number(value, "ki67")


def parse_mitoses(value: str) -> tuple[float, MitoticUnit, Optional[CaseNote]]:
    """'3/2mm2' -> (3, per 2 mm2); a bare '3' is taken as per 2 mm2 and the note says so."""
    count, _, unit = value.partition("/")
    number, bound_note = parse_bounded_number(count, "mitoses")
    if not unit:
        return number, MitoticUnit.per_2mm2, case_note("mitoses.area_not_given")
    return number, MITOTIC_UNITS.get(unit.strip(), MitoticUnit.per_2mm2), bound_note


def _values(entities: Iterable[Dict[str, Any]], name: str) -> List[str]:
    return [str(e.get("value")) for e in entities if e.get("entity") == name and e.get("value") is not None]


def apply_entities(case: Case, entities: List[Dict[str, Any]]) -> CaseUpdate:
    """Return a new Case with the entities' values merged in (later values win)."""
    data = case.model_dump()
    update = CaseUpdate(case=case)
    problems = update.problems

    def set_field(field_name: str, value: Any) -> None:
        data[field_name] = value
        update.changed.append(field_name)

    ki67_values = list(dict.fromkeys(_values(entities, "ki67")))
    for raw in ki67_values[-1:] if len(ki67_values) == 1 else []:
        try:
            value, note = parse_ki67(raw)
            set_field("ki67_percent", value)
            if note:
                update.notes.append(note)
        except ValueError:
            problems.append(f"I could not read the Ki-67 value '{raw}'.")
    if len(ki67_values) > 1:
        _several_ki67(ki67_values, set_field, update)
    mitoses_values = list(dict.fromkeys(_values(entities, "mitoses")))
    if len(mitoses_values) > 1:
        _several_mitoses(mitoses_values, set_field, update)
    for raw in mitoses_values if len(mitoses_values) == 1 else []:
        try:
            count, unit, note = parse_mitoses(raw)
            set_field("mitoses", count)
            set_field("mitoses_unit", unit)
            if note:
                update.notes.append(note)
        except ValueError:
            problems.append(f"I could not read the mitotic count '{raw}'.")
    for raw in _values(entities, "field_diameter")[-1:]:
        _convert_hpf_count(data, raw, set_field, update)
    for entity, field_name in _FIELD_OF_ENTITY.items():
        for raw in _values(entities, entity)[-1:]:
            set_field(field_name, raw)
    for raw in _values(entities, "necrosis")[-1:]:
        set_field("necrosis", raw == "present")
    for raw in _values(entities, "tumour_name")[-1:]:
        set_field("called_net", raw == "net")
    # internal: only produced by reply_entities for a yes/no answer (no extractor entity exists for it)
    for raw in _values(entities, "bulky_mesenteric_mass")[-1:]:
        set_field("bulky_mesenteric_mass", raw == "yes")
    for raw in _values(entities, "nodes")[-1:]:
        set_field("nodes_positive", raw == "positive")
        count = data.get("positive_node_count")
        if count is not None and (count > 0) != (raw == "positive"):
            set_field("positive_node_count", None)  # "nodes positive" after "0/12": the old count no longer holds
    counts = _values(entities, "node_count")
    stations = [raw.split("/")[0] for raw in counts if "/" in raw]
    if len(stations) > 1 and len(stations) == len(counts) and all(p.isdigit() for p in stations):
        # "peripancreatic LN 1/12, splenic hilar 0/3": counts of several node stations add up (each value once)
        counts = [str(sum(int(p) for p in stations))]
    for raw in counts[-1:]:
        positive = raw.split("/")[0]
        if positive.isdigit():
            set_field("positive_node_count", int(positive))
            set_field("nodes_positive", int(positive) > 0)

    affirmed = _values(entities, "metastasis")
    negated = _values(entities, "no_metastasis")
    if affirmed or negated:
        sites = set(data.get("metastatic_sites") or [])
        if "any" in negated and not affirmed:
            sites = set()
        if "extrahepatic" in negated:
            # "no extrahepatic disease": only a liver metastasis can stand (alone, it says nothing about the liver)
            sites = {s for s in sites if s == MetastaticSite.liver.value}
        sites |= {s for s in affirmed if s in MetastaticSite.__members__}
        sites -= {s for s in negated if s in MetastaticSite.__members__}
        if affirmed or "any" in negated or data.get("metastatic_sites") is not None:
            set_field("metastatic_sites", sorted(sites))

    tests = {t["test"]: t for t in data.get("tests_done") or []}
    clear_scans = [kind for kind, _, outcome in (raw.partition(":") for raw in _values(entities, "test_result"))
                   if kind in WHOLE_BODY_STAGING and outcome == "negative"]
    primary_known = data.get("site") not in (None, "unknown")
    if clear_scans and primary_known and not affirmed and data.get("metastatic_sites") is None:
        # "CT neg", "staging dotatate negative": with the primary known, a negative whole-body staging scan with
        # no site named as involved is no distant metastasis found (clinical M0); said, so a missed site can be
        # corrected. With the primary unknown the scans search for it, and say nothing about M.
        set_field("metastatic_sites", [])
        update.notes.append(case_note("metastases.m0_from_clear_scan",
                                 scans=" and ".join(WHOLE_BODY_STAGING[k] for k in clear_scans)))
    for raw in _values(entities, "test_result"):
        kind, _, outcome = raw.partition(":")
        if kind in TestKind._value2member_map_:
            tests[TestKind(kind)] = TestDone(
                test=TestKind(kind), outcome=TestOutcome(outcome) if outcome in TestOutcome.__members__ else TestOutcome.done
            ).model_dump()
            update.changed.append("tests_done")
    data["tests_done"] = list(tests.values())

    markers = {r["marker"]: r for r in data.get("ihc") or []}
    for raw in _values(entities, "ihc"):
        marker, _, result = raw.partition(":")
        if marker in IhcMarker._value2member_map_:
            markers[IhcMarker(marker)] = IhcResult(marker=IhcMarker(marker), positive=result == "positive").model_dump()
            update.changed.append("ihc")
    data["ihc"] = list(markers.values())

    # "necrosis: n/a", "mets: unknown": not assessed, so never applied and never asked again (a value the same
    # message gives wins)
    for raw in _values(entities, "not_assessed"):
        field_name = NOT_ASSESSED_FIELD.get(raw)
        if field_name and field_name not in update.changed and field_name not in update.not_assessed:
            update.not_assessed.append(field_name)
            if field_name == "nodes_positive" and data.get("nodes_positive") is None:
                set_field("nodes_assessed", False)  # staged NX
    if "nodes_positive" in update.changed and data.get("nodes_assessed") is False:
        set_field("nodes_assessed", None)  # nodes now given: they were assessed after all

    update.case = _validated(case, data, update)
    return update


def _several_ki67(raws: List[str], set_field: Any, update: CaseUpdate) -> None:
    """'ki67 15 vs 5', '5% on biopsy, 15% on resection': never keep one silently. Grade on the highest
    (the cautious choice; which sample should grade is not among the verified facts, so the text makes no
    clinical claim about it) and show every value; a value that cannot be used is reported with the field named."""
    readable: List[tuple[float, str]] = []
    for raw in raws:
        try:
            value, _ = parse_ki67(raw)
        except ValueError:
            update.problems.append(f"I could not read the Ki-67 value '{raw}'.")
            continue
        if not 0 <= value <= 100:
            update.problems.append(
                f"The Ki-67 value {raw}% is not possible (a Ki-67 index lies between 0 and 100%); I did not use it."
            )
            continue
        readable.append((value, raw))
    if not readable:
        return
    used, used_raw = max(readable)
    set_field("ki67_percent", used)
    if len(readable) > 1:
        update.notes.append(case_note(
            "ki67.several", values=", ".join(f"{raw}%" for _, raw in readable), used=f"{used_raw}%",
            lowest=f"{min(readable)[1]}%",
        ))


def _several_mitoses(raws: List[str], set_field: Any, update: CaseUpdate) -> None:
    """'mitoses 3/2mm2 and 8/2mm2', '4 per 2mm2 on biopsy and 12 on resection': the same handling as several
    Ki-67 values (_several_ki67): grade on the highest count, show every count, ask which one if they differ."""
    readable: List[tuple[float, str, MitoticUnit, Optional[CaseNote]]] = []
    for raw in raws:
        try:
            count, unit, note = parse_mitoses(raw)
        except ValueError:
            update.problems.append(f"I could not read the mitotic count '{raw}'.")
            continue
        readable.append((count, raw, unit, note))
    if not readable:
        return
    used = max(readable, key=lambda r: r[0])
    set_field("mitoses", used[0])
    set_field("mitoses_unit", used[2])
    if used[3] and "/" not in used[1]:
        update.notes.append(used[3])  # no area given: say it is read per 2 mm2
    lowest = min(readable, key=lambda r: r[0])
    update.notes.append(case_note(
        "mitoses.several", values=", ".join(_mitoses_words(r[1]) for r in readable), used=_mitoses_words(used[1]),
        lowest=_mitoses_words(lowest[1]),
    ))


def _mitoses_words(raw: str) -> str:
    count, _, unit = raw.partition("/")
    return f"{count} {UNIT_WORDS[MITOTIC_UNITS[unit]]}" if unit in MITOTIC_UNITS else count


def _validated(previous: Case, data: Dict[str, Any], update: CaseUpdate) -> Case:
    """Validate the merged case; drop only the fields that are invalid and say why."""
    for _ in range(len(data)):
        try:
            return Case.model_validate(data)
        except ValidationError as error:
            for item in error.errors():
                field_name = str(item["loc"][0]) if item["loc"] else ""
                label = FIELD_LABELS.get(field_name, field_name.replace("_", " "))
                update.problems.append(f"The {label} value {item.get('input')!r} is not possible ({item['msg']}); I kept the previous value.")
                data[field_name] = getattr(previous, field_name, None)
                if field_name in update.changed:
                    update.changed.remove(field_name)
    return previous


# --------------------------------------------------------------------------------------------
# Short replies to the question the assistant just asked ("18", "no", "poorly", "not known")
# --------------------------------------------------------------------------------------------

UNKNOWN_REPLY = re.compile(
    r"^\W*(?:(?:i\s+)?(?:do\s*n[o']?t|dont|do not)\s+know|not\s+(?:known|sure|available|reported|stated|given|done)"
    r"(?:\s+yet)?|unknown|unk|n/?a|no\s+idea|unclear|no\s+data|can'?t\s+say|not\s+that\s+i\s+know)\W*$",
    re.IGNORECASE,
)
YES_REPLY = re.compile(r"^\W*(?:yes|yeah|yep|y|correct|present|positive|pos|involved|there\s+are)\b", re.IGNORECASE)
NO_REPLY = re.compile(r"^\W*(?:no|nope|n|none|absent|negative|neg|nil|not\s+involved)\b", re.IGNORECASE)
NUMBER_REPLY = re.compile(
    r"^\s*(?:it\s+(?:is|was)\s+|about\s+|approx(?:imately|\.)?\s+|~\s*)?"
    r"(?P<bound>[<>]=?\s*)?(?P<sign>-)?(?P<low>\d+(?:[.,]\d+)?)(?:\s*(?:-|–|to)\s*(?P<high>\d+(?:[.,]\d+)?))?\s*(?P<unit>%|cm|mm)?\W*$",
    re.IGNORECASE,
)
MAX_REPLY_WORDS = 5  # longer messages are read by the NLU alone

# yes / no answers to a pending question: field -> (entity, value if yes, value if no); None = not enough
YES_NO_ENTITIES: Dict[str, tuple] = {
    "nodes_positive": ("nodes", "positive", "negative"),
    "necrosis": ("necrosis", "present", "absent"),
    "metastatic_sites": ("no_metastasis", None, "any"),  # "yes" alone does not say where
    "bulky_mesenteric_mass": ("bulky_mesenteric_mass", "yes", "no"),
    "functional_syndrome": ("syndrome", None, "none"),
}
# a bare number answers these fields
NUMBER_ENTITIES = {"ki67_percent": "ki67", "mitoses": "mitoses", "tumour_size_cm": "tumour_size", "positive_node_count": "node_count"}
# which extractor entities answer a field (the reply is then read by the NLU alone)
ENTITIES_OF_FIELD = {
    "ki67_percent": {"ki67"},
    "mitoses": {"mitoses"},
    "site": {"site"},
    "differentiation": {"differentiation"},
    "necrosis": {"necrosis"},
    "tumour_size_cm": {"tumour_size"},
    "invasion": {"invasion"},
    "nodes_positive": {"nodes", "node_count"},
    "positive_node_count": {"node_count"},
    "metastatic_sites": {"metastasis", "no_metastasis"},
    "functional_syndrome": {"syndrome"},
    "ihc": {"ihc"},
}
DIFFERENTIATION_WORDS = {"well": re.compile(r"^\W*well\b", re.I), "poorly": re.compile(r"^\W*poor(?:ly)?\b", re.I)}


def reply_entities(pending: str, text: str, intent: str, entities: List[Dict[str, Any]]) -> tuple[List[Dict[str, Any]], bool]:
    """Read a short reply to the question asked for `pending` (a Case field).

    Returns extra entities the reply means (e.g. "18" -> ki67 "18" when the Ki-67 was asked) and whether
    the reply says the value is not known. "Not known" for the primary site means an unknown primary.
    Entities the extractor already found for the field win; long messages are left to the NLU.
    """
    wanted = ENTITIES_OF_FIELD.get(pending, set())
    if any(e.get("entity") in wanted for e in entities):
        return [], False
    words = text.split()
    if not words or len(words) > MAX_REPLY_WORDS:
        return [], False
    if UNKNOWN_REPLY.match(text) and not entities:
        if pending == "site":
            return [{"entity": "site", "value": "unknown"}], False
        return [], True
    number = NUMBER_REPLY.match(text)
    if number and pending in NUMBER_ENTITIES and not entities:
        return [{"entity": NUMBER_ENTITIES[pending], "value": _number_value(pending, number)}], False
    if pending == "differentiation":
        for value, pattern in DIFFERENTIATION_WORDS.items():
            if pattern.match(text):
                return [{"entity": "differentiation", "value": value}], False
    if pending in YES_NO_ENTITIES and not entities:
        entity, if_yes, if_no = YES_NO_ENTITIES[pending]
        said_yes = intent == "affirm" or bool(YES_REPLY.match(text))
        said_no = intent == "deny" or bool(NO_REPLY.match(text))
        if said_no and not said_yes and if_no:
            return [{"entity": entity, "value": if_no}], False
        if said_yes and not said_no and if_yes:
            return [{"entity": entity, "value": if_yes}], False
    return [], False


def _number_value(pending: str, match: "re.Match[str]") -> str:
    bound = (match.group("bound") or "").replace(" ", "")
    # a minus sign is kept so that "-5" is refused with the field named, never read as 5
    low, high = (match.group("sign") or "") + match.group("low").replace(",", "."), match.group("high")
    if pending == "tumour_size_cm":
        size = float(low) / (10 if (match.group("unit") or "").lower() == "mm" else 1)
        return f"{size:g}"
    if high:
        return f"{low}-{high.replace(',', '.')}"
    return f"{bound}{low}"


# --------------------------------------------------------------------------------------------
# Values in words, for "Noted: Ki-67 18% (was 12%)"
# --------------------------------------------------------------------------------------------

UNIT_WORDS = {MitoticUnit.per_2mm2: "per 2 mm²", MitoticUnit.per_10hpf: "per 10 HPF", MitoticUnit.per_50hpf: "per 50 HPF"}


def field_label(field_name: str) -> str:
    return FIELD_LABELS.get(field_name, field_name.replace("_", " "))


def describe_value(field_name: str, case: Case) -> str:
    value = getattr(case, field_name, None)
    if value is None:
        return "not given"
    if field_name == "ki67_percent":
        return f"{value:g}%"
    if field_name == "mitoses":
        return f"{value:g} {UNIT_WORDS.get(case.mitoses_unit, '')}".strip()
    if field_name == "tumour_size_cm":
        return f"{value:g} cm"
    if field_name in ("nodes_positive", "bulky_mesenteric_mass"):
        return "positive" if value else "negative" if field_name == "nodes_positive" else "yes" if value else "no"
    if field_name == "necrosis":
        return "present" if value else "absent"
    if field_name == "metastatic_sites":
        return ", ".join(_word(v) for v in value) if value else "none"
    if field_name == "tests_done":
        return ", ".join(f"{_word(t.test)} {_word(t.outcome)}" for t in value) or "none"
    if field_name == "ihc":
        return ", ".join(f"{_word(r.marker).upper()}{'+' if r.positive else '−'}" for r in value) or "none"
    return _word(value)


def _word(value: Any) -> str:
    text = value.value if hasattr(value, "value") else str(value)
    return text.replace("jejunum_ileum", "jejunum/ileum").replace("_", " ")
