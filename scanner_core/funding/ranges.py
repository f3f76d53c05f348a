"""Block ranges: which parts of a wanted range were not read yet (pure)."""

from __future__ import annotations

from collections.abc import Iterable

Range = tuple[int, int]  # inclusive


def merge(ranges: Iterable[Range]) -> list[Range]:
    """Sorted, overlapping or touching ranges joined."""
    out: list[Range] = []
    for lo, hi in sorted(r for r in ranges if r[0] <= r[1]):
        if out and lo <= out[-1][1] + 1:
            out[-1] = (out[-1][0], max(out[-1][1], hi))
        else:
            out.append((lo, hi))
    return out


def uncovered(wanted: Range, covered: Iterable[Range]) -> list[Range]:
    """The parts of `wanted` that no range of `covered` includes, in order."""
    lo, hi = wanted
    gaps: list[Range] = []
    for c_lo, c_hi in merge(covered):
        if c_hi < lo:
            continue
        if c_lo > hi:
            break
        if c_lo > lo:
            gaps.append((lo, c_lo - 1))
        lo = max(lo, c_hi + 1)
        if lo > hi:
            return gaps
    if lo <= hi:
        gaps.append((lo, hi))
    return gaps


__all__ = ["Range", "merge", "uncovered"]
