"""Asynchronous load over the Rasa REST webhook: each worker plays whole conversations as its own sender.

A worker takes the next conversation from the shared mix (a list of user turns), plays it turn by turn
with a fresh sender id, then takes the next one, until the level's message budget is spent. Latency is
measured per turn (request sent -> full JSON reply read).
"""

from __future__ import annotations

import asyncio
import itertools
import statistics
import time
import uuid
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Sequence

import aiohttp


@dataclass
class LoadResult:
    concurrency: int
    messages: int = 0
    errors: int = 0
    empty_replies: int = 0
    seconds: float = 0.0
    latencies_ms: List[float] = field(default_factory=list)
    error_examples: List[str] = field(default_factory=list)

    def summary(self) -> Dict[str, float]:
        lat = sorted(self.latencies_ms)
        return {
            "concurrency": self.concurrency,
            "messages": self.messages,
            "errors": self.errors,
            "empty_replies": self.empty_replies,
            "seconds": round(self.seconds, 2),
            "msg_per_s": round(self.messages / self.seconds, 1) if self.seconds else 0.0,
            "p50_ms": round(percentile(lat, 50), 1),
            "p95_ms": round(percentile(lat, 95), 1),
            "p99_ms": round(percentile(lat, 99), 1),
            "mean_ms": round(statistics.fmean(lat), 1) if lat else 0.0,
        }


def percentile(sorted_values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile of an already sorted list (0 for an empty list)."""
    if not sorted_values:
        return 0.0
    rank = max(1, int(round(pct / 100 * len(sorted_values) + 0.499999)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


async def _say(session: aiohttp.ClientSession, url: str, sender: str, text: str, timeout: float) -> list:
    async with session.post(url, json={"sender": sender, "message": text},
                            timeout=aiohttp.ClientTimeout(total=timeout)) as response:
        if response.status != 200:
            raise RuntimeError(f"HTTP {response.status}: {(await response.text())[:200]}")
        return await response.json(content_type=None)


async def run_level(
    urls_for_sender: Callable[[str], str],
    conversations: Sequence[Sequence[str]],
    concurrency: int,
    total_messages: int,
    timeout: float = 60.0,
    label: str = "load",
) -> LoadResult:
    """Play conversations with `concurrency` workers until `total_messages` turns were sent."""
    result = LoadResult(concurrency=concurrency)
    budget = {"left": total_messages}
    source = itertools.cycle(list(conversations))
    lock = asyncio.Lock()
    run_id = uuid.uuid4().hex[:8]

    async def take() -> Optional[Sequence[str]]:
        async with lock:
            if budget["left"] <= 0:
                return None
            conversation = next(source)
            budget["left"] -= len(conversation)
            return conversation

    async def worker(number: int, session: aiohttp.ClientSession) -> None:
        serial = 0
        while True:
            conversation = await take()
            if conversation is None:
                return
            serial += 1
            sender = f"bench-{label}-{run_id}-w{number}-c{serial}"
            url = urls_for_sender(sender)
            for text in conversation:
                started = time.perf_counter()
                try:
                    replies = await _say(session, url, sender, text, timeout)
                    result.latencies_ms.append((time.perf_counter() - started) * 1000)
                    if not replies:
                        result.empty_replies += 1
                except Exception as error:  # noqa: BLE001 - counted and reported, the run goes on
                    result.errors += 1
                    if len(result.error_examples) < 5:
                        result.error_examples.append(f"{type(error).__name__}: {error}"[:300])
                result.messages += 1

    connector = aiohttp.TCPConnector(limit=concurrency + 4, force_close=False)
    async with aiohttp.ClientSession(connector=connector) as session:
        started = time.perf_counter()
        await asyncio.gather(*(worker(n, session) for n in range(concurrency)))
        result.seconds = time.perf_counter() - started
    return result


def run_levels(urls_for_sender: Callable[[str], str], conversations: Sequence[Sequence[str]],
               levels: Sequence[tuple], warmup: int = 0, label: str = "load") -> Dict[str, Dict[str, float]]:
    """levels: (name, concurrency, messages). A short warm-up (not measured) loads caches first."""
    out: Dict[str, Dict[str, float]] = {}
    if warmup:
        asyncio.run(run_level(urls_for_sender, conversations, 2, warmup, label=f"{label}-warm"))
    for name, concurrency, messages in levels:
        result = asyncio.run(run_level(urls_for_sender, conversations, concurrency, messages, label=f"{label}-{name}"))
        summary = result.summary()
        if result.error_examples:
            summary["error_examples"] = result.error_examples
        out[name] = summary
    return out


async def _parse_once(session: aiohttp.ClientSession, url: str, text: str) -> float:
    started = time.perf_counter()
    async with session.post(url, json={"text": text}) as response:
        await response.read()
    return (time.perf_counter() - started) * 1000


def nlu_parse_latency(base_url: str, texts: Sequence[str]) -> Dict[str, float]:
    """Sequential /model/parse latency: the NLU pipeline's own cost (diagnostic)."""
    async def go() -> List[float]:
        async with aiohttp.ClientSession() as session:
            for text in texts[:5]:
                await _parse_once(session, f"{base_url}/model/parse", text)
            return [await _parse_once(session, f"{base_url}/model/parse", t) for t in texts]
    lat = sorted(asyncio.run(go()))
    return {"p50_ms": round(percentile(lat, 50), 1), "p95_ms": round(percentile(lat, 95), 1), "n": len(lat)}


async def _conversation_replies(url: str, conversation: Sequence[str], sender: str, timeout: float) -> List[list]:
    async with aiohttp.ClientSession() as session:
        return [await _say(session, url, sender, text, timeout) for text in conversation]


def play(url: str, conversation: Sequence[str], sender: str, timeout: float = 60.0) -> List[list]:
    """Play one conversation and return the replies of each turn (used by the accuracy run)."""
    return asyncio.run(_conversation_replies(url, conversation, sender, timeout))
