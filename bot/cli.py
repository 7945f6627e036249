"""Command line: `python -m bot grade|stage|workup [case options] [--json]`.

Subcommands live in the SUBCOMMANDS table (name -> arguments + handler); a new one such as
`answer`, `kb check`, `kb review` or `audit` is one more entry there. Every case option is
turned into a Case by `case_from_args`, the single place where option text becomes clinical
values, so any subcommand that takes a case can reuse it.

Bad input never shows a traceback: it ends with exit status 2 and one line on stderr that
names the option and the allowed values.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import textwrap
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Any, Callable, Dict, List, NoReturn, Optional, Sequence, Tuple, Type, TypeVar

from pydantic import BaseModel, ValidationError

from bot.audit import add_audit_arguments, run_audit
from bot.kb_cli import add_answer_arguments, add_kb_arguments, run_answer, run_kb
from bot.models import (
    Case,
    Differentiation,
    Flag,
    NecSubtype,
    GradeResult,
    IhcMarker,
    IhcResult,
    Invasion,
    MetastaticSite,
    MitoticUnit,
    Site,
    StageResult,
    Syndrome,
    TestDone,
    TestKind,
    TestOutcome,
    WorkupResult,
    WorkupStep,
)

if TYPE_CHECKING:
    from bot.workup_wording import WorkupWording

PROG = "python -m bot"
EXIT_BAD_INPUT = 2
WRAP = 100

E = TypeVar("E", bound=Enum)


class CaseInputError(ValueError):
    """A case option whose value cannot be used. The message names the option and what is allowed."""

    def __init__(self, option: str, message: str) -> None:
        super().__init__(f"{option}: {message}")
        self.option = option


class OneLineErrorParser(argparse.ArgumentParser):
    """argparse prints usage plus a message; here bad input gives one line and exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message} (see --help)\n")


# ---------------------------------------------------------------------------
# Case options: one table, one parser
# ---------------------------------------------------------------------------

YES_NO = {"yes": True, "y": True, "true": True, "present": True, "no": False, "n": False, "false": False,
          "absent": False}
POSITIVE_NEGATIVE = {"positive": True, "pos": True, "+": True, "negative": False, "neg": False, "-": False}
MITOTIC_UNIT_ALIASES = {"2mm2": MitoticUnit.per_2mm2, "10hpf": MitoticUnit.per_10hpf, "50hpf": MitoticUnit.per_50hpf}


@dataclass(frozen=True)
class CaseOption:
    flag: str
    field: str  # the Case field it fills
    metavar: str
    help: str
    repeat: bool = False

    @property
    def dest(self) -> str:
        return self.flag.lstrip("-").replace("-", "_")


def _values(enum: Type[Enum]) -> str:
    return "|".join(e.value for e in enum)


