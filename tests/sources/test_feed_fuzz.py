"""Fuzzing the live decode path (issue 10): 10,000 random and mutated RTDS frames through
TradeFeed.handle_frame, the function the RTDS connection calls for every text frame.

The frames are mutations of the real captured RTDS frames (tests/fixtures/polymarket/rtds) and of
the real Data API rows (tests/fixtures/polymarket/data_api, sent as RTDS payloads, bare rows and
v2 rows), plus random text, bytes and JSON. Seeded, so CI sees the same 10,000 every run.

What must hold: handle_frame never raises (0 crashes) and the decoder never fails inside (the
feed's last-resort "decoder_error" count stays 0); a frame made bad on purpose is counted as
malformed exactly once and yields nothing; an intact frame yields its trade; and whatever a random
frame is, if it holds something trade-shaped and yields no trade, it was counted.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import aiohttp
import pytest
from prometheus_client import REGISTRY

from scanner_core.sources.data_api import DataApiClient
from scanner_core.sources.feed import TradeFeed
from scanner_core.sources.http import HttpClient
from scanner_core.sources.rtds import RtdsStream
from tests.fakes.polymarket import sample_trade_rows, to_rtds_payload
from tests.sources.conftest import FIXTURES

FRAMES = 10_000
SEED = 20261203
NOW = int(datetime.now(UTC).timestamp())

# values that no field of a trade may hold, by the field they break
BAD_VALUES: dict[str, list[Any]] = {
    "size": [1e19, "1e19", "1e400", "1e9999999999", -5, 0, "abc", None, True, [], {"v": 1}, "1" * 70],
    "price": [1.5, -0.01, "1e-9999999999", "x", None, [0.5]],
    "timestamp": [4_102_444_800, 4_102_444_800_000, NOW + 86_400, 0, 1_000_000_000, "1e9999999999", "soon", None],
    "transactionHash": ["0x" + "a" * 80, "0x" + "a" * 63, "0x" + "z" * 64, "", 12, None],
    "asset": ["9" * 81, str(2**256), "²³", "-1", "0xabc", 1.5, None, ""],
    "conditionId": ["0x12", "0x" + "c" * 66, 7, None],
    "outcomeIndex": [40000, 256, -1, "1e5269", 1.5, [1]],
    "proxyWallet": ["0xnothex", "0x" + "1" * 41, 5, None],
    "side": ["HOLD", "", 1, None],
    "title": [{"a": 1}, [1, 2]],
}
REQUIRED = ["size", "price", "timestamp", "transactionHash", "asset", "conditionId", "side"]
NASTY = [
    None,
    True,
    False,
    0,
    -1,
    2**63 - 1,
    1e308,
    -1e-308,
    "",
    " ",
    "\x00",
    "\ud7ff",
    "NaN",
    "Infinity",
    "1e400",
    "1e-400",
    "0E+999999999",
    "٣",
    "²",
    "0x",
    "0x" + "f" * 64,
    "9" * 78,
    [],
    {},
    [[[[]]]],
    {"a": {"b": {}}},
]


def real_payloads() -> list[dict[str, Any]]:
    """RTDS payloads: the captured frames' and every Data API row's, dated now with fresh hashes."""
    payloads = []
    for path in sorted((FIXTURES / "rtds").glob("activity_trades_frame_*.json")):
        payloads.append(json.loads(path.read_text())["payload"])
    payloads.extend(to_rtds_payload(row) for row in sample_trade_rows())
    return payloads


class Fuzzer:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.payloads = real_payloads()
        self.serial = 0

    def fresh(self) -> dict[str, Any]:
        """A real payload as a new fill: its own tx hash, a time of the last day."""
        self.serial += 1
        payload = dict(self.rng.choice(self.payloads))
        payload["transactionHash"] = "0x" + hashlib.sha256(f"fuzz{self.serial}".encode()).hexdigest()
        payload["timestamp"] = NOW - self.rng.randrange(86_400)
        if self.rng.random() < 0.3:  # the Data API and some RTDS frames send numbers as strings
            payload["size"], payload["price"] = str(payload["size"]), str(payload["price"])
        return payload

    def envelope(self, payload: Any, kind: str = "trades") -> dict[str, Any]:
        return {"connection_id": "fuzz", "payload": payload, "timestamp": NOW * 1000, "topic": "activity", "type": kind}

    def good(self) -> str:
        payload = self.fresh()
        shape = self.rng.randrange(3)
        if shape == 0:
            return json.dumps(self.envelope(payload, self.rng.choice(["trades", "orders_matched"])))
        if shape == 1:
            return json.dumps(payload)  # a bare payload, as recordings hold
        return json.dumps(self.envelope([payload]))

    def bad(self) -> str:
        payload = self.fresh()
        kind = self.rng.randrange(4)
        if kind == 0:
            field = self.rng.choice(sorted(BAD_VALUES))
            payload[field] = self.rng.choice(BAD_VALUES[field])
            return json.dumps(self.envelope(payload))
        if kind == 1:
            del payload[self.rng.choice(REQUIRED)]
            return json.dumps(self.envelope(payload))
        text = json.dumps(self.envelope(payload))
        if kind == 2:  # cut short, as a dropped connection leaves a frame
            return text[: self.rng.randrange(1, len(text) - 1)]
        return json.dumps([1, "x", None])  # not objects

    def random(self) -> str | bytes:
        kind = self.rng.randrange(6)
        if kind == 0:
            return "".join(chr(self.rng.randrange(0x20, 0x2FF)) for _ in range(self.rng.randrange(60)))
        if kind == 1:
            return bytes(self.rng.randrange(256) for _ in range(self.rng.randrange(80)))
        if kind == 2:
            return json.dumps(self.nested(3))
        text = json.dumps(self.envelope(self.mutated(self.fresh())) if kind == 3 else self.mutated(self.fresh()))
        if kind == 5:  # a few characters flipped anywhere
            chars = list(text)
            for _ in range(self.rng.randrange(1, 4)):
                chars[self.rng.randrange(len(chars))] = chr(self.rng.randrange(0x20, 0x7F))
            text = "".join(chars)
        return text

    def mutated(self, payload: dict[str, Any]) -> dict[str, Any]:
        for _ in range(self.rng.randrange(1, 4)):
            key = self.rng.choice(sorted(payload))
            roll = self.rng.random()
            if roll < 0.2:
                del payload[key]
            elif roll < 0.6:
                payload[key] = self.rng.choice(NASTY)
            else:
                payload[key] = self.nested(2)
        return payload

    def nested(self, depth: int) -> Any:
        roll = self.rng.random()
        if depth <= 0 or roll < 0.5:
            return self.rng.choice(NASTY)
        if roll < 0.75:
            return [self.nested(depth - 1) for _ in range(self.rng.randrange(3))]
        key = self.rng.choice(["payload", "topic", "type", "proxyWallet", "size", "message", "x"])
        return {key: self.nested(depth - 1)}


def trade_shaped(text: str | bytes) -> bool:
    """Does the frame hold anything that claims to be a trade (read with the standard library)?"""
    raw = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
    try:
        body = json.loads(text)
    except (ValueError, RecursionError):
        return raw.strip() not in ("", "PING", "PONG", "ping", "pong")  # not JSON, not a keepalive
    items = body if isinstance(body, list) else [body]
    for item in items:
        if not isinstance(item, dict):
            return True  # an array of non-objects is a broken frame too
        if "payload" in item or "topic" in item:
            if item.get("topic") == "activity" and item.get("type") in ("trades", "orders_matched"):
                return True
            continue  # another topic: not ours
        if "proxyWallet" in item or "proxy_wallet" in item:
            return True
        if not any(k in item for k in ("message", "statusCode", "error")):
            return True  # an object that is neither an envelope, a trade nor a server message
    return False


def metric(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


@pytest.fixture
async def feed() -> AsyncIterator[TradeFeed]:
    async with aiohttp.ClientSession() as session:  # never used to connect: frames are fed directly
        rtds = RtdsStream(session, "ws://127.0.0.1:9/unused")
        yield TradeFeed(rtds, DataApiClient(HttpClient(session, {}), "http://127.0.0.1:9"), queue_size=FRAMES * 4)


async def test_10000_random_and_mutated_frames_through_the_live_path(feed: TradeFeed) -> None:
    fuzz = Fuzzer(random.Random(SEED))
    malformed_before = metric("scanner_frames_malformed_total", source="rtds")
    decoder_errors = metric("scanner_rows_rejected_total", source="rtds", reason="decoder_error")
    tally = {"good": 0, "bad": 0, "random": 0, "random_counted": 0}
    for _ in range(FRAMES):
        kind = fuzz.rng.choices(["good", "bad", "random"], weights=[2, 3, 5])[0]
        text: str | bytes = fuzz.good() if kind == "good" else fuzz.bad() if kind == "bad" else fuzz.random()
        tally[kind] += 1
        counted = metric("scanner_frames_malformed_total", source="rtds")
        yielded = feed.counts["live"] + feed.counts["duplicates"]

        await feed.handle_frame(text)  # type: ignore[arg-type]  # bytes too: a frame is whatever arrives

        new_count = metric("scanner_frames_malformed_total", source="rtds") - counted
        new_trades = feed.counts["live"] + feed.counts["duplicates"] - yielded
        assert new_count in (0, 1), text
        if kind == "good":
            assert (new_trades, new_count) == (1, 0), text
        elif kind == "bad":
            assert (new_trades, new_count) == (0, 1), text
        else:
            tally["random_counted"] += int(new_count)
            if new_trades == 0 and trade_shaped(text):
                assert new_count == 1, text  # nothing came out of it: it was counted
        while feed.queue_depth:  # the consumer side: keep the bounded queue from filling
            await feed.get()

    total_counted = metric("scanner_frames_malformed_total", source="rtds") - malformed_before
    assert total_counted == tally["bad"] + tally["random_counted"]
    assert metric("scanner_rows_rejected_total", source="rtds", reason="decoder_error") == decoder_errors
    assert tally["good"] > 1000 and tally["bad"] > 2000 and tally["random"] > 4000
    assert feed.counts["live"] >= tally["good"]  # and some random mutations kept a trade intact
