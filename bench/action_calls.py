"""What a kept connection to the action server saves, and what travels per turn (issue 19 item 3).

    .venv/rasa/bin/python bench/action_calls.py [--sequential 150] [--concurrent 10 --concurrent-messages 300]

In one run, against the real servers (NETguide's launchers, the shipped endpoints.yml, SQLite tracker
store in a scratch folder), the conversations of bench/questions.yml:
1. timing, twice in turn: `before` = every action call on a new connection (NETGUIDE_ACTION_KEEP_ALIVE=0,
   Rasa's behaviour), `after` = calls reuse a kept connection (bot/channels/action_connection.py); p50/p95
   sequential and at N concurrent conversations, msg/s;
2. bytes, once more per setting with a byte-counting relay between the Rasa server and the action server
   (not timed): per turn, the action call's request and response, the REST reply, the events stored in
   the tracker store, and how many TCP connections the action calls opened.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sqlite3
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Dict, List

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


def start(group: ProcessGroup, workdir: Path, label: str, env: Dict[str, str], relay: bool):
    actions_port, rasa_port = free_port(), free_port()
    actions = group.start(f"{label}-actions", actions_argv(actions_port), base_env())
    counter = CountingRelay(actions_port) if relay else None
    endpoints = endpoints_file(workdir, counter.port if counter else actions_port, "sqlite")
    rasa = group.start(f"{label}-rasa", rasa_run_argv(current_model(), rasa_port, endpoints, ROOT / "credentials.yml",
                                                      netguide=True), base_env(**env))
    group.wait_ready(actions, f"http://127.0.0.1:{actions_port}/health", 120)
    group.wait_ready(rasa, f"http://127.0.0.1:{rasa_port}/webhooks/rest/", 300)
    return f"http://127.0.0.1:{rasa_port}/webhooks/rest/webhook", counter


def timing(label: str, env: Dict[str, str], convs, args) -> Dict[str, object]:
    with tempfile.TemporaryDirectory(prefix=f"netguide-actions-{label}-") as scratch:
        group = ProcessGroup(Path(scratch))
        try:
            url, _ = start(group, Path(scratch), label, env, relay=False)
            levels = [("sequential", 1, args.sequential), (f"c{args.concurrent}", args.concurrent, args.concurrent_messages)]
            return load.run_levels(lambda sender: url, convs, levels, warmup=40, label=label)
        finally:
            group.stop()


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
            with sqlite3.connect(Path(scratch) / "tracker.db") as db:
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
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    convs = conversations()
    results: Dict[str, Dict[str, object]] = {}
    for label, env in SETTINGS:
        results[label] = {"load": timing(label, env, convs, args)}
    for label, env in SETTINGS:
        results[label]["bytes"] = traffic(label, env, convs, args.bytes_turns)
    conc = f"c{args.concurrent}"
    print(f"\n| setting | seq p50 / p95 ms | {conc} p50 / p95 ms | {conc} msg/s | action connections per {args.bytes_turns} turns |")
    print("|---|---|---|---|---|")
    for label, figures in results.items():
        seq, many = figures["load"]["sequential"], figures["load"][conc]
        print(f"| {label} | {seq['p50_ms']} / {seq['p95_ms']} | {many['p50_ms']} / {many['p95_ms']} | "
              f"{many['msg_per_s']} | {figures['bytes']['action_connections']} |")
    before, after = results["before"]["load"], results["after"]["load"]
    print(f"after / before: seq p50 {after['sequential']['p50_ms'] / before['sequential']['p50_ms']:.2f}, "
          f"seq p95 {after['sequential']['p95_ms'] / before['sequential']['p95_ms']:.2f}, "
          f"{conc} p95 {after[conc]['p95_ms'] / before[conc]['p95_ms']:.2f}, "
          f"{conc} msg/s {after[conc]['msg_per_s'] / before[conc]['msg_per_s']:.2f}")
    b = results["after"]["bytes"]
    print(f"per turn ({b['turns']} turns of bench/questions.yml): action call request {b['action_request_bytes']} B, "
          f"response {b['action_response_bytes']} B, REST reply {b['rest_reply_bytes']} B, "
          f"events stored {b['stored_event_bytes']} B")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
