"""`make bench`: speed, memory and accuracy of NETguide against two `rasa init` reference bots, in one run.

    .venv/rasa/bin/python bench/run.py [--quick] [--retrain] [--retrain-refs] [--skip-refs] [--skip-scale]

Prints one table (with ratios to the reference bots and the targets met or missed) and writes it as JSON
to bench/results/latest.json. Runs in the Rasa venv; the core measurement runs in the actions venv.
Absolute figures drift on a shared machine; the ratios are measured in the same run on the same machine.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path
from typing import Dict, List, Optional

sys.path.insert(0, str(Path(__file__).resolve().parent))

import yaml  # noqa: E402

import accuracy  # noqa: E402
import load  # noqa: E402
from procs import (ACTIONS_PYTHON, RASA, ROOT, ProcessGroup, actions_argv, base_env, free_port,  # noqa: E402
                   rasa_run_argv, redis_argv, rss_mib)
from refbots import CACHE, reference_bot  # noqa: E402

BENCH = ROOT / "bench"
RESULTS = BENCH / "results"
FULL_LEVELS = [("sequential", 1, 100), ("c10", 10, 200), ("c50", 50, 300)]
QUICK_LEVELS = [("sequential", 1, 15), ("c10", 10, 40), ("c50", 50, 60)]
TARGETS = [  # (key, description, comparison, limit)
    ("seq_p95_ms", "p95 turn latency, sequential", "<=", 50),
    ("c10_p95_ms", "p95 turn latency, 10 concurrent conversations", "<=", 150),
    ("c50_vs_stock", "throughput at 50 concurrent vs stock bot", ">=", 4.0),
    ("c50_vs_minimal", "throughput at 50 concurrent vs minimal bot", ">=", 0.5),
    ("ready_s", "start to ready (model loaded, action server up)", "<=", 15),
    ("train_s", "training from a clean cache", "<=", 60),
    ("rasa_rss_mib", "Rasa server resident memory after the load", "<=", 800),
    ("actions_rss_mib", "action server resident memory after the load", "<=", 200),
    ("two_process_scaling", "throughput of two processes vs one", ">=", 1.6),
    ("long_conversation_ratio", "p50 turn time at the last 20 of 500 turns / at turns 1-20 (one conversation)", "<=", 1.2),
]


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def current_model() -> Path:
    out = subprocess.run(["bash", "-c", f"source '{ROOT}/scripts/lib.sh' && current_model"],
                         capture_output=True, text=True, check=True).stdout.split()
    return Path(out[0])


def training_hash() -> str:
    return subprocess.run(["bash", "-c", f"source '{ROOT}/scripts/lib.sh' && training_hash"],
                          capture_output=True, text=True, check=True).stdout.strip()


def conversations() -> List[List[str]]:
    convs = yaml.safe_load((BENCH / "questions.yml").read_text())["conversations"]
    distinct = {m for c in convs for m in c}
    if len(distinct) < 50:
        raise SystemExit(f"bench/questions.yml has {len(distinct)} distinct messages; the benchmark needs at least 50")
    return convs


# ---- training ----------------------------------------------------------------------------------------

def netguide_training(retrain: bool) -> Dict[str, object]:
    """Train NETguide once from a clean Rasa cache and record the time (reused while the inputs are the same)."""
    record = CACHE / "netguide-train.json"
    wanted = training_hash()
    if record.exists() and not retrain:
        data = json.loads(record.read_text())
        if data.get("training_hash") == wanted and Path(data.get("model", "")).exists():
            return {**data, "cached": True}
    log("training NETguide from a clean cache (timed)")
    CACHE.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="bench-train-") as scratch:
        env = base_env(RASA_CACHE_DIRECTORY=str(Path(scratch) / "cache"))
        started = time.monotonic()
        done = subprocess.run([RASA, "train", "--config", "config.yml", "--domain", "domain.yml", "--data", "data",
                               "--out", scratch, "--fixed-model-name", "bench"], cwd=str(ROOT), env=env,
                              capture_output=True, text=True)
        seconds = time.monotonic() - started
        if done.returncode != 0 or not (Path(scratch) / "bench.tar.gz").exists():
            raise RuntimeError(f"training failed:\n{(done.stdout + done.stderr)[-3000:]}")
        for old in CACHE.glob("netguide-*.tar.gz"):
            old.unlink()
        model = CACHE / f"netguide-{wanted}.tar.gz"
        shutil.move(str(Path(scratch) / "bench.tar.gz"), model)
    data = {"training_hash": wanted, "train_s": round(seconds, 1), "model": str(model),
            "measured": dt.datetime.now().isoformat(timespec="seconds")}
    record.write_text(json.dumps(data, indent=2))
    return {**data, "cached": False}


# ---- serving -----------------------------------------------------------------------------------------

def shipped_endpoints() -> Dict:
    """The shipped endpoints.yml: NETguide is measured with the stores and action settings users get."""
    return yaml.safe_load((ROOT / "endpoints.yml").read_text())


def endpoints_file(workdir: Path, actions_port: Optional[int], store: str, redis_port: Optional[int] = None) -> Optional[Path]:
    shipped = shipped_endpoints()
    config: Dict = {}
    if actions_port:
        config["action_endpoint"] = {**shipped["action_endpoint"], "url": f"http://127.0.0.1:{actions_port}/webhook"}
    if store == "sqlite":
        config["tracker_store"] = {**shipped["tracker_store"], "db": str(workdir / "tracker.db")}
    elif store == "memory":
        pass  # Rasa's default: InMemoryTrackerStore
    elif store == "sqlite+redis-lock":
        # several processes: NETguide's tracker store on one shared SQLite file (WAL allows that on one
        # machine) and NETguide's Redis lock store, as endpoints.production.yml has it
        config["tracker_store"] = {**shipped["tracker_store"], "db": str(workdir / "tracker.db")}
        production = yaml.safe_load((ROOT / "endpoints.production.yml").read_text())
        config["lock_store"] = {"type": production["lock_store"]["type"], "url": "127.0.0.1", "port": redis_port,
                                "db": 1, "key_prefix": "bench"}
    if not config:
        return None
    path = workdir / f"endpoints-{store}-{actions_port or 'none'}.yml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


class Deployment:
    """One or more (Rasa server [+ action server]) pairs; conversations are spread over them by sender."""

    def __init__(self, name: str, model: Path, with_actions: bool, workdir: Path, replicas: int = 1,
                 store: str = "sqlite", redis_port: Optional[int] = None, credentials: Optional[Path] = None,
                 rasa_env: Optional[Dict[str, str]] = None):
        self.name, self.model, self.with_actions, self.workdir = name, model, with_actions, workdir
        self.replicas, self.store, self.redis_port = replicas, store, redis_port
        self.credentials = credentials or ROOT / "credentials.yml"
        self.rasa_env = rasa_env or {}
        self.group = ProcessGroup(workdir)
        self.rasa: List = []
        self.actions: List = []
        self.ports: List[int] = []

    def start(self) -> float:
        """Start everything at once; seconds until every server answers."""
        started = time.monotonic()
        pending = []
        for index in range(self.replicas):
            actions_port = free_port() if self.with_actions else None
            rasa_port = free_port()
            if actions_port:
                proc = self.group.start(f"{self.name}-actions{index}", actions_argv(actions_port), base_env())
                self.actions.append(proc)
                pending.append((proc, f"http://127.0.0.1:{actions_port}/health"))
            endpoints = endpoints_file(self.workdir, actions_port, self.store, self.redis_port)
            env = base_env(NETGUIDE_ACTIONS_PORT=str(actions_port or 0))
            env.update({k: v.replace("{PYTHONPATH}", env["PYTHONPATH"]) for k, v in self.rasa_env.items()})
            proc = self.group.start(f"{self.name}-rasa{index}",
                                    rasa_run_argv(self.model, rasa_port, endpoints, self.credentials,
                                                  netguide=self.with_actions), env,
                                    cwd=ROOT if self.with_actions else self.model.parent.parent)
            self.rasa.append(proc)
            self.ports.append(rasa_port)
            pending.append((proc, f"http://127.0.0.1:{rasa_port}/webhooks/rest/"))
        for proc, url in pending:
            self.group.wait_ready(proc, url, timeout=300)
        return time.monotonic() - started

    def url_for(self, sender: str) -> str:
        port = self.ports[zlib.crc32(sender.encode()) % len(self.ports)]  # sticky spread, like a hashing balancer
        return f"http://127.0.0.1:{port}/webhooks/rest/webhook"

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.ports[0]}"

    def rss(self) -> Dict[str, Optional[float]]:
        return {"rasa_rss_mib": rss_mib(self.rasa[0].pid) if self.rasa else None,
                "actions_rss_mib": rss_mib(self.actions[0].pid) if self.actions else None}

    def stop(self) -> None:
        self.group.stop()


def measure_bot(name: str, model: Path, with_actions: bool, levels, workdir: Path, convs, warmup: int,
                vignettes: Optional[List[dict]] = None, store: str = "sqlite",
                rasa_env: Optional[Dict[str, str]] = None) -> Dict[str, object]:
    deployment = Deployment(name, model, with_actions, workdir, store=store, rasa_env=rasa_env)
    out: Dict[str, object] = {"model": str(model)}
    try:
        out["ready_s"] = round(deployment.start(), 1)
        out["rss_at_ready"] = deployment.rss()
        log(f"{name}: ready in {out['ready_s']} s; load {', '.join(f'{n} x{c} ({m} msgs)' for n, c, m in levels)}")
        out["load"] = load.run_levels(deployment.url_for, convs, levels, warmup=warmup, label=name)
        out.update(deployment.rss())
        out["nlu_parse"] = load.nlu_parse_latency(deployment.base_url, [m for c in convs for m in c])
        if vignettes is not None:
            log(f"{name}: accuracy run over {len(vignettes)} vignettes")
            out["accuracy"] = run_vignettes(deployment, vignettes)
        for level, figures in out["load"].items():
            log(f"{name} {level}: p50 {figures['p50_ms']} ms, p95 {figures['p95_ms']} ms, "
                f"{figures['msg_per_s']} msg/s, errors {figures['errors']}")
    finally:
        deployment.stop()
    return out


def run_vignettes(deployment: Deployment, vignettes: List[dict]) -> Dict[str, object]:
    outcomes, latencies = [], []
    for vignette in vignettes:
        sender = f"bench-vignette-{vignette['id']}-{os.getpid()}"
        started = time.perf_counter()
        try:
            replies = load.play(deployment.url_for(sender), vignette["turns"], sender)
            outcomes.append({"text": accuracy.reply_text(replies[-1]), "error": None})
        except Exception as error:  # noqa: BLE001 - an error is scored as an abstention
            outcomes.append({"text": "", "error": f"{type(error).__name__}: {error}"})
        latencies.append((time.perf_counter() - started) * 1000 / len(vignette["turns"]))
    scored = accuracy.score(vignettes, outcomes)
    lat = sorted(latencies)
    scored["turn_p50_ms"] = round(load.percentile(lat, 50), 1)
    scored["turn_p95_ms"] = round(load.percentile(lat, 95), 1)
    return scored


def measure_scaling(model: Path, workdir: Path, convs, levels, warmup: int) -> Dict[str, object]:
    """Throughput at 50 concurrent conversations with one and with two (Rasa + action server) processes
    sharing NETguide's tracker store (one SQLite file) and NETguide's Redis lock store (our own
    redis-server on a free port)."""
    if not shutil.which("redis-server"):
        return {"skipped": "redis-server not installed (scripts/system_deps.sh installs it)"}
    redis_port = free_port()
    redis_dir = workdir / "redis"
    redis_dir.mkdir()
    group = ProcessGroup(workdir)
    out: Dict[str, object] = {"store": "shared SQLite tracker store + Redis lock store", "spread": "by sender (sticky)"}
    try:
        redis = group.start("redis", redis_argv(redis_port, redis_dir), base_env())
        deadline = time.monotonic() + 15
        import redis as redis_client  # rasa depends on it
        while True:
            try:
                redis_client.Redis(port=redis_port).ping()
                break
            except Exception:  # noqa: BLE001
                if time.monotonic() > deadline or redis.process.poll() is not None:
                    raise RuntimeError(f"redis-server did not start: {redis.tail()}")
                time.sleep(0.2)
        level = [lv for lv in levels if lv[0] == "c50"]
        for replicas in (1, 2):
            deployment = Deployment(f"scale{replicas}", model, True, workdir, replicas=replicas, store="sqlite+redis-lock",
                                    redis_port=redis_port)
            try:
                ready = deployment.start()
                figures = load.run_levels(deployment.url_for, convs, level, warmup=warmup, label=f"scale{replicas}")["c50"]
                figures["ready_s"] = round(ready, 1)
                out[f"processes_{replicas}"] = figures
                log(f"{replicas} process(es), shared SQLite + Redis lock: {figures['msg_per_s']} msg/s at 50 concurrent, "
                    f"p95 {figures['p95_ms']} ms, errors {figures['errors']}")
            finally:
                deployment.stop()
        one, two = out["processes_1"]["msg_per_s"], out["processes_2"]["msg_per_s"]
        out["ratio"] = round(two / one, 2) if one else None
    finally:
        group.stop()
    return out


# ---- report ------------------------------------------------------------------------------------------

def ratio(a: Optional[float], b: Optional[float]) -> Optional[float]:
    return round(a / b, 2) if a is not None and b else None


def summarise(result: Dict[str, object]) -> Dict[str, Optional[float]]:
    ours = result["netguide"]
    refs = result.get("reference", {})
    load_ = ours["load"]
    figures = {
        "seq_p95_ms": load_["sequential"]["p95_ms"], "c10_p95_ms": load_["c10"]["p95_ms"],
        "ready_s": ours["ready_s"], "train_s": result["training"]["netguide"]["train_s"],
        "rasa_rss_mib": ours["rasa_rss_mib"], "actions_rss_mib": ours["actions_rss_mib"],
        "c50_vs_stock": ratio(load_["c50"]["msg_per_s"], refs.get("stock", {}).get("load", {}).get("c50", {}).get("msg_per_s")),
        "c50_vs_minimal": ratio(load_["c50"]["msg_per_s"], refs.get("minimal", {}).get("load", {}).get("c50", {}).get("msg_per_s")),
        "two_process_scaling": result.get("scaling", {}).get("ratio"),
        "long_conversation_ratio": result.get("long_conversation", {}).get("ratio"),
    }
    return figures


def judge(figures: Dict[str, Optional[float]]) -> List[Dict[str, object]]:
    verdicts = []
    for key, text, op, limit in TARGETS:
        value = figures.get(key)
        met = None if value is None else (value <= limit if op == "<=" else value >= limit)
        verdicts.append({"target": key, "description": text, "limit": f"{op} {limit}", "value": value,
                         "met": met, "by": None if value is None else round(value - limit, 2)})
    return verdicts


def fmt(value, suffix: str = "") -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        value = f"{value:g}"
    return f"{value}{suffix}"


def table(result: Dict[str, object]) -> str:
    ours = result["netguide"]
    refs = result.get("reference", {})
    bots = [("NETguide", ours, result["training"]["netguide"]["train_s"])]
    for name, bot in result.get("experiments", {}).items():
        bots.append((f"experiment: {name}", bot, None))
    for name in ("stock", "minimal"):
        if name in refs:
            bots.append((f"{name} ref", refs[name], result["training"][name]["train_s"]))
    rows = ["| bot | train s | ready s | Rasa RSS MiB | actions RSS MiB | seq p50/p95/p99 ms | c10 p50/p95/p99 ms | "
            "c50 p50/p95/p99 ms | seq / c10 / c50 msg/s | errors | NLU parse p50 ms |",
            "|---|---|---|---|---|---|---|---|---|---|---|"]
    for label, bot, train in bots:
        l = bot["load"]
        lat = [f"{fmt(l[k]['p50_ms'])}/{fmt(l[k]['p95_ms'])}/{fmt(l[k]['p99_ms'])}" for k in ("sequential", "c10", "c50")]
        rate = " / ".join(fmt(l[k]["msg_per_s"]) for k in ("sequential", "c10", "c50"))
        errors = sum(l[k]["errors"] for k in l)
        rows.append(f"| {label} | {fmt(train)} | {fmt(bot['ready_s'])} | {fmt(bot['rasa_rss_mib'])} | "
                    f"{fmt(bot.get('actions_rss_mib'))} | {lat[0]} | {lat[1]} | {lat[2]} | {rate} | {errors} | "
                    f"{fmt(bot['nlu_parse']['p50_ms'])} |")
    lines = ["\n".join(rows), ""]
    for name in ("stock", "minimal"):
        if name in refs:
            r = refs[name]["load"]
            l = ours["load"]
            lines.append(f"NETguide / {name}: throughput seq {fmt(ratio(l['sequential']['msg_per_s'], r['sequential']['msg_per_s']))}x, "
                         f"c10 {fmt(ratio(l['c10']['msg_per_s'], r['c10']['msg_per_s']))}x, "
                         f"c50 {fmt(ratio(l['c50']['msg_per_s'], r['c50']['msg_per_s']))}x; "
                         f"p95 seq {fmt(ratio(l['sequential']['p95_ms'], r['sequential']['p95_ms']))}x, "
                         f"c10 {fmt(ratio(l['c10']['p95_ms'], r['c10']['p95_ms']))}x; "
                         f"Rasa RSS {fmt(ratio(ours['rasa_rss_mib'], refs[name]['rasa_rss_mib']))}x; "
                         f"ready {fmt(ratio(ours['ready_s'], refs[name]['ready_s']))}x; "
                         f"train {fmt(ratio(result['training']['netguide']['train_s'], result['training'][name]['train_s']))}x")
    scaling = result.get("scaling", {})
    if "ratio" in scaling:
        lines.append(f"Two processes ({scaling['store']}, spread {scaling['spread']}): "
                     f"{fmt(scaling['processes_1']['msg_per_s'])} -> {fmt(scaling['processes_2']['msg_per_s'])} msg/s at 50 "
                     f"concurrent = {fmt(scaling['ratio'])}x")
    elif scaling:
        lines.append(f"Two processes: {scaling.get('skipped')}")
    long = result.get("long_conversation")
    if long:
        lines.append(f"One conversation of {long['turns']} turns (bench/long_conversation.py): p50 {fmt(long['p50_first_ms'])} ms "
                     f"at turns 1-20, {fmt(long['p50_last_ms'])} ms at turns {long['turns'] - 19}-{long['turns']} = "
                     f"{fmt(long['ratio'])}x")
    core = result.get("core", {})
    if core:
        lines.append(f"Core alone: grading {fmt(core['grading']['per_s'])} cases/s, staging {fmt(core['staging']['per_s'])} "
                     f"cases/s, one composed and rendered answer {fmt(core['answer_turn']['mean_ms'])} ms "
                     f"(first answer incl. knowledge-base load {fmt(core['first_answer_incl_kb_load_s'])} s)")
    acc = ours.get("accuracy")
    if acc:
        lines += ["", "| accuracy (end to end over REST) | value |", "|---|---|",
                  f"| vignettes | {acc['vignettes']} |",
                  f"| grade concordance | {fmt(acc['grade_concordance'])} (n={acc['grade_n']}) |",
                  f"| stage-group concordance | {fmt(acc['stage_concordance'])} (n={acc['stage_n']}) |",
                  f"| T/N/M concordance | {fmt(acc['tnm_concordance'])} (n={acc['tnm_n']}) |",
                  f"| must-mention coverage | {fmt(acc['must_mention_coverage'])} (n={acc['must_mention_n']}) |",
                  f"| abstained | {fmt(acc['abstained'])}: {', '.join(f'{k} {v}' for k, v in acc['abstain_reasons'].items()) or 'none'} |",
                  f"| content lines with a citation | {fmt(acc['cited_line_share'])} (n={acc['content_lines']}) |",
                  f"| vignette turn latency p50/p95 | {fmt(acc['turn_p50_ms'])}/{fmt(acc['turn_p95_ms'])} ms |"]
    lines += ["", "| target | limit | measured | met |", "|---|---|---|---|"]
    for verdict in result["targets"]:
        met = {True: "met", False: "MISSED", None: "not measured"}[verdict["met"]]
        lines.append(f"| {verdict['description']} | {verdict['limit']} | {fmt(verdict['value'])} | {met} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="tiny load, 12 vignettes (a smoke run, about 2-3 minutes)")
    parser.add_argument("--retrain", action="store_true", help="re-measure NETguide's training time")
    parser.add_argument("--retrain-refs", action="store_true", help="rebuild and retrain the reference bots")
    parser.add_argument("--skip-refs", action="store_true", help="do not run the reference bots (no ratios)")
    parser.add_argument("--skip-scale", action="store_true", help="do not run the two-process measurement")
    parser.add_argument("--skip-long", action="store_true", help="do not play the 500-turn conversation")
    parser.add_argument("--experiments", action="store_true",
                        help="also measure NETguide with Rasa's in-memory tracker store (no persistence), "
                             "to show what the SQLite tracker store costs per turn")
    parser.add_argument("--accuracy-only", action="store_true",
                        help="re-run only the vignettes against NETguide and update the accuracy part of --out")
    parser.add_argument("--out", type=Path, default=RESULTS / "latest.json")
    args = parser.parse_args()

    levels = QUICK_LEVELS if args.quick else FULL_LEVELS
    warmup = 10 if args.quick else 40
    convs = conversations()
    vignettes = yaml.safe_load((BENCH / "vignettes.yml").read_text())["vignettes"]
    if args.quick:
        vignettes = vignettes[::10]
    if args.accuracy_only:
        result = json.loads(args.out.read_text())
        model = Path(result["netguide_model"])
        with tempfile.TemporaryDirectory(prefix="netguide-bench-") as scratch:
            deployment = Deployment("accuracy", model, True, Path(scratch))
            try:
                deployment.start()
                log(f"accuracy run over {len(vignettes)} vignettes")
                result["netguide"]["accuracy"] = run_vignettes(deployment, vignettes)
                result["netguide"]["accuracy"]["rerun"] = dt.datetime.now().isoformat(timespec="seconds")
            finally:
                deployment.stop()
        result["table_markdown"] = text = table(result)
        args.out.write_text(json.dumps(result, indent=2, default=str))
        print("\n" + text)
        return

    started = time.monotonic()
    result: Dict[str, object] = {
        "when": dt.datetime.now().isoformat(timespec="seconds"), "quick": args.quick,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "load_avg_at_start": os.getloadavg()},
        "levels": [{"name": n, "concurrency": c, "messages": m} for n, c, m in levels],
        "question_mix": {"conversations": len(convs), "distinct_messages": len({m for c in convs for m in c})},
        "training": {},
    }
    result["training"]["netguide"] = netguide_training(args.retrain)
    model = current_model()  # the model `make run` serves; the bench's own training result if not built yet
    if not model.exists():
        model = Path(result["training"]["netguide"]["model"])
    result["netguide_model"] = str(model)
    log(f"NETguide training from a clean cache: {result['training']['netguide']['train_s']} s"
        f"{' (measured earlier for the same inputs; --retrain to re-measure)' if result['training']['netguide']['cached'] else ''}")

    log("core alone (actions venv)")
    core = subprocess.run([ACTIONS_PYTHON, str(BENCH / "core_speed.py"), "--seconds", "1" if args.quick else "2"],
                          capture_output=True, text=True, env=base_env())
    result["core"] = json.loads(core.stdout) if core.returncode == 0 else {}
    if core.returncode != 0:
        log(f"core measurement failed: {core.stderr[-1500:]}")

    with tempfile.TemporaryDirectory(prefix="netguide-bench-") as scratch:
        workdir = Path(scratch)
        partial = args.out.with_name("partial.json")
        partial.parent.mkdir(parents=True, exist_ok=True)
        save = lambda: partial.write_text(json.dumps(result, indent=2, default=str))  # noqa: E731
        result["netguide"] = measure_bot("netguide", model, True, levels, workdir, convs, warmup, vignettes)
        save()
        if not args.skip_long:
            import long_conversation  # noqa: E402 - imports this module's Deployment

            turns = 100 if args.quick else 500
            log(f"netguide: one conversation of {turns} turns")
            long_dir = workdir / "long"
            long_dir.mkdir()
            result["long_conversation"] = long_conversation.measure("long", turns, {}, long_dir)
            log(f"netguide long conversation: {result['long_conversation']}")
            save()
        if args.experiments:
            # what the turn would cost without persistence: NETguide with Rasa's in-memory tracker store
            result["experiments"] = {
                "memory_tracker": measure_bot("exp-memory", model, True, levels, workdir, convs, warmup,
                                              store="memory"),
            }
        if not args.skip_refs:
            result["reference"] = {}
            for name in ("stock", "minimal"):
                meta = reference_bot(name, args.retrain_refs, log)
                result["training"][name] = {"train_s": meta["train_s"], "cached": meta["cached"]}
                result["reference"][name] = measure_bot(name, Path(meta["model"]), False, levels, workdir, convs, warmup)
                save()
        if not args.skip_scale:
            result["scaling"] = measure_scaling(model, workdir, convs, levels, warmup)
    result["figures"] = summarise(result)
    result["targets"] = judge(result["figures"])
    result["load_avg_at_end"] = os.getloadavg()
    result["seconds"] = round(time.monotonic() - started, 1)
    text = table(result)
    result["table_markdown"] = text
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, default=str))
    print("\n" + text)
    print(f"\nwritten: {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out} "
          f"({result['seconds']} s; load average {result['machine']['load_avg_at_start'][0]:.1f} at start)")


if __name__ == "__main__":
    main()
