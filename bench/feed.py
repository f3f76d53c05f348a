"""How many trades a second the feed normalises and dedups, on one core.

Builds a large recording from the real /trades rows in tests/fixtures/polymarket (repeated with
fresh tx hashes and rising timestamps, 5% of the fills sent twice as RTDS does for maker/taker
overlaps), writes it as RTDS JSON lines (checksummed-style wallets, as the live stream sends)
and as a Data API page, then times:
  1. replay of the JSON lines through ReplaySource (read + decode + normalise + dedup);
  2. the same frames through TradeFeed.handle_frame, the live path (decode + normalise + dedup +
     bounded queue), with a consumer draining the queue;
  3. replay of the Data API page (a single JSON array, sorted oldest first).
Prints trades/s for each and the peak RSS of the process.

    .venv/bin/python bench/feed.py [--trades 200000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scanner_core.sources.data_api import DataApiClient
from scanner_core.sources.feed import TradeFeed
from scanner_core.sources.http import HttpClient
from scanner_core.sources.replay import ReplaySource
from scanner_core.sources.rtds import RtdsStream
from tests.fakes.polymarket import fresh_trades, sample_trade_rows, to_rtds_payload


def build_recording(count: int, folder: Path) -> tuple[Path, Path, int, int]:
    templates = sample_trade_rows()
    rows = fresh_trades(templates, count, start_ts=1_790_000_000, per_second=30, salt="bench")
    rng = random.Random(1)
    jsonl = folder / "rtds.jsonl"
    frames = 0
    out = jsonl.open("w")
    for row in rows:
        envelope = {
            "connection_id": "bench",
            "payload": to_rtds_payload(row),
            "timestamp": row["timestamp"] * 1000,
            "topic": "activity",
            "type": "trades",
        }
        line = json.dumps(envelope, separators=(",", ":")) + "\n"
        copies = 2 if rng.random() < 0.05 else 1  # sometimes the same fill again
        out.write(line * copies)
        frames += copies
    out.close()
    page = folder / "page.json"
    page.write_text(json.dumps(rows[::-1]))  # a /trades page is newest first
    return jsonl, page, len(templates), frames


async def time_replay(path: Path) -> tuple[int, int, float]:
    source = ReplaySource([path])
    started = time.perf_counter()
    count = 0
    async for _ in source:
        count += 1
    return count, source.counts["duplicates"], time.perf_counter() - started


async def time_feed(path: Path) -> tuple[int, int, float]:
    async with aiohttp.ClientSession() as session:  # never used to connect: frames are fed directly
        rtds = RtdsStream(session, "ws://127.0.0.1:9/unused")
        data_api = DataApiClient(HttpClient(session, {}), "http://127.0.0.1:9")
        feed = TradeFeed(rtds, data_api, queue_size=10_000, dedup_window=400_000)
        received = 0
        fed_all = False
        drained = asyncio.Event()

        async def consume() -> None:
            nonlocal received
            while True:
                await feed.get()
                received += 1
                if fed_all and received == feed.counts["live"]:
                    drained.set()

        consumer = asyncio.create_task(consume())
        started = time.perf_counter()
        with path.open() as lines:
            for line in lines:
                await feed.handle_frame(line)
        fed_all = True
        if received == feed.counts["live"]:
            drained.set()
        await drained.wait()
        elapsed = time.perf_counter() - started
        consumer.cancel()
        await asyncio.gather(consumer, return_exceptions=True)
        return received, feed.counts["duplicates"], elapsed


async def main(count: int) -> None:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core
    with tempfile.TemporaryDirectory() as tmp:
        jsonl, page, templates, frames = build_recording(count, Path(tmp))
        print(
            f"recording: {count:,} trades made from {templates} real /trades rows in tests/fixtures "
            f"(repeated with fresh tx hashes and rising timestamps), {frames:,} RTDS frames with ~5% repeats; "
            f"{jsonl.stat().st_size / 1e6:.1f} MB of JSON lines"
        )
        for label, run, path in (
            ("replay RTDS JSON lines (read+decode+normalise+dedup)", time_replay, jsonl),
            ("live feed path, TradeFeed.handle_frame (+bounded queue)", time_feed, jsonl),
            ("replay Data API page (one JSON array, sorted)", time_replay, page),
        ):
            trades, dupes, elapsed = await run(path)
            print(
                f"{label}: {trades:,} trades, {dupes:,} repeats dropped in {elapsed:.2f} s"
                f" -> {trades / elapsed:,.0f} trades/s (peak RSS so far {peak_rss_mb():.0f} MB)"
            )
    print(f"peak RSS: {peak_rss_mb():.0f} MB (one process, one core; includes building the recording)")


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--trades", type=int, default=200_000)
    asyncio.run(main(parser.parse_args().trades))
