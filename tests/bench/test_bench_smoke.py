"""The benchmark harness works: a tiny load against the real Rasa and action servers gives figures,
and the accuracy scorer reads the grade and stage out of real answers. (Reference bots and the
two-process run are left out to stay under a minute; `make bench` runs them.)"""

import sys
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "tests" / "e2e"))

import accuracy  # noqa: E402
import load  # noqa: E402
import yaml  # noqa: E402


def test_vignettes_are_enough_and_complete():
    vignettes = yaml.safe_load((ROOT / "bench" / "vignettes.yml").read_text())["vignettes"]
    assert len(vignettes) >= 100
    assert len({v["id"] for v in vignettes}) == len(vignettes)
    for v in vignettes:
        assert v["turns"] and v["basis"].startswith("clinical_facts"), v["id"]
        assert v["gold"] or v["must_mention"], v["id"]


def test_percentile_is_nearest_rank():
    values = sorted(float(x) for x in range(1, 101))
    assert load.percentile(values, 50) == 50 and load.percentile(values, 95) == 95 and load.percentile(values, 99) == 99
    assert load.percentile([], 95) == 0.0


@pytest.mark.parametrize("text, grade", [
    ("**What is the WHO grade of this tumour?**\n**Answer**\nNET G2, WHO 2019 digestive: x [1]", "G2"),
    ("**What is the WHO grade of this tumour?**\n**Answer**\nG3 NEN (morphology needed to separate NET G3 from NEC), y [1]", "G3"),
    ("**What is the WHO grade of this tumour?**\n**Answer**\nNEC, WHO 2019 digestive: Poorly differentiated [1]", "NEC"),
    ("**What is the WHO grade of this tumour?**\n**Answer**\natypical carcinoid, WHO 2021 thoracic: z [1]", "AC"),
])
def test_grade_is_read_from_the_direct_answer(text, grade):
    assert accuracy.extract_grade(text) == grade


def test_load_and_scoring_against_the_real_servers(servers):
    convs = [["Ki-67 12% and 1 mitosis per 2 mm2, what grade?"], ["unknown primary NET with liver mets, what stage?"]]
    figures = load.run_levels(lambda sender: f"{servers.rasa_url}/webhooks/rest/webhook", convs,
                              [("sequential", 1, 4), ("c4", 4, 8)], label="smoke")
    assert figures["sequential"]["messages"] == 4 and figures["c4"]["messages"] == 8
    assert figures["sequential"]["errors"] == 0 and figures["c4"]["errors"] == 0
    assert 0 < figures["sequential"]["p50_ms"] <= figures["sequential"]["p99_ms"]
    replies = load.play(f"{servers.rasa_url}/webhooks/rest/webhook", convs[1], f"smoke-{uuid.uuid4()}")
    text = accuracy.reply_text(replies[-1])
    assert accuracy.extract_stage(text)["stage"] == "IV"
    assert accuracy.extract_stage(text)["m"] == "M1a"
    assert accuracy.citation_lines(text)["cited"] > 0