CASE_OPTIONS: Tuple[CaseOption, ...] = (
    CaseOption("--site", "site", "SITE", f"primary site: {_values(Site)}"),
    CaseOption("--differentiation", "differentiation", "D", f"{_values(Differentiation)}"),
    CaseOption("--called-net", "called_net", "yes|no", "the tumour is called a NET or carcinoid (no stated morphology)"),
    CaseOption("--ki67", "ki67_percent", "PCT", "Ki-67 index in percent, e.g. 12"),
    CaseOption("--mitoses", "mitoses", "N", "mitotic count (unit: --mitoses-unit)"),
    CaseOption("--mitoses-unit", "mitoses_unit", "UNIT", f"{_values(MitoticUnit)} (default per_2mm2)"),
    CaseOption("--necrosis", "necrosis", "yes|no", "necrosis present"),
    CaseOption("--nec-subtype", "nec_subtype", "TYPE", f"cell type of a NEC: {_values(NecSubtype)}"),
    CaseOption("--cells", "cells_counted", "N", "tumour cells counted for Ki-67"),
    CaseOption("--size-cm", "tumour_size_cm", "CM", "primary tumour size in cm"),
    CaseOption("--stated-t", "stated_t", "T", "the T category a pathology report states (T0-T4, TX)"),
    CaseOption("--stated-n", "stated_n", "N", "the N category a pathology report states (N0-N2)"),
    CaseOption("--invasion", "invasion", "DEPTH", f"deepest invasion: {_values(Invasion)}"),
    CaseOption("--nodes", "nodes_positive", "positive|negative", "regional lymph nodes"),
    CaseOption("--positive-nodes", "positive_node_count", "N", "number of positive regional nodes"),
    CaseOption("--nodes-assessed", "nodes_assessed", "yes|no", "regional nodes assessed (no: none in the specimen, NX)"),
    CaseOption("--bulky-mesentery", "bulky_mesenteric_mass", "yes|no", "mesenteric mass > 2 cm (jejunum/ileum)"),
    CaseOption("--mets", "metastatic_sites", "SITES", f"comma list of {_values(MetastaticSite)}, or none"),
    CaseOption("--syndrome", "functional_syndrome", "S", f"functional syndrome: {_values(Syndrome)}"),
    CaseOption("--test", "tests_done", "KIND[:OUTCOME[:DETAIL]]",
               f"test done, repeatable or comma-separated; KIND {_values(TestKind)}; OUTCOME {_values(TestOutcome)}"
               " (default done); DETAIL is free text without commas", repeat=True),
    CaseOption("--ihc", "ihc", "MARKER:positive|negative",
               f"IHC result, repeatable or comma-separated; MARKER {_values(IhcMarker)}", repeat=True),
)
OPTION_OF_FIELD = {o.field: o.flag for o in CASE_OPTIONS}
FIELD_OF_OPTION = {o.flag: o.field for o in CASE_OPTIONS}


def add_case_arguments(parser: argparse.ArgumentParser) -> None:
    """Case options are read as plain text here and converted only in case_from_args."""
    group = parser.add_argument_group("case")
    for opt in CASE_OPTIONS:
        group.add_argument(opt.flag, dest=opt.dest, metavar=opt.metavar, help=opt.help,
                           action="append" if opt.repeat else "store")


def _key(text: str) -> str:
    return text.strip().lower().replace("-", "_").replace(" ", "_")


def _enum(option: str, enum: Type[E], text: str, aliases: Optional[Dict[str, E]] = None) -> E:
    key = _key(text)
    if aliases and key in aliases:
        return aliases[key]
    for member in enum:
        if member.value == key or member.value == text.strip():
            return member
    raise CaseInputError(option, f"unknown value '{text}'; allowed: {', '.join(e.value for e in enum)}")


def _choice(option: str, table: Dict[str, bool], text: str, allowed: str) -> bool:
    try:
        return table[text.strip().lower()]
    except KeyError:
        raise CaseInputError(option, f"unknown value '{text}'; allowed: {allowed}") from None


def _stated_t(option: str, text: str) -> str:
    value = text.strip().upper().removeprefix("P")
    if value not in ("T0", "T1", "T2", "T3", "T4", "TX"):
        raise CaseInputError(option, f"unknown value '{text}'; allowed: T0, T1, T2, T3, T4, TX (or pT...)")
    return value


def _stated_n(option: str, text: str) -> str:
    value = text.strip().upper().removeprefix("P")
    if value not in ("N0", "N1", "N2"):
        raise CaseInputError(option, f"unknown value '{text}'; allowed: N0, N1, N2 (or pN...)")
    return value


def _number(option: str, text: str) -> float:
    try:
        value = float(text.strip().rstrip("%").replace(",", "."))
    except ValueError:
        raise CaseInputError(option, f"'{text}' is not a number; allowed: {_allowed_range(option)}") from None
    if not math.isfinite(value):
        raise CaseInputError(option, f"'{text}' is not a finite number; allowed: {_allowed_range(option)}")
    return value


