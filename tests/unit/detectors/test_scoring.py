from __future__ import annotations

import math
import random

import pytest

from scanner_core.config import SettingsError
from scanner_core.models import Severity, Signal, SignalKind
from scanner_core.scoring import DEFAULT_WEIGHTS, FAMILIES, SECONDARY_FACTOR, score, severity_for
from tests.unit.detectors.factories import scoring_params as sp

K = SignalKind


P = sp()


def sig(kind: SignalKind, strength: float = 1.0) -> Signal:
    return Signal(kind, strength, kind.value)


def test_every_kind_has_a_weight_and_a_family() -> None:
    assert set(DEFAULT_WEIGHTS) == set(SignalKind) == set(FAMILIES)
    assert all(0 < w < P.critical for w in DEFAULT_WEIGHTS.values())


def test_no_signals() -> None:
    result = score([], P)
    assert result.confidence == 0.0 and result.severity is Severity.INFO
    assert not result.should_alert and result.families == 0
    assert result.explanation() == "no signals"


@pytest.mark.parametrize(
    ("signals", "confidence", "severity", "alert"),
    [
        pytest.param([sig(K.LARGE_TRADE, 0.6)], 0.33, Severity.INFO, True, id="$10k trade alone: info"),
        pytest.param([sig(K.LARGE_TRADE, 0.8)], 0.44, Severity.NOTABLE, True, id="$50k alone: notable"),
        pytest.param([sig(K.LARGE_TRADE, 1.0)], 0.55, Severity.NOTABLE, True, id="$100k alone: still notable"),
        pytest.param([sig(K.NICHE_MARKET)], 0.25, Severity.INFO, False, id="niche alone never alerts"),
        pytest.param([sig(K.FRESH_WALLET, 0.5)], 0.225, Severity.INFO, False, id="newcomer's $1k bet"),
        pytest.param([sig(K.CONTRARIAN, 0.8)], 0.28, Severity.INFO, False, id="a long shot alone"),
        pytest.param([sig(K.CONTRARIAN, 1.0)], 0.35, Severity.INFO, True, id="a long shot by a proven wallet"),
        pytest.param(
            [sig(K.CLUSTER, 0.5), sig(K.CONTRARIAN, 0.7)],
            1 - 0.775 * 0.755,
            Severity.NOTABLE,
            True,
            id="three wallets on a long shot",
        ),
        pytest.param(
            [sig(K.FRESH_WALLET, 1.0), sig(K.LARGE_TRADE, 0.6)],
            1 - 0.55 * 0.67,
            Severity.HIGH,
            True,
            id="fresh wallet + $10k",
        ),
        pytest.param(
            [sig(K.FRESH_WALLET, 1.0), sig(K.LARGE_TRADE, 0.8), sig(K.NICHE_MARKET, 0.7)],
            1 - 0.55 * 0.56 * (1 - 0.25 * 0.7),
            Severity.HIGH,
            True,
            id="fresh + $50k + niche",
        ),
        pytest.param(
            [sig(K.FRESH_WALLET), sig(K.LARGE_TRADE, 0.8), sig(K.NICHE_MARKET, 0.7), sig(K.NEAR_RESOLUTION, 0.8)],
            1 - 0.55 * 0.56 * (1 - 0.175) * (1 - 0.24),
            Severity.CRITICAL,
            True,
            id="fresh + $50k + niche + 12 h before end",
        ),
        pytest.param(
            [sig(K.FRESH_WALLET), sig(K.CONCENTRATION), sig(K.LARGE_TRADE, 0.6), sig(K.CONTRARIAN, 0.72)],
            1 - 0.55 * 0.85 * 0.67 * (1 - 0.35 * 0.72),
            Severity.HIGH,
            True,
            id="fresh wallet's $30k long shot",
        ),
    ],
)
def test_scenarios(signals: list[Signal], confidence: float, severity: Severity, alert: bool) -> None:
    result = score(signals, P)
    assert result.confidence == pytest.approx(confidence)
    assert result.severity is severity
    assert result.should_alert is alert


def test_same_family_counts_the_strongest_in_full_and_the_rest_at_half() -> None:
    result = score([sig(K.CONCENTRATION), sig(K.FRESH_WALLET)], P)
    assert result.families == 1
    leader, second = result.contributions
    assert (leader.kind, leader.factor) == (K.FRESH_WALLET, 1.0)
    assert (second.kind, second.factor) == (K.CONCENTRATION, SECONDARY_FACTOR)
    assert result.confidence == pytest.approx(1 - (1 - 0.45) * (1 - 0.3 * 0.5))


