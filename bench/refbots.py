"""The two reference bots, built from `rasa init --no-prompt` in bench/.cache and trained once.

stock:   Rasa's default config (the `rasa init` moodbot as generated: empty pipeline and policies,
         so Rasa fills in its defaults: DIET, ResponseSelector, TED, UnexpecTED, Memoization, Rule).
minimal: the same bot with WhitespaceTokenizer, CountVectorsFeaturizer, LogisticRegressionClassifier,
         MemoizationPolicy and RulePolicy.

Each bot's model and its measured training time are cached in bench/.cache/<bot>/ and reused until
`--retrain-refs` (or a different Rasa version) asks for a fresh build.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Dict

from procs import RASA, ROOT, base_env

CACHE = ROOT / "bench" / ".cache"
MINIMAL_CONFIG = """recipe: default.v1
assistant_id: bench_minimal
language: en
pipeline:
  - name: WhitespaceTokenizer
  - name: CountVectorsFeaturizer
  - name: LogisticRegressionClassifier
policies:
  - name: MemoizationPolicy
  - name: RulePolicy
"""


def rasa_version() -> str:
    out = subprocess.run([RASA, "--version"], capture_output=True, text=True, env=base_env()).stdout
    for line in out.splitlines():
        if line.startswith("Rasa Version"):
            return line.split(":", 1)[1].strip()
    return out.strip().splitlines()[0] if out.strip() else "unknown"


def reference_bot(name: str, retrain: bool, log) -> Dict[str, object]:
    """Path of the trained model and its training time, building the bot if needed."""
    folder = CACHE / name
    meta_file = folder / "meta.json"
    version = rasa_version()
    if meta_file.exists() and not retrain:
        meta = json.loads(meta_file.read_text())
        if meta.get("rasa_version") == version and Path(meta["model"]).exists():
            meta["cached"] = True
            return meta
    log(f"building the {name} reference bot with `rasa init --no-prompt` (trained once, then cached)")
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    project = folder / "project"
    project.mkdir()  # `rasa init --init-dir` wants an existing (empty) folder
    with tempfile.TemporaryDirectory(prefix=f"bench-{name}-") as scratch:
        env = base_env(RASA_CACHE_DIRECTORY=str(Path(scratch) / "cache"))
        init_log = (folder / "init.log").open("w")
        if name == "stock":
            # `rasa init --no-prompt` scaffolds and trains with the default config: that is the timed training.
            started = time.monotonic()
            subprocess.run([RASA, "init", "--no-prompt", "--init-dir", str(project)], cwd=str(folder), env=env,
                           stdout=init_log, stderr=subprocess.STDOUT, check=True)
            seconds = time.monotonic() - started
        else:
            # scaffold with `rasa init --no-prompt` (its training is not timed), swap the config, train timed
            subprocess.run([RASA, "init", "--no-prompt", "--init-dir", str(project)], cwd=str(folder), env=env,
                           stdout=init_log, stderr=subprocess.STDOUT, check=True)
            shutil.rmtree(project / "models", ignore_errors=True)
            (project / "config.yml").write_text(MINIMAL_CONFIG)
            env = base_env(RASA_CACHE_DIRECTORY=str(Path(scratch) / "cache2"))
            started = time.monotonic()
            subprocess.run([RASA, "train", "--fixed-model-name", "minimal"], cwd=str(project), env=env,
                           stdout=init_log, stderr=subprocess.STDOUT, check=True)
            seconds = time.monotonic() - started
    models = sorted((project / "models").glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    if not models:
        raise RuntimeError(f"the {name} reference bot produced no model; see {folder / 'init.log'}")
    meta = {"name": name, "model": str(models[-1]), "train_s": round(seconds, 1), "rasa_version": version,
            "project": str(project)}
    meta_file.write_text(json.dumps(meta, indent=2))
    meta["cached"] = False
    return meta
