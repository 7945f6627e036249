"""`python -m bot grade|stage|workup`: output, --json, and exit status 2 with one clear line for bad input.

The CLI is run as a real subprocess, as a user would run it; option parsing into a Case
(case_from_args) and the subcommand table are also tested in-process.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import List

import pytest

from bot import cli
from bot.cli import SUBCOMMANDS, Subcommand, build_parser, case_from_args
from bot.grading import grade
from bot.models import (
    Case,
    Differentiation,
    IhcMarker,
    IhcResult,
    Invasion,
    MetastaticSite,
    MitoticUnit,
    Site,
    Syndrome,
    TestDone,
    TestKind,
    TestOutcome,
)
from bot.staging import stage
from bot.workup import plan_workup

ROOT = Path(__file__).resolve().parents[2]
VENV_PYTHON = ROOT / ".venv" / "actions" / "bin" / "python"
PYTHON = str(VENV_PYTHON) if VENV_PYTHON.exists() else sys.executable


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([PYTHON, "-m", "bot", *args], cwd=ROOT, capture_output=True, text=True, timeout=60)


def parse(*argv: str) -> Case:
    return case_from_args(build_parser().parse_args(list(argv)))


# -- options -> Case (in-process) ----------------------------------------------------

OPTION_TABLE = [
    (["--site", "pancreas"], "site", Site.pancreas),
    (["--site", "Jejunum-Ileum"], "site", Site.jejunum_ileum),
    (["--differentiation", "well"], "differentiation", Differentiation.well),
    (["--ki67", "12"], "ki67_percent", 12.0),
    (["--ki67", "2.5%"], "ki67_percent", 2.5),
    (["--mitoses", "1"], "mitoses", 1.0),
    (["--mitoses-unit", "per_10hpf"], "mitoses_unit", MitoticUnit.per_10hpf),
    (["--mitoses-unit", "50hpf"], "mitoses_unit", MitoticUnit.per_50hpf),
    (["--necrosis", "yes"], "necrosis", True),
    (["--necrosis", "no"], "necrosis", False),
    (["--cells", "800"], "cells_counted", 800),
    (["--size-cm", "2.4"], "tumour_size_cm", 2.4),
    (["--invasion", "confined"], "invasion", Invasion.confined),
    (["--invasion", "muscularis-propria"], "invasion", Invasion.muscularis_propria),
    (["--nodes", "positive"], "nodes_positive", True),
    (["--nodes", "negative"], "nodes_positive", False),
    (["--positive-nodes", "3"], "positive_node_count", 3),
    (["--bulky-mesentery", "yes"], "bulky_mesenteric_mass", True),
    (["--mets", "liver,bone"], "metastatic_sites", [MetastaticSite.liver, MetastaticSite.bone]),
    (["--mets", "none"], "metastatic_sites", []),
    (["--syndrome", "carcinoid"], "functional_syndrome", Syndrome.carcinoid),
    (["--test", "sstr_pet:negative"], "tests_done", [TestDone(test=TestKind.sstr_pet, outcome=TestOutcome.negative)]),
    (["--test", "ct"], "tests_done", [TestDone(test=TestKind.ct, outcome=TestOutcome.done)]),
    (["--test", "ct:positive:two liver lesions"], "tests_done",
     [TestDone(test=TestKind.ct, outcome=TestOutcome.positive, detail="two liver lesions")]),
    (["--test", "5hiaa:positive", "--test", "octreoscan:negative"], "tests_done",
     [TestDone(test=TestKind.hiaa_5, outcome=TestOutcome.positive),
      TestDone(test=TestKind.octreoscan, outcome=TestOutcome.negative)]),
    (["--test", "ct:positive,mri:negative"], "tests_done",
     [TestDone(test=TestKind.ct, outcome=TestOutcome.positive), TestDone(test=TestKind.mri, outcome=TestOutcome.negative)]),
    (["--ihc", "cdx2:positive", "--ihc", "ttf1:negative"], "ihc",
     [IhcResult(marker=IhcMarker.cdx2, positive=True), IhcResult(marker=IhcMarker.ttf1, positive=False)]),
]


@pytest.mark.parametrize("argv, field, expected", OPTION_TABLE, ids=[" ".join(r[0]) for r in OPTION_TABLE])
def test_case_from_args(argv: List[str], field: str, expected):
    case = parse("grade", *argv)
    assert getattr(case, field) == expected


def test_no_options_is_an_empty_case():
    assert parse("workup") == Case()


def test_every_case_field_has_an_option():
    assert {o.field for o in cli.CASE_OPTIONS} == set(Case.model_fields)


def test_case_from_args_accepts_any_object_with_some_options():
    # A future `answer` subcommand may hold only some of the case options.
    assert case_from_args(SimpleNamespace(ki67="7", site="unknown")) == Case(ki67_percent=7, site=Site.unknown)


@pytest.mark.parametrize("attrs, option", [
    (dict(ki67="150"), "--ki67"),
    (dict(site="liver"), "--site"),
    (dict(ihc=["cdx2"]), "--ihc"),
])
def test_case_from_args_raises_named_error(attrs, option):
    with pytest.raises(cli.CaseInputError) as err:
        case_from_args(SimpleNamespace(**attrs))
    assert err.value.option == option


def test_subcommand_table_is_the_extension_point(monkeypatch, capsys):
    def add(parser):
        parser.add_argument("--word")

    def handler(ns):
        print(f"said {ns.word}")
        return 7

    monkeypatch.setitem(SUBCOMMANDS, "say", Subcommand("test command", add, handler))
    assert cli.main(["say", "--word", "hello"]) == 7
    assert capsys.readouterr().out == "said hello\n"


# -- running the real command --------------------------------------------------------

GRADE_ARGS = ["--site", "pancreas", "--ki67", "12", "--mitoses", "1", "--differentiation", "well", "--cells", "800"]
STAGE_ARGS = ["--site", "pancreas", "--differentiation", "well", "--size-cm", "2.4", "--invasion", "confined",
              "--nodes", "positive", "--positive-nodes", "3", "--mets", "liver,bone"]
WORKUP_ARGS = ["--site", "unknown", "--differentiation", "well", "--ki67", "12", "--mets", "liver",
               "--syndrome", "carcinoid", "--test", "sstr_pet:negative", "--ihc", "cdx2:positive"]


def test_grade_text_shows_result_and_rule_trace():
    proc = run("grade", *GRADE_ARGS)
    assert proc.returncode == 0, proc.stderr
    expected = grade(parse("grade", *GRADE_ARGS))
    assert expected.category == "net.G2"
    assert "Grade: NET G2" in proc.stdout  # the category's name, from knowledge/computed/grading.yml
    assert "Rule trace:" in proc.stdout
    for rule_id in expected.rule_ids:
        assert f"[{rule_id}]" in proc.stdout
    assert f"Review status: {expected.review_status.value}" in proc.stdout


def test_stage_text_shows_result_and_rule_trace():
    proc = run("stage", *STAGE_ARGS)
    assert proc.returncode == 0, proc.stderr
    expected = stage(parse("stage", *STAGE_ARGS))
    assert expected.stage_group == "IV"  # any M1 is stage IV (F3.9)
    assert "Stage group: IV" in proc.stdout
    for rule_id in expected.rule_ids:
        assert f"[{rule_id}]" in proc.stdout


def test_workup_text_shows_steps_treatment_and_rules():
    proc = run("workup", *WORKUP_ARGS)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "Workup steps:" in out and "Treatment direction" in out
    assert "[done] SSTR PET" in out
    assert "[consider] FDG PET" in out
    assert "Suspected primary from IHC: small intestine" in out
    assert "rule: workup.surgery.exploration" in out
    assert out.index("(cross_sectional_imaging)") < out.index("(sstr_pet)")


@pytest.mark.parametrize("command, args, compute", [
    ("grade", GRADE_ARGS, lambda case: grade(case)),
    ("stage", STAGE_ARGS, lambda case: stage(case)),
    ("workup", WORKUP_ARGS, lambda case: plan_workup(case)),
])
def test_json_is_the_result_model(command, args, compute):
    proc = run(command, *args, "--json")
    assert proc.returncode == 0, proc.stderr
    printed = json.loads(proc.stdout)
    assert printed == json.loads(compute(parse(command, *args)).model_dump_json())


# -- bad input: exit 2, one line naming the option and what is allowed ---------------------

BAD_INPUT = [
    (["grade", "--ki67", "150"], ["--ki67", "<= 100"]),
    (["grade", "--ki67", "-1"], ["--ki67", ">= 0"]),
    (["grade", "--ki67", "abc"], ["--ki67", "not a number", "<= 100"]),
    (["grade", "--ki67", "nan"], ["--ki67", "finite"]),
    (["grade", "--site", "liverx"], ["--site", "'liverx'", "pancreas", "jejunum_ileum"]),
    (["stage", "--size-cm", "0"], ["--size-cm", "> 0"]),
    (["stage", "--positive-nodes", "two"], ["--positive-nodes", "whole number"]),
    (["stage", "--nodes", "maybe"], ["--nodes", "positive, negative"]),
    (["grade", "--necrosis", "perhaps"], ["--necrosis", "yes, no"]),
    (["grade", "--mitoses-unit", "per_hpf"], ["--mitoses-unit", "per_2mm2"]),
    (["stage", "--mets", "liver,moon"], ["--mets", "'moon'", "peritoneum"]),
    (["workup", "--syndrome", "cushing"], ["--syndrome", "acth"]),
    (["workup", "--test", "pet:negative"], ["--test", "sstr_pet"]),
    (["workup", "--test", "sstr_pet:unclear"], ["--test", "positive, negative, done"]),
    (["workup", "--ihc", "cdx2"], ["--ihc", "MARKER:positive|negative"]),
    (["workup", "--ihc", "cdx9:positive"], ["--ihc", "cdx2", "satb2"]),
    (["grade", "--ki67"], ["--ki67", "expected one argument"]),
    (["grade", "--colour", "red"], ["unrecognized arguments", "--colour"]),
    (["frobnicate"], ["invalid choice", "grade", "stage", "workup"]),
    ([], ["required", "COMMAND"]),
]


@pytest.mark.parametrize("argv, words", BAD_INPUT, ids=[" ".join(b[0]) or "(nothing)" for b in BAD_INPUT])
def test_bad_input_exits_2_with_one_clear_line(argv, words):
    proc = run(*argv)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert "error:" in lines[0]
    for word in words:
        assert word in lines[0], f"{word!r} not in {lines[0]!r}"


def test_help_lists_subcommands():
    proc = run("--help")
    assert proc.returncode == 0
    for name in ("grade", "stage", "workup"):
        assert name in proc.stdout
