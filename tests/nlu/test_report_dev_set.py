"""Pasted pathology reports (tests/nlu/report_dev_set.yml, 20 synoptic + 20 narrative, written by a helper who
had not read the blind sets; the team tunes on it, so its figures are tuned figures, not blind ones).

Every field a report states is compared with what the extractor reads. The floors sit just under the figures
reached on 2026-12-05 (fields 100 %, reports with every field right 40 of 40; on 2026-12-04: 96.3 %, 31 of 40); the issue's targets (99 % of synoptic
fields, 96 % of narrative fields, every field right in 90 % of reports) are measured blind by bench/blind.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.nlu.extractor import shared_extractor
from report_fields import fields_from_entities

REPORTS = yaml.safe_load((Path(__file__).parent / "report_dev_set.yml").read_text())["reports"]
FIELD_FLOOR = 0.99
REPORT_FLOOR = 0.95


def _same(expected, got) -> bool:
    if isinstance(expected, list):
        return isinstance(got, list) and sorted(expected) == sorted(got)
    if isinstance(expected, (int, float)) and not isinstance(expected, bool):
        return isinstance(got, (int, float)) and not isinstance(got, bool) and abs(got - expected) < 0.051
    return got == expected


def _scores():
    right = total = whole = 0
    misses = []
    for report in REPORTS:
        got = fields_from_entities(shared_extractor().extract(report["text"]))
        wrong = [k for k, v in report["fields"].items() if not _same(v, got.get(k))]
        right += len(report["fields"]) - len(wrong)
        total += len(report["fields"])
        whole += not wrong
        misses += [f"{report['id']} {k}: want {report['fields'][k]!r}, got {got.get(k)!r}" for k in wrong]
    return right / total, whole / len(REPORTS), misses


def test_the_dev_set_has_synoptic_and_narrative_reports() -> None:
    kinds = [r["kind"] for r in REPORTS]
    assert kinds.count("synoptic") >= 20 and kinds.count("narrative") >= 20


def test_report_fields_are_read_at_least_as_well_as_before() -> None:
    fields, whole, misses = _scores()
    assert fields >= FIELD_FLOOR and whole >= REPORT_FLOOR, "\n".join(misses)


@pytest.mark.parametrize("report", [r for r in REPORTS if r["kind"] == "synoptic"][:5], ids=lambda r: r["id"])
def test_a_synoptic_report_site_and_size_come_from_their_labelled_lines(report) -> None:
    got = fields_from_entities(shared_extractor().extract(report["text"]))
    for key in ("site", "tumour_size_cm"):
        if key in report["fields"]:
            assert _same(report["fields"][key], got.get(key)), key
