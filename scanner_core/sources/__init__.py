"""Polymarket sources, transport only: resilient HTTP (http, ratelimit, breaker), the REST clients
(gamma, data_api, clob), the streams (rtds, market_ws over ws), the trade feed (feed) and
recorded files (replay). `build_sources(settings, session)` builds them all in one call.

The submodules are imported inside `build_sources` so that importing a single one (normalise
imports sources.types) never drags the whole package in.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import aiohttp

    from scanner_core.config import Settings
    from scanner_core.health import HealthRegistry
    from scanner_core.quarantine import QuarantineSink
    from scanner_core.sources.clob import ClobClient
    from scanner_core.sources.data_api import DataApiClient
    from scanner_core.sources.feed import TradeFeed
    from scanner_core.sources.gamma import GammaClient
    from scanner_core.sources.http import HttpClient
    from scanner_core.sources.market_ws import EventHandler, MarketChannel
    from scanner_core.sources.rtds import RtdsStream
    from scanner_core.sources.ws import StateHook


@dataclass(frozen=True, slots=True)
class Sources:
    http: HttpClient
    gamma: GammaClient
    data_api: DataApiClient
    clob: ClobClient
    rtds: RtdsStream
    market_ws: MarketChannel
    feed: TradeFeed


def build_sources(
    settings: Settings,
    session: aiohttp.ClientSession,
    *,
    health: HealthRegistry | None = None,
    on_state: StateHook | None = None,
    on_market_event: EventHandler | None = None,
    quarantine: QuarantineSink | None = None,
) -> Sources:
    """Every source wired from Settings on one aiohttp session. Nothing connects until
    `feed.start()` / `market_ws.start()`; the streams report to `health` as "rtds" and
    "clob_ws" and call `on_state(state, detail)` on every change (DOWN after
    ws_down_after_attempts failed attempts in a row). Trade rows the trade schema refuses go to
    `quarantine` (with their counts and logs either way)."""
    from scanner_core.sources.clob import ClobClient
    from scanner_core.sources.data_api import DataApiClient
    from scanner_core.sources.feed import TradeFeed
    from scanner_core.sources.gamma import GammaClient
    from scanner_core.sources.horizon import TradeHorizon
    from scanner_core.sources.http import HttpClient
    from scanner_core.sources.market_ws import MarketChannel
    from scanner_core.sources.rtds import RtdsStream

    http = HttpClient.from_settings(settings, session)
    data_api = DataApiClient(
        http, settings.data_api_url, horizon=TradeHorizon.from_settings(settings), quarantine=quarantine
    )
    rtds = RtdsStream.from_settings(settings, session, health=health, on_state=on_state)
    return Sources(
        http=http,
        gamma=GammaClient(http, settings.gamma_url),
        data_api=data_api,
        clob=ClobClient(http, settings.clob_url),
        rtds=rtds,
        market_ws=MarketChannel.from_settings(
            settings, session, health=health, on_state=on_state, on_event=on_market_event
        ),
        feed=TradeFeed.from_settings(settings, rtds, data_api, quarantine),
    )