def test_a_lone_signal_is_never_critical_even_at_full_weight() -> None:
    heavy = sp(score_weights="large_trade=1.0")
    result = score([sig(K.LARGE_TRADE)], heavy)
    assert result.confidence > heavy.critical
    assert result.severity is Severity.HIGH
    two_in_one_family = score(
        [sig(K.FRESH_WALLET), sig(K.UNUSUAL_SIZE), sig(K.CONCENTRATION)],
        sp(score_weights="fresh_wallet=1,unusual_size=1"),
    )
    assert two_in_one_family.families == 1 and two_in_one_family.severity is Severity.HIGH


@pytest.mark.parametrize(
    ("confidence", "families", "expected"),
    [
        (0.0, 2, Severity.INFO),
        (0.399, 2, Severity.INFO),
        (0.4, 2, Severity.NOTABLE),
        (0.6, 2, Severity.HIGH),
        (0.8, 2, Severity.CRITICAL),
        (0.8, 1, Severity.HIGH),
    ],
)
def test_severity_thresholds(confidence: float, families: int, expected: Severity) -> None:
    assert severity_for(confidence, families, P) is expected


def test_thresholds_from_settings() -> None:
    strict = sp(severity_notable=0.5, severity_high=0.7, severity_critical=0.9, alert_min_confidence=0.5)
    result = score([sig(K.LARGE_TRADE, 0.8)], strict)
    assert result.severity is Severity.INFO and not result.should_alert


def test_weight_overrides() -> None:
    tuned = sp(score_weights="contrarian=0.9,niche_market=0")
    assert tuned.weights[K.CONTRARIAN] == 0.9 and tuned.weights[K.LARGE_TRADE] == DEFAULT_WEIGHTS[K.LARGE_TRADE]
    assert score([sig(K.CONTRARIAN)], tuned).confidence == pytest.approx(0.9)
    silenced = score([sig(K.NICHE_MARKET)], tuned)
    assert silenced.confidence == 0.0 and silenced.families == 0 and not silenced.should_alert


def test_unknown_weight_kind_stops_start_up() -> None:
    with pytest.raises(SettingsError, match="POLYSCAN_SCORE_WEIGHTS: unknown signal kind whale"):
        sp(score_weights="whale=0.5")


def test_shares_add_up_and_explain() -> None:
    result = score([sig(K.LARGE_TRADE, 0.6), sig(K.FRESH_WALLET), sig(K.NICHE_MARKET, 0.7)], P)
    assert sum(c.share for c in result.contributions) == pytest.approx(result.confidence)
    assert [c.kind for c in result.contributions] == [K.FRESH_WALLET, K.LARGE_TRADE, K.NICHE_MARKET]
    text = result.explanation()
    assert text.startswith("fresh wallet 0.") and text.endswith(f"= {result.confidence:.2f}")
    assert result.contributions[0].as_dict()["kind"] == "fresh_wallet"


def test_bad_strengths_are_clamped() -> None:
    assert score([sig(K.LARGE_TRADE, math.nan)], P).confidence == 0.0
    assert score([sig(K.LARGE_TRADE, 7.0)], P).confidence == pytest.approx(0.55)
    assert score([sig(K.LARGE_TRADE, -1.0)], P).confidence == 0.0


def _random_signals(rng: random.Random) -> list[Signal]:
    kinds = rng.sample(list(SignalKind), rng.randint(0, len(SignalKind)))
    return [sig(k, rng.random()) for k in kinds]


def test_bounds_order_independence_and_monotonicity() -> None:
    rng = random.Random(20260701)
    for _ in range(500):
        signals = _random_signals(rng)
        base = score(signals, P)
        assert 0.0 <= base.confidence < 1.0
        shuffled = signals[:]
        rng.shuffle(shuffled)
        assert score(shuffled, P).confidence == pytest.approx(base.confidence)
        extra = sig(rng.choice(list(SignalKind)), rng.random())
        assert score([*signals, extra], P).confidence >= base.confidence - 1e-12
        if signals:
            i = rng.randrange(len(signals))
            stronger = signals[:]
            stronger[i] = sig(signals[i].kind, min(1.0, signals[i].strength + rng.random() * 0.5))
            assert score(stronger, P).confidence >= base.confidence - 1e-12
