"""What a kept connection to the action server saves, and what travels per turn (issue 19 item 3).

    .venv/rasa/bin/python bench/action_calls.py [--sequential 150] [--concurrent 10 --concurrent-messages 300]

In one run, against the real servers (NETguide's launchers, the shipped endpoints.yml, SQLite tracker
store in a scratch folder), the conversations of bench/questions.yml:
1. timing: two Rasa servers run side by side on one action server, `before` = every action call on a new
   connection (NETGUIDE_ACTION_KEEP_ALIVE=0, Rasa's behaviour), `after` = calls reuse a kept connection
   (bot/channels/action_connection.py); the load (sequential, then N concurrent conversations) goes to one
   and then the other, in alternating order, for --rounds rounds, so both see the same machine (it is
   shared: a single pass each was off by 2x either way); prints each round's after/before ratios and their
   median;
2. bytes, once more per setting with a byte-counting relay between the Rasa server and the action server
   (not timed): per turn, the action call's request and response, the REST reply, the events stored in
   the tracker store, and how many TCP connections the action calls opened.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Dict, List, Optional

sys.path.insert(0, str(Path(__file__).resolve().parent))

import aiohttp  # noqa: E402

import load  # noqa: E402
from procs import ROOT, ProcessGroup, actions_argv, base_env, free_port, rasa_run_argv  # noqa: E402
from run import conversations, current_model, endpoints_file  # noqa: E402

SETTINGS = [("before", {"NETGUIDE_ACTION_KEEP_ALIVE": "0"}), ("after", {"NETGUIDE_ACTION_KEEP_ALIVE": "1"})]


class CountingRelay:
    """A TCP relay on a free port that counts bytes each way and connections (its own thread and loop)."""

    def __init__(self, target_port: int) -> None:
        self.target_port, self.port = target_port, free_port()
        self.up = self.down = self.connections = 0
        self._ready = threading.Event()
        self._loop = asyncio.new_event_loop()
        threading.Thread(target=self._run, daemon=True).start()
        self._ready.wait(10)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)

        async def pipe(reader, writer, direction: str) -> None:
            try:
                while data := await reader.read(65536):
                    setattr(self, direction, getattr(self, direction) + len(data))
                    writer.write(data)
                    await writer.drain()
            except (ConnectionError, asyncio.CancelledError):
                pass
            finally:
                writer.close()

        async def handle(client_reader, client_writer) -> None:
            self.connections += 1
            server_reader, server_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
            await asyncio.gather(pipe(client_reader, server_writer, "up"), pipe(server_reader, client_writer, "down"))

        async def main() -> None:
            server = await asyncio.start_server(handle, "127.0.0.1", self.port)
            self._ready.set()
            async with server:
                await server.serve_forever()

        self._loop.run_until_complete(main())


def start(group: ProcessGroup, workdir: Path, label: str, env: Dict[str, str], relay: bool,
          actions_port: Optional[int] = None):
    """A Rasa server (and an action server unless one is given); returns its REST URL and the relay."""
    if actions_port is None:
        actions_port = free_port()
        actions = group.start(f"{label}-actions", actions_argv(actions_port), base_env())
        group.wait_ready(actions, f"http://127.0.0.1:{actions_port}/health", 120)
    counter = CountingRelay(actions_port) if relay else None
    rasa_port = free_port()
    folder = workdir / label
    folder.mkdir(exist_ok=True)
    endpoints = endpoints_file(folder, counter.port if counter else actions_port, "sqlite")
    rasa = group.start(f"{label}-rasa", rasa_run_argv(current_model(), rasa_port, endpoints, ROOT / "credentials.yml",
                                                      netguide=True), base_env(**env))
    group.wait_ready(rasa, f"http://127.0.0.1:{rasa_port}/webhooks/rest/", 300)
    return f"http://127.0.0.1:{rasa_port}/webhooks/rest/webhook", counter


def timing(convs, args) -> Dict[str, object]:
    conc = f"c{args.concurrent}"
    levels = [("sequential", 1, args.sequential), (conc, args.concurrent, args.concurrent_messages)]
    rounds: List[Dict[str, Dict[str, Dict[str, float]]]] = []
    with tempfile.TemporaryDirectory(prefix="netguide-actions-timing-") as scratch:
        group = ProcessGroup(Path(scratch))
        try:
            actions_port = free_port()
            actions = group.start("actions", actions_argv(actions_port), base_env())
            group.wait_ready(actions, f"http://127.0.0.1:{actions_port}/health", 120)
            urls = {label: start(group, Path(scratch), label, env, False, actions_port)[0] for label, env in SETTINGS}
            for label, url in urls.items():
                load.run_levels(lambda sender, url=url: url, convs, [], warmup=40, label=f"{label}-warm")
            for number in range(args.rounds):
                order = [label for label, _ in SETTINGS][:: 1 if number % 2 == 0 else -1]
                one = {label: load.run_levels(lambda sender, url=urls[label]: url, convs, levels,
                                              label=f"{label}-r{number}") for label in order}
                rounds.append(one)
                b, a = one["before"], one["after"]
                print(f"round {number + 1} ({' then '.join(order)}): seq p50 {b['sequential']['p50_ms']} -> "
                      f"{a['sequential']['p50_ms']} ms, seq p95 {b['sequential']['p95_ms']} -> {a['sequential']['p95_ms']}, "
                      f"{conc} p95 {b[conc]['p95_ms']} -> {a[conc]['p95_ms']}, {conc} msg/s {b[conc]['msg_per_s']} -> "
                      f"{a[conc]['msg_per_s']}", flush=True)
        finally:
            group.stop()
    return {"rounds": rounds}


def traffic(label: str, env: Dict[str, str], convs, turns: int) -> Dict[str, float]:
    with tempfile.TemporaryDirectory(prefix=f"netguide-bytes-{label}-") as scratch:
        group = ProcessGroup(Path(scratch))
        try:
            url, counter = start(group, Path(scratch), label, env, relay=True)
            messages = [(f"bytes-{label}-{n}", text) for n, conv in enumerate(convs) for text in conv][:turns]
            rest_bytes = 0

            async def play() -> int:
                total = 0
                async with aiohttp.ClientSession() as session:
                    for sender, text in messages:
                        async with session.post(url, json={"sender": sender, "message": text}) as response:
                            total += len(await response.read())
                return total

            up0, down0, conn0 = counter.up, counter.down, counter.connections
            rest_bytes = asyncio.run(play())
            time.sleep(0.5)
            with sqlite3.connect(Path(scratch) / label / "tracker.db") as db:
                stored = db.execute("SELECT sum(length(data)) FROM events WHERE sender_id LIKE 'bytes-%'").fetchone()[0]
            n = len(messages)
            return {"turns": n, "action_request_bytes": round((counter.up - up0) / n),
                    "action_response_bytes": round((counter.down - down0) / n),
                    "rest_reply_bytes": round(rest_bytes / n), "stored_event_bytes": round(stored / n),
                    "action_connections": counter.connections - conn0}
        finally:
            group.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sequential", type=int, default=150)
    parser.add_argument("--concurrent", type=int, default=10)
    parser.add_argument("--concurrent-messages", type=int, default=300)
    parser.add_argument("--bytes-turns", type=int, default=60)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    convs = conversations()
    conc = f"c{args.concurrent}"
    results: Dict[str, object] = {"timing": timing(convs, args)}
    results["bytes"] = {label: traffic(label, env, convs, args.bytes_turns) for label, env in SETTINGS}
    rounds = results["timing"]["rounds"]

    def median(level: str, key: str, label: str) -> float:
        return round(statistics.median(r[label][level][key] for r in rounds), 1)

    def ratio(level: str, key: str) -> float:
        return round(statistics.median(r["after"][level][key] / r["before"][level][key] for r in rounds), 2)

    print(f"\n| setting (median of {len(rounds)} rounds) | seq p50 / p95 ms | {conc} p50 / p95 ms | {conc} msg/s "
          f"| action-server connections per {args.bytes_turns} turns |")
    print("|---|---|---|---|---|")
    for label, _ in SETTINGS:
        print(f"| {label} | {median('sequential', 'p50_ms', label)} / {median('sequential', 'p95_ms', label)} | "
              f"{median(conc, 'p50_ms', label)} / {median(conc, 'p95_ms', label)} | {median(conc, 'msg_per_s', label)} | "
              f"{results['bytes'][label]['action_connections']} |")
    print(f"after / before, median of the rounds' ratios: seq p50 {ratio('sequential', 'p50_ms')}, "
          f"seq p95 {ratio('sequential', 'p95_ms')}, {conc} p95 {ratio(conc, 'p95_ms')}, {conc} msg/s {ratio(conc, 'msg_per_s')}")
    b = results["bytes"]["after"]
    print(f"per turn ({b['turns']} turns of bench/questions.yml): action call request {b['action_request_bytes']} B, "
          f"response {b['action_response_bytes']} B, REST reply {b['rest_reply_bytes']} B, "
          f"events stored {b['stored_event_bytes']} B")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
