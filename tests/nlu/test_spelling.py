"""Typo matching of clinical words (bot/nlu/spelling.py): typos read as the word, real words left alone."""

from __future__ import annotations

import pytest

from bot.nlu.spelling import correct_typos, correction


@pytest.mark.parametrize("typed, word", [
    ("mitosees", "mitoses"), ("mitosses", "mitoses"), ("necrossis", "necrosis"), ("nods", "nodes"),
    ("metastsis", "metastasis"), ("pancreatc", "pancreatic"), ("duodenaum", "duodenum"), ("livr", "liver"),
    ("subserossa", "subserosa"), ("carcinod", "carcinoid"),
])
def test_typos_of_clinical_words_are_read_as_the_word(typed: str, word: str) -> None:
    assert correction(typed) == word


@pytest.mark.parametrize("typed", [
    # real words close to a clinical word must never be changed
    "notes", "noted", "modes", "meets", "nodule", "nodules", "serous", "pancreatitis", "gastrectomy",
    "appendicitis", "insulinoma", "lover", "later", "stages", "graded", "wells", "bones", "lungs", "tumours",
    # words too far from any clinical word
    "weather", "holiday", "patient",
])
def test_real_words_are_never_changed(typed: str) -> None:
    assert correction(typed) is None


def test_offsets_map_back_to_the_typed_text() -> None:
    text = "mitosees 3/2mm2, lymph nods neg"
    corrected, origin = correct_typos(text)
    assert corrected == "mitoses 3/2mm2, lymph nodes neg"
    assert len(origin) == len(corrected) + 1 and origin[-1] == len(text)
    start = corrected.index("nodes")
    assert text[origin[start]: origin[start + len("nodes") - 1] + 1] == "nods"
    assert text[origin[corrected.index("3/2mm2")]] == "3"