def _integer(option: str, text: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        raise CaseInputError(option, f"'{text}' is not a whole number; allowed: {_allowed_range(option)}") from None


def _mets(option: str, text: str) -> List[MetastaticSite]:
    if _key(text) in ("none", "no", "m0"):
        return []
    return [_enum(option, MetastaticSite, part) for part in text.split(",") if part.strip()]


def _test(option: str, text: str) -> TestDone:
    kind, _, rest = text.partition(":")
    outcome, _, detail = rest.partition(":")
    if not kind.strip():
        raise CaseInputError(option, f"'{text}' should look like KIND[:OUTCOME[:DETAIL]], e.g. sstr_pet:negative")
    return TestDone(
        test=_enum(option, TestKind, kind),
        outcome=_enum(option, TestOutcome, outcome) if outcome.strip() else TestOutcome.done,
        detail=detail.strip() or None,
    )


def _ihc(option: str, text: str) -> IhcResult:
    marker, sep, result = text.partition(":")
    if not sep:
        raise CaseInputError(option, f"'{text}' should look like MARKER:positive|negative, e.g. cdx2:positive")
    return IhcResult(marker=_enum(option, IhcMarker, marker),
                     positive=_choice(option, POSITIVE_NEGATIVE, result, "positive, negative"))


def _split_repeated(values: Optional[Sequence[str]]) -> List[str]:
    """--test a --test b and --test a,b mean the same."""
    return [part for value in values or () for part in value.split(",") if part.strip()]


# field -> how its option text becomes a value
FIELD_PARSERS: Dict[str, Callable[[str, Any], Any]] = {
    "site": lambda o, v: _enum(o, Site, v),
    "differentiation": lambda o, v: _enum(o, Differentiation, v),
    "ki67_percent": _number,
    "mitoses": _number,
    "mitoses_unit": lambda o, v: _enum(o, MitoticUnit, v, MITOTIC_UNIT_ALIASES),
    "necrosis": lambda o, v: _choice(o, YES_NO, v, "yes, no"),
    "called_net": lambda o, v: _choice(o, YES_NO, v, "yes, no"),
    "nec_subtype": lambda o, v: _enum(o, NecSubtype, v),
    "cells_counted": _integer,
    "tumour_size_cm": _number,
    "stated_t": lambda o, v: _stated_t(o, v),
    "stated_n": lambda o, v: _stated_n(o, v),
    "invasion": lambda o, v: _enum(o, Invasion, v),
    "nodes_positive": lambda o, v: _choice(o, POSITIVE_NEGATIVE, v, "positive, negative"),
    "positive_node_count": _integer,
    "nodes_assessed": lambda o, v: _choice(o, YES_NO, v, "yes, no"),
    "bulky_mesenteric_mass": lambda o, v: _choice(o, YES_NO, v, "yes, no"),
    "metastatic_sites": _mets,
    "functional_syndrome": lambda o, v: _enum(o, Syndrome, v),
    "tests_done": lambda o, vs: [_test(o, v) for v in _split_repeated(vs)],
    "ihc": lambda o, vs: [_ihc(o, v) for v in _split_repeated(vs)],
}


def _allowed_range(field_or_option: str) -> str:
    """The bounds declared on the Case field, so that the limits live only in bot/models.py."""
    field = FIELD_OF_OPTION.get(field_or_option, field_or_option)
    words = {"ge": ">=", "gt": ">", "le": "<=", "lt": "<"}
    parts = []
    for meta in Case.model_fields[field].metadata:
        for attr, word in words.items():
            bound = getattr(meta, attr, None)
            if bound is not None:
                parts.append(f"{word} {bound}")
    noun = "a whole number" if "int" in str(Case.model_fields[field].annotation) else "a number"
    return f"{noun} " + " and ".join(parts) if parts else "see --help"


def _validation_message(err: ValidationError, raw: Dict[str, Any]) -> CaseInputError:
    first = err.errors()[0]
    field = str(first["loc"][0]) if first["loc"] else ""
    option = OPTION_OF_FIELD.get(field, field or "case")
    return CaseInputError(option, f"{raw.get(field)!r} is not allowed ({first['msg']}); allowed: {_allowed_range(field)}")


def case_from_args(ns: Any) -> Case:
    """Build a Case from parsed options (any object with the option attributes; missing ones are None).

    Raises CaseInputError naming the option and the allowed values.
    """
    data: Dict[str, Any] = {}
    raw: Dict[str, Any] = {}
    for opt in CASE_OPTIONS:
        text = getattr(ns, opt.dest, None)
        if text is None or (opt.repeat and not text):
            continue
        raw[opt.field] = text
        data[opt.field] = FIELD_PARSERS[opt.field](opt.flag, text)
    try:
        return Case(**data)
    except ValidationError as err:
        raise _validation_message(err, raw) from None


# ---------------------------------------------------------------------------
# Plain-text output
# ---------------------------------------------------------------------------


def _wrap(text: str, indent: str, hanging: str = "") -> List[str]:
    """Wrap to WRAP columns; continuation lines get `hanging` extra indent."""
    return textwrap.wrap(text, WRAP, initial_indent=indent, subsequent_indent=indent + hanging) or [indent]


def _common_tail(result: Any, engine: str, chapter: Optional[str] = None) -> List[str]:
    """Rule trace, flags, what-ifs, missing inputs and review status: shared by grade and stage. The words come
    from knowledge/computed/<engine>.yml (a line without a template shows its id)."""
    from bot.knowledge import load_knowledge
    from bot.result_wording import WORDING_SPECS, flag_words, trace_words

    spec = next(s for s in WORDING_SPECS if s.name == engine)
    wording = load_knowledge().wording(engine)
    lines = ["", "Rule trace:"]
    for i, line in enumerate(result.trace):
        words = trace_words(spec, wording, line, chapter)
        lines += _wrap(f"{i + 1}. [{line.rule_id}] {words.text if words else line.line}".rstrip(), "  ", "   ")
    flag_texts = []
    for flag in result.flags:
        words = flag_words(spec, wording, flag, chapter)
        flag_texts.append(f"{flag.code}: {words.text if words else flag.template_id}")
    for title, items in (("Flags:", flag_texts),
                         ("What if:", [_what_if_text(spec, wording, w, chapter) for w in getattr(result, "what_ifs", [])])):
        if items:
            lines += ["", title] + [ln for item in items for ln in _wrap(f"- {item}", "  ", "  ")]
    if result.missing:
        lines += ["", "Missing: " + ", ".join(result.missing)]
    lines.append(f"Review status: {result.review_status.value}")
    return lines


def _what_if_text(spec: Any, wording: Any, what_if: Any, chapter: Optional[str]) -> str:
    from bot.result_wording import what_if_words

    words = what_if_words(spec, wording, what_if, chapter)
    return words.text if words else f"{what_if.change}: {what_if.result}"


def grade_name(result: GradeResult) -> str:
    """The category's name (knowledge/computed/grading.yml), or its code when the template is missing."""
    from bot.knowledge import load_knowledge
    from bot.result_wording import GRADING, category_label

    return category_label(result.category, load_knowledge().wording(GRADING.name)) or result.category


def format_grade(result: GradeResult) -> str:
    name = grade_name(result)
    lines = [f"Grade: {name}" + (f" ({result.grade})" if result.grade and result.grade not in name else ""),
             f"System: {result.system} - {result.edition}"]
    if result.provisional:
        lines.append("Provisional: yes")
    return "\n".join(lines + _common_tail(result, "grading"))


def format_stage(result: StageResult) -> str:
    tnm = " ".join(v for v in (result.t, result.n, result.m) if v) or "not assigned"
    lines = [
        f"Stage group: {result.stage_group or 'not assigned'}",
        f"TNM: {tnm}",
        f"Chapter: {result.chapter or 'none'} ({result.edition})",
    ]
    if not result.staged:
        lines.append("Not staged with the NET chapters")
    from bot.staging import chapter_key

    return "\n".join(lines + _common_tail(result, "staging", chapter_key(result.chapter)))


def _step_lines(steps: List[WorkupStep], wording: Optional["WorkupWording"]) -> List[str]:
    from bot.workup_wording import step_reason, step_title  # on use, like the engines (it imports bot.workup)

    lines: List[str] = []
    for i, s in enumerate(steps, 1):
        title = step_title(s, wording) if wording else None
        reason = step_reason(s, wording) if wording else None
        lines += _wrap(f"{i}. [{s.status}] {title.text if title else s.title_template}  ({s.id})", "  ", "     ")
        if reason and reason.text:
            lines += _wrap(f"why: {reason.text}", "       ")
        lines.append(f"       rule: {s.rule_id}; topics: {', '.join(s.topics)}")
    return lines


def _workup_flag_line(flag: Flag, wording: Optional["WorkupWording"]) -> str:
    from bot.workup_wording import flag_words  # on use, like the engines

    words = flag_words(flag, wording) if wording else None
    if words is not None:
        return f"- {flag.code}: {words.text}"
    # no template: a review flag, shown with its values
    shown = "; ".join(f"{k}: {', '.join(v) if isinstance(v, list) else v}" for k, v in flag.values.items())
    return f"- {flag.code}" + (f" ({shown})" if shown else "")


def format_workup(result: WorkupResult, grade_result: Optional[GradeResult] = None,
                  wording: Optional["WorkupWording"] = None) -> str:
    """The plan in words from knowledge/computed/workup.yml; without `wording`, template ids are shown."""
    lines: List[str] = []
    if grade_result is not None:
        lines += [f"Grade used: {grade_name(grade_result)}", ""]
    lines += ["Workup steps:"] + _step_lines(result.steps, wording)
    lines += ["", "Treatment direction (no doses):"]
    lines += _step_lines(result.treatment_direction, wording)
    lines += ["", "Rules fired: " + ", ".join(result.rule_ids)]
    if result.flags:
        lines += ["", "Flags:"] + [ln for f in result.flags for ln in _wrap(_workup_flag_line(f, wording), "  ", "  ")]
    if result.missing:
        lines += ["", "Missing: " + ", ".join(result.missing)]
    lines.append(f"Review status: {result.review_status.value}")
    return "\n".join(lines)


def _emit(ns: argparse.Namespace, model: BaseModel, text: str) -> int:
    print(model.model_dump_json(indent=2) if ns.json else text)
    return 0


# ---------------------------------------------------------------------------
# Subcommands
# ---------------------------------------------------------------------------


def run_grade(ns: argparse.Namespace) -> int:
    from bot.grading import grade  # engines are imported on use, so one broken engine cannot stop the others

    result = grade(case_from_args(ns))
    return _emit(ns, result, format_grade(result))


def run_stage(ns: argparse.Namespace) -> int:
    from bot.staging import stage

    result = stage(case_from_args(ns))
    return _emit(ns, result, format_stage(result))


def run_workup(ns: argparse.Namespace) -> int:
    from bot.grading import grade
    from bot.workup import plan_workup

    case = case_from_args(ns)
    grade_result = grade(case)
    result = plan_workup(case, grade_result)
    if ns.json:
        return _emit(ns, result, "")
    from bot.knowledge import load_knowledge

    return _emit(ns, result, format_workup(result, grade_result, load_knowledge().workup_wording))


def add_case_command_arguments(parser: argparse.ArgumentParser) -> None:
    add_case_arguments(parser)
    parser.add_argument("--json", action="store_true", help="print the result model as JSON")


@dataclass(frozen=True)
class Subcommand:
    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]  # returns the exit status


