"""Signals -> confidence in [0, 1] and a severity, with each signal's contribution spelled out.

The model, in three steps:

1. Each signal's *applied* value is `weight x strength`: read it as "how likely this alone makes
   the trade worth an alert". Weights are per kind (DEFAULT_WEIGHTS below, each overridable with
   POLYSCAN_SCORE_WEIGHTS=kind=weight,...); strength is the detector's own 0..1.
2. Signals in one *family* are partly the same evidence (a fresh wallet's first bet is trivially
   concentrated; a large trade in a niche market is a large share of its volume), so within a
   family the strongest counts in full and the others at half.
3. Families combine by noisy-OR: confidence = 1 - prod(1 - applied). Independent lines of
   evidence corroborate each other without any one capping the total, one signal can never push
   the score past its own weight, adding a signal never lowers the score, and the score stays
   below 1.

Severity: confidence against POLYSCAN_SEVERITY_NOTABLE/HIGH/CRITICAL, except that a single family
of evidence is at most `high` (a lone signal, however strong or heavily weighted, is never
critical). An alert is raised at POLYSCAN_ALERT_MIN_CONFIDENCE and above.

Each contribution's `share` splits the confidence among the signals in proportion to
-log(1 - applied) (exact for noisy-OR: the shares add up to the confidence), which is what an
alert shows as "why".

Defaults, and where they come from (peers' figures in PEERS.md):
- large_trade 0.55: a lone $100k+ trade tops out at notable (0.55); $10k is an info alert (0.33).
- fresh_wallet 0.45 (PIT 0.40, volfefe 0.25; strength scales with the bet): a newcomer's $1k bet
  alone does not alert (0.23), with a $10k bet it is high (0.63), as PIT and polyterm rate it.
- unusual_size 0.40, market_impact 0.40, concentration 0.30 (volfefe 0.25 at >80%).
- niche_market 0.25 (PIT 0.25): alone never alerts; it sharpens the others.
- cluster 0.45, coordinated_pair 0.40: coordination is strong but noisy on busy markets.
- near_resolution 0.30 (volfefe 0.30 within 24 h): low, because every game-day sports trade has it.
- contrarian 0.35 (SOM: price < 0.35): a long shot alone stays under the alert line unless the
  wallet's record on long shots is good.

Reference points: fresh wallet + $50k + niche market ($25k/day) + 12 h before the end = 0.81,
critical; a fresh wallet's $30k long shot at 6 cents = 0.77 (high), critical with a niche market.
- accumulation 0.60: a split order is the evasive version of a large trade, so it weighs a little
  more: $10k built from small fills alerts (0.34) like a single $10k trade (0.33).
- price_follow_through 0.60: the market agreeing afterwards is the best evidence there is.
- linked_wallets 0.55, its own family "funding": wallets paid by one plain funder (exchanges,
  bridges and on-ramps excluded) buying one outcome is how every 2026 insider case was found. The
  money trail is evidence apart from the tape (a cluster of strangers and a cluster of siblings
  differ exactly by it), so it corroborates a cluster instead of halving it; alone it alerts
  (0.33 at two wallets, 0.55 at four) and with a strong fresh wallet it is high (0.63 at two wallets).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from scanner_core.config import ScoringSettings, SettingsError
from scanner_core.models import Severity, Signal, SignalKind

DEFAULT_WEIGHTS: Mapping[SignalKind, float] = MappingProxyType(
    {
        SignalKind.LARGE_TRADE: 0.55,
        SignalKind.FRESH_WALLET: 0.45,
        SignalKind.UNUSUAL_SIZE: 0.40,
        SignalKind.MARKET_IMPACT: 0.40,
        SignalKind.NICHE_MARKET: 0.25,
        SignalKind.CLUSTER: 0.45,
        SignalKind.COORDINATED_PAIR: 0.40,
        SignalKind.NEAR_RESOLUTION: 0.30,
        SignalKind.CONTRARIAN: 0.35,
        SignalKind.ACCUMULATION: 0.60,
        SignalKind.CONCENTRATION: 0.30,
        SignalKind.PRICE_FOLLOW_THROUGH: 0.60,
        SignalKind.LINKED_WALLETS: 0.55,
    }
)

FAMILIES: Mapping[SignalKind, str] = MappingProxyType(
    {
        SignalKind.LARGE_TRADE: "size",
        SignalKind.ACCUMULATION: "size",
        SignalKind.FRESH_WALLET: "wallet",
        SignalKind.UNUSUAL_SIZE: "wallet",
        SignalKind.CONCENTRATION: "wallet",
        SignalKind.MARKET_IMPACT: "market",
        SignalKind.NICHE_MARKET: "market",
        SignalKind.CLUSTER: "coordination",
        SignalKind.COORDINATED_PAIR: "coordination",
        SignalKind.NEAR_RESOLUTION: "timing",
        SignalKind.CONTRARIAN: "contrarian",
        SignalKind.PRICE_FOLLOW_THROUGH: "follow_through",
        SignalKind.LINKED_WALLETS: "funding",
    }
)

SECONDARY_FACTOR = 0.5  # weight of a family's second and later signals
MAX_APPLIED = 0.999  # keeps -log(1 - applied) finite when weight and strength are both 1

_LABELS = {kind: kind.value.replace("_", " ") for kind in SignalKind}


@dataclass(frozen=True, slots=True)
class ScoringParams:
    weights: Mapping[SignalKind, float]
    notable: float
    high: float
    critical: float
    alert_min_confidence: float

    @classmethod
    def from_settings(cls, s: ScoringSettings) -> ScoringParams:
        """Defaults overridden by POLYSCAN_SCORE_WEIGHTS; an unknown kind there stops start-up."""
        weights = dict(DEFAULT_WEIGHTS)
        known = {kind.value: kind for kind in SignalKind}
        unknown = sorted(name for name in s.score_weights if name not in known)
        if unknown:
            raise SettingsError(
                f"invalid setting POLYSCAN_SCORE_WEIGHTS: unknown signal kind {', '.join(unknown)} "
                f"(known: {', '.join(sorted(known))})"
            )
        for name, weight in s.score_weights.items():
            weights[known[name]] = weight
        return cls(
            weights=MappingProxyType(weights),
            notable=s.severity_notable,
            high=s.severity_high,
            critical=s.severity_critical,
            alert_min_confidence=s.alert_min_confidence,
        )


@dataclass(frozen=True, slots=True)
class Contribution:
    kind: SignalKind
    family: str
    strength: float
    weight: float
    factor: float  # 1 for the family's strongest signal, SECONDARY_FACTOR for the others
    applied: float  # weight x strength x factor
    share: float  # this signal's part of the confidence (the shares add up to it)

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "family": self.family,
            "strength": round(self.strength, 3),
            "weight": round(self.weight, 3),
            "factor": self.factor,
            "applied": round(self.applied, 3),
            "share": round(self.share, 3),
        }


@dataclass(frozen=True, slots=True)
class Score:
    confidence: float
    severity: Severity
    contributions: tuple[Contribution, ...]  # strongest first
    families: int
    should_alert: bool

    def explanation(self) -> str:
        """ "fresh wallet 0.30 + large trade 0.24 + niche market 0.06 = 0.60" (shares of the confidence)."""
        if not self.contributions:
            return "no signals"
        parts = " + ".join(f"{_LABELS[c.kind]} {c.share:.2f}" for c in self.contributions)
        return f"{parts} = {self.confidence:.2f}"


def score(signals: Iterable[Signal], params: ScoringParams) -> Score:
    """Combine signals into one Score (pure, order-independent)."""
    weights = params.weights
    ranked = sorted(signals, key=lambda s: weights.get(s.kind, 0.0) * _unit(s.strength), reverse=True)
    leaders: set[str] = set()
    staged: list[tuple[Signal, str, float, float, float]] = []
    for sig in ranked:
        family = FAMILIES.get(sig.kind, sig.kind.value)
        factor = 1.0 if family not in leaders else SECONDARY_FACTOR
        leaders.add(family)
        weight = weights.get(sig.kind, 0.0)
        applied = min(MAX_APPLIED, weight * _unit(sig.strength) * factor)
        staged.append((sig, family, weight, factor, applied))
    logs = [-math.log1p(-applied) for *_, applied in staged]
    total_log = sum(logs)
    confidence = 1.0 - math.exp(-total_log) if total_log > 0 else 0.0
    contributions = tuple(
        Contribution(
            kind=sig.kind,
            family=family,
            strength=_unit(sig.strength),
            weight=weight,
            factor=factor,
            applied=applied,
            share=confidence * log / total_log if total_log > 0 else 0.0,
        )
        for (sig, family, weight, factor, applied), log in zip(staged, logs, strict=True)
    )
    families = len({c.family for c in contributions if c.applied > 0})
    return Score(
        confidence=confidence,
        severity=severity_for(confidence, families, params),
        contributions=contributions,
        families=families,
        should_alert=families > 0 and confidence >= params.alert_min_confidence,
    )


def severity_for(confidence: float, families: int, params: ScoringParams) -> Severity:
    if confidence >= params.critical and families >= 2:
        return Severity.CRITICAL
    if confidence >= params.high:
        return Severity.HIGH
    if confidence >= params.notable:
        return Severity.NOTABLE
    return Severity.INFO


def _unit(value: float) -> float:
    return 0.0 if value != value else min(1.0, max(0.0, value))  # NaN counts as 0
