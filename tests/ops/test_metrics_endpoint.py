"""/metrics on a real server on loopback, parsed with prometheus-client's own parser."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import psutil
import pytest
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample

from bot.web import WebServer
from scanner_core.health import HealthRegistry
from scanner_core.metrics import API_LATENCY, API_REQUESTS, TRADES_FILTERED, WEBSOCKET_CONNECTED
from tests.conftest import FakeClock

# family name (the parser drops a counter's _total) -> (type, label sets every scrape must carry)
EXPECTED: dict[str, tuple[str, list[dict[str, str]]]] = {
    "scanner_trades_received": ("counter", [{}]),
    "scanner_trades_filtered": ("counter", []),
    "scanner_alerts_generated": (
        "counter",
        [{"severity": s} for s in ("info", "notable", "high", "critical")],
    ),
    "scanner_api_requests": ("counter", []),
    "scanner_api_latency_seconds": ("histogram", []),
    "scanner_websocket_connected": ("gauge", []),
    "scanner_cache_hits": ("counter", [{"cache_level": "l1"}, {"cache_level": "l2"}]),
    "scanner_cache_misses": ("counter", [{"cache_level": "l1"}, {"cache_level": "l2"}]),
    "scanner_deliveries_sent": ("counter", [{"platform": "telegram"}, {"platform": "discord"}]),
    "scanner_deliveries_failed": ("counter", []),
    "scanner_delivery_backlog": ("gauge", [{"platform": "telegram"}, {"platform": "discord"}]),
    "scanner_feed_lag_seconds": ("gauge", [{}]),
    "scanner_feed_queue_depth": ("gauge", [{}]),
    "scanner_queue_depth": ("gauge", []),
    "scanner_process_memory_bytes": ("gauge", [{}]),
    "scanner_errors": ("counter", []),
}


@pytest.fixture
async def server(clock: FakeClock) -> AsyncIterator[str]:
    web = WebServer(HealthRegistry(clock), host="127.0.0.1", port=0, started_at=clock.now, clock=clock)
    await web.start()
    try:
        yield f"http://127.0.0.1:{web.bound_port}"
    finally:
        await web.stop()


async def scrape(url: str) -> tuple[str, str]:
    async with aiohttp.ClientSession() as http, http.get(url + "/metrics") as response:
        assert response.status == 200
        return response.headers["Content-Type"], await response.text()


async def test_metrics_parse_and_carry_every_named_metric(server: str) -> None:
    content_type, text = await scrape(server)
    assert content_type.startswith("text/plain")
    families = {f.name: f for f in text_string_to_metric_families(text)}
    for name, (kind, label_sets) in EXPECTED.items():
        assert name in families, f"{name} missing from /metrics"
        assert families[name].type == kind, name
        carried = [s.labels for s in families[name].samples]
        for labels in label_sets:
            assert labels in carried, f"{name}{labels} has no series from the first scrape"


async def test_labelled_series_parse_with_their_labels(server: str) -> None:
    TRADES_FILTERED.labels(filter_name="ops_test_floor").inc(3)
    API_REQUESTS.labels(endpoint="/ops-test", status="200").inc()
    API_LATENCY.labels(endpoint="/ops-test").observe(0.2)
    WEBSOCKET_CONNECTED.labels(stream="ops_test_stream").set(1)
    try:
        _, text = await scrape(server)
        samples: list[Sample] = [s for f in text_string_to_metric_families(text) for s in f.samples]

        def value(name: str, **labels: str) -> float:
            [sample] = [s for s in samples if s.name == name and s.labels == labels]
            return float(sample.value)

        assert value("scanner_trades_filtered_total", filter_name="ops_test_floor") == 3
        assert value("scanner_api_requests_total", endpoint="/ops-test", status="200") == 1
        assert value("scanner_api_latency_seconds_count", endpoint="/ops-test") == 1
        assert value("scanner_api_latency_seconds_bucket", endpoint="/ops-test", le="0.25") == 1
        assert value("scanner_api_latency_seconds_bucket", endpoint="/ops-test", le="0.1") == 0
        assert value("scanner_websocket_connected", stream="ops_test_stream") == 1
    finally:
        TRADES_FILTERED.remove("ops_test_floor")
        API_REQUESTS.remove("/ops-test", "200")
        API_LATENCY.remove("/ops-test")
        WEBSOCKET_CONNECTED.remove("ops_test_stream")


async def test_process_memory_is_the_resident_size(server: str) -> None:
    _, text = await scrape(server)
    [family] = [f for f in text_string_to_metric_families(text) if f.name == "scanner_process_memory_bytes"]
    reported = family.samples[0].value
    actual = psutil.Process().memory_info().rss
    assert 0.5 * actual < reported < 1.5 * actual