# The extension point: add an entry to register a subcommand (e.g. "answer", "kb", "audit").
SUBCOMMANDS: Dict[str, Subcommand] = {
    "grade": Subcommand("WHO grade of a NEN (GEP or thoracic)", add_case_command_arguments, run_grade),
    "stage": Subcommand("AJCC 8th edition stage of a NET", add_case_command_arguments, run_stage),
    "workup": Subcommand("NET-CUP workup steps and treatment direction", add_case_command_arguments, run_workup),
    "answer": Subcommand("cited answer for a topic or a case", add_answer_arguments, run_answer),
    "kb": Subcommand("knowledge base: `kb check` validates it", add_kb_arguments, run_kb),
    "audit": Subcommand("audit trail of a conversation: statements, rules and KB version per answer",
                        add_audit_arguments, run_audit),
}


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineErrorParser(prog=PROG, description="NETguide deterministic rules from the command line.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, command in SUBCOMMANDS.items():
        sub_parser = sub.add_parser(name, help=command.help, description=command.help)
        command.add_arguments(sub_parser)
        sub_parser.set_defaults(handler=command.run)
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = build_parser()
    ns = parser.parse_args(argv)
    try:
        return ns.handler(ns)
    except CaseInputError as err:
        print(f"{PROG} {ns.command}: error: {err}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except BrokenPipeError:
        # The reader went away (e.g. `| head`): not an error; keep Python from complaining on exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
