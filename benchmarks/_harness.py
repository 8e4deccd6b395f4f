"""A/B rounds, medians and the results table shared by every benchmark scenario.

Absolute numbers drift 20-50 % between runs on a shared machine, so each scenario runs our SDK
(A) and a reference loop (B) alternately in one process, A B A B ..., and compares medians.
"""

from __future__ import annotations

import gc
import os
import statistics
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

Round = Callable[[], Awaitable[float]]
"""One timed run of a side: returns the seconds its measured part took."""

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Comparison:
    """Round times of our SDK and of a reference on one scenario."""

    scenario: str
    ours_label: str
    ref_label: str
    work: int
    """Units of work per round (requests, items), for the rate column."""
    target: str
    ours: list[float] = field(default_factory=list)
    ref: list[float] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    unit: str = "s"
    """What `ours` and `ref` hold: "s" (seconds per round) or "B" (bytes, e.g. peak memory)."""

    @property
    def ratio(self) -> float:
        """Median time ours / median time reference (lower is better for us)."""
        ref = statistics.median(self.ref)
        return statistics.median(self.ours) / ref if ref else float("inf")

    def rate(self, times: list[float]) -> float:
        """Units of work per second at the median round."""
        return self.work / statistics.median(times)


async def ab(comparison: Comparison, ours: Round, ref: Round, rounds: int) -> Comparison:
    """Warm both sides up once, then alternate them for `rounds` rounds (A B A B ...)."""
    await ours()
    await ref()
    for _ in range(rounds):
        for side, run in ((comparison.ours, ours), (comparison.ref, ref)):
            gc.collect()
            side.append(await run())
    return comparison


class PeakRss:
    """Peak resident memory growth over a baseline, sampled where the caller calls `sample()`.

    Sampling `/proc/self/statm` once per page costs a few microseconds, the same on both sides.
    """

    _PAGE = os.sysconf("SC_PAGE_SIZE")

    def __init__(self) -> None:
        self.baseline = self.peak = self.now()

    def now(self) -> int:
        """Resident bytes of this process."""
        with open("/proc/self/statm", encoding="ascii") as statm:
            return int(statm.read().split()[1]) * self._PAGE

    def sample(self) -> None:
        """Record the current resident size if it is a new peak."""
        self.peak = max(self.peak, self.now())

    @property
    def growth(self) -> int:
        """Bytes the peak rose above the baseline."""
        return self.peak - self.baseline


def table(comparisons: list[Comparison]) -> str:
    """A Markdown table: one row per comparison, medians, rates, the ratio and its target."""
    lines = [
        "| scenario | ours | reference | ours median | ref median | ours rate | ref rate "
        "| ratio ours/ref | target |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for c in comparisons:
        if c.unit == "B":
            values, rates = f"{_mb(c.ours)} | {_mb(c.ref)}", "- | -"
        else:
            values = f"{_ms(c.ours)} | {_ms(c.ref)}"
            rates = f"{c.rate(c.ours):,.0f}/s | {c.rate(c.ref):,.0f}/s"
        lines.append(
            f"| {c.scenario} | {c.ours_label} | {c.ref_label} | {values} | {rates} "
            f"| {c.ratio:.2f} | {c.target} |"
        )
    notes = [f"- {c.scenario}: {note}" for c in comparisons for note in c.notes]
    return "\n".join([*lines, "", *notes] if notes else lines)


def _ms(times: list[float]) -> str:
    return f"{statistics.median(times) * 1000:.0f} ms"


def _mb(sizes: list[float]) -> str:
    return f"{statistics.median(sizes) / 1e6:.1f} MB"
