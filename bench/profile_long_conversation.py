"""Where does the time of a late turn go? cProfile of the Rasa server's turn handling, in process, at the
start and at the end of one long conversation (the action server runs as its own process, as deployed).

    .venv/rasa/bin/python bench/profile_long_conversation.py [--turns 300] [--top 30] [--before]

Loads the model with NETguide's runtime changes (as bot/channels/rasa_server.py does) and the shipped
endpoints.yml (SQLite tracker store in a scratch folder), plays the four questions of
bench/long_conversation.py, and prints for turns 1-20 and for the last 20 turns the milliseconds per turn
spent in the functions that matter (cumulative), so that what grows with the conversation stands out.
`--before` sets NETGUIDE_BOUNDED_HISTORY=0 (the bounded-history changes off); NETGUIDE_ACTION_KEEP_ALIVE=0
in the environment opens a new connection per action call (Rasa's behaviour, bot/channels/action_connection.py).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import yaml  # noqa: E402

from long_conversation import QUESTIONS  # noqa: E402
from procs import ROOT, ProcessGroup, actions_argv, base_env, free_port  # noqa: E402
from run import current_model  # noqa: E402

sys.path.insert(0, str(ROOT))  # bot.channels, bot.runtime

WATCH = [  # (label, (file suffix, function name)) - cumulative time per turn
    ("whole turn (Agent.handle_message)", ("rasa/core/agent.py", "handle_message")),
    ("tracker store retrieve", ("tracker_store.py", "retrieve")),
    ("tracker store save", ("tracker_store.py", "save")),
    ("policy prediction (predict_next_action)", ("rasa/core/processor.py", "_predict_next_with_tracker")),
    ("  state featurization (past_states)", ("rasa/shared/core/trackers.py", "past_states")),
    ("  applied_events", ("rasa/shared/core/trackers.py", "applied_events")),
    ("action call (RemoteAction.run)", ("rasa/core/actions/action.py", "run")),
    ("  payload (_action_call_format)", ("bot/channels/slim_action_calls.py", "slim_action_call_format")),
    ("  HTTP call to the action server (EndpointConfig.request)", ("rasa/utils/endpoints.py", "request")),
    ("  tracker.current_state", ("rasa/shared/core/trackers.py", "current_state")),
    ("  tracker.copy (replays every event)", ("rasa/shared/core/trackers.py", "copy")),
    ("user message in (log_message: fetch, session, NLU)", ("rasa/core/processor.py", "log_message")),
    ("  session check (_update_tracker_session)", ("rasa/core/processor.py", "_update_tracker_session")),
    ("  NLU parse (parse_message)", ("rasa/core/processor.py", "parse_message")),
    ("deep copies (copy.deepcopy)", ("copy.py", "deepcopy")),
]


def per_turn(stats: pstats.Stats, turns: int) -> dict:
    found = {}
    for (filename, _, name), (_, _, _, cumulative, _) in stats.stats.items():
        for label, (suffix, function) in WATCH:
            if filename.endswith(suffix) and name == function:
                found[label] = found.get(label, 0.0) + cumulative * 1000 / turns
    return found


async def play(agent, sender: str, numbers, profiler=None) -> float:
    from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

    started = time.perf_counter()
    for number in numbers:
        if profiler:
            profiler.enable()
        await agent.handle_message(UserMessage(QUESTIONS[number % len(QUESTIONS)], CollectingOutputChannel(),
                                               sender, input_channel="rest"))
        if profiler:
            profiler.disable()
    return (time.perf_counter() - started) * 1000 / len(numbers)


async def main_async(args, workdir: Path, actions_port: int) -> None:
    from rasa.core.agent import load_agent
    from rasa.core.utils import AvailableEndpoints

    import logging

    from rasa.utils.common import configure_logging_and_warnings
    from rasa.utils.log_utils import configure_structlog

    from bot.channels import action_connection, fast_action_validation, runtime_guards, slim_action_calls

    configure_logging_and_warnings(logging.INFO)  # as `rasa run` without --debug
    configure_structlog(logging.INFO)

    runtime_guards.install()
    fast_action_validation.install()
    slim_action_calls.install()
    action_connection.install()
    endpoints_yml = yaml.safe_load((ROOT / "endpoints.yml").read_text())
    endpoints_yml["action_endpoint"]["url"] = f"http://127.0.0.1:{actions_port}/webhook"
    endpoints_yml["tracker_store"]["db"] = str(workdir / "tracker.db")
    (workdir / "endpoints.yml").write_text(yaml.safe_dump(endpoints_yml))
    agent = await load_agent(model_path=str(current_model()),
                             endpoints=AvailableEndpoints.read_endpoints(str(workdir / "endpoints.yml")))
    await play(agent, "warm-up", range(12))
    sender = "profiled"
    window = 20
    first = cProfile.Profile()
    first_ms = await play(agent, sender, range(window), first)
    await play(agent, sender, range(window, args.turns - window))
    last = cProfile.Profile()
    last_ms = await play(agent, sender, range(args.turns - window, args.turns), last)
    a, b = per_turn(pstats.Stats(first), window), per_turn(pstats.Stats(last), window)
    print(f"\nms per turn, in process (profiler on), turns 1-{window} vs {args.turns - window + 1}-{args.turns}")
    print(f"| part | turns 1-{window} | turns {args.turns - window + 1}-{args.turns} |\n|---|---|---|")
    print(f"| wall clock per turn | {first_ms:.1f} | {last_ms:.1f} |")
    for label, _ in WATCH:
        print(f"| {label} | {a.get(label, 0):.1f} | {b.get(label, 0):.1f} |")
    if args.top:
        print(f"\n--- top {args.top} by cumulative time, last {window} turns ---")
        pstats.Stats(last).sort_stats("cumulative").print_stats(args.top)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--turns", type=int, default=300)
    parser.add_argument("--top", type=int, default=0)
    parser.add_argument("--before", action="store_true")
    args = parser.parse_args()
    if args.before:
        os.environ["NETGUIDE_BOUNDED_HISTORY"] = "0"
    os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
    with tempfile.TemporaryDirectory(prefix="netguide-profile-long-") as scratch:
        workdir = Path(scratch)
        group = ProcessGroup(workdir)
        try:
            port = free_port()
            proc = group.start("actions", actions_argv(port), base_env())
            group.wait_ready(proc, f"http://127.0.0.1:{port}/health", timeout=120)
            asyncio.run(main_async(args, workdir, port))
        finally:
            group.stop()


if __name__ == "__main__":
    main()
