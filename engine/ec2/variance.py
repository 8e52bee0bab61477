"""Performance variance across instances of one type, placed on a mix of hardware generations.

Schad, Dittrich & Quiané-Ruiz (PVLDB 3(1), 2010) found that EC2 performance "varies a lot and often
falls into two bands having a large performance gap in-between", the bands corresponding to the
different physical systems behind the same instance type (sources.toml: schad-variance). Which processors and
in what shares is not verified, so the model uses two generic processor types whose speeds
and noise are this app's illustrative assumptions, not the paper's numbers.
"""

from __future__ import annotations

import math
import random
import statistics
from dataclasses import dataclass

from engine.core.trace import Trace, TraceBuilder

BASE_RUNTIME = 100.0  # seconds of the benchmark on processor type A (illustrative)
SLOWDOWN_B = 1.4  # processor type B is an older generation: 40% longer runtimes (illustrative)
PROCESSORS = {"A": "processor type A (newer)", "B": "processor type B (older)"}
SIMPLIFICATIONS = (f"Processor type B takes {SLOWDOWN_B:g}× as long as type A, and each run varies by the chosen noise "
                   "(neighbouring VMs, network): the app's illustrative numbers. The paper reports two bands, not "
                   "these speeds; its abstract does not say which processors, in what shares, were behind EC2's bands.")
MAX_MEASUREMENTS = 2000
_T975 = (12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145, 2.131,
         2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042)


class VarianceError(ValueError):
    """Parameters outside what the simulation supports; the message gives the allowed range."""


@dataclass(frozen=True)
class Measurement:
    index: int
    processor: str  # "A" or "B"
    runtime: float


def t975(df: int) -> float:
    """The 97.5% quantile of Student's t (two-sided 95% interval); a table up to 30, a series above."""
    if df < 1:
        raise VarianceError("a confidence interval needs at least 2 measurements")
    if df <= len(_T975):
        return _T975[df - 1]
    z = 1.959964
    return z + (z ** 3 + z) / (4 * df) + (5 * z ** 5 + 16 * z ** 3 + 3 * z) / (96 * df ** 2)


def measure(n: int, share_b: float, seed: int, noise: float = 0.03) -> tuple[Measurement, ...]:
    """``n`` benchmark runs, each on a fresh instance placed on type B with probability ``share_b``."""
    if not 2 <= n <= MAX_MEASUREMENTS:
        raise VarianceError(f"the number of measurements must be 2–{MAX_MEASUREMENTS}, not {n}")
    if not 0 <= share_b <= 1:
        raise VarianceError(f"the share of type B hosts must be 0–100%, not {share_b:.0%}")
    if not 0 <= noise <= 0.3:
        raise VarianceError(f"the run-to-run noise must be 0–30%, not {noise:.0%}")
    rng = random.Random(seed)
    out = []
    for i in range(n):
        proc = "B" if rng.random() < share_b else "A"
        speed = SLOWDOWN_B if proc == "B" else 1.0
        out.append(Measurement(i, proc, round(BASE_RUNTIME * speed * max(0.5, rng.gauss(1.0, noise)), 2)))
    return tuple(out)


@dataclass(frozen=True)
class Stats:
    n: int
    mean: float
    sd: float
    ci_half: float  # half-width of the 95% confidence interval of the mean

    @property
    def cov(self) -> float:
        """Coefficient of variation: standard deviation relative to the mean."""
        return self.sd / self.mean if self.mean else 0.0

    @property
    def ci(self) -> tuple[float, float]:
        return self.mean - self.ci_half, self.mean + self.ci_half


def stats(values: list[float] | tuple[float, ...]) -> Stats:
    n = len(values)
    if n < 2:
        raise VarianceError("statistics need at least 2 measurements")
    mean, sd = statistics.fmean(values), statistics.stdev(values)
    return Stats(n, mean, sd, t975(n - 1) * sd / math.sqrt(n))


def bands(values: list[float] | tuple[float, ...]) -> int:
    """How many bands a histogram shows: 2 when the sorted runtimes split at one gap much wider than the spread
    on either side (each side holding at least 5% of the runs), else 1."""
    xs = sorted(values)
    if len(xs) < 6:
        return 1
    gap, cut = max((xs[i + 1] - xs[i], i + 1) for i in range(len(xs) - 1))
    low, high = xs[:cut], xs[cut:]
    if min(len(low), len(high)) < max(2, 0.05 * len(xs)):
        return 1
    spread = max(statistics.pstdev(low), statistics.pstdev(high), 1e-9)
    return 2 if gap > 2 * spread else 1


def histogram(values: list[float] | tuple[float, ...], bins: int = 12, low: float | None = None,
              high: float | None = None) -> list[tuple[float, float, int]]:
    """(low, high, count) per bin over [low, high] (default: the measured range); outliers count in the edge bins."""
    low = min(values) if low is None else low
    high = max(values) if high is None else high
    width = (high - low) / bins or 1.0
    counts = [0] * bins
    for v in values:
        counts[max(0, min(bins - 1, int((v - low) / width)))] += 1
    return [(low + i * width, low + (i + 1) * width, c) for i, c in enumerate(counts)]


@dataclass(frozen=True)
class VarianceState:
    measurements: tuple[Measurement, ...]
    stats: Stats
    bands: int


def checkpoints(n: int) -> list[int]:
    """How many measurements each frame shows: doubling from 5, then n."""
    points, k = [], 5
    while k < n:
        points.append(k)
        k *= 2
    return points + [n]


def simulate(n: int, share_b: float, seed: int, noise: float = 0.03) -> Trace[VarianceState]:
    """Measurements arrive in growing batches; each frame says what the benchmark's mean and its uncertainty are so far."""
    runs = measure(n, share_b, seed, noise)
    t: TraceBuilder[VarianceState] = TraceBuilder(f"variance n={n} b={share_b:.3f} noise={noise:.3f}", seed)
    previous = 0
    for k in checkpoints(n):
        sample = runs[:k]
        s = stats([m.runtime for m in sample])
        count_b = sum(m.processor == "B" for m in sample)
        t.count("measurements", k - previous)
        t.count("on_type_b", sum(m.processor == "B" for m in runs[previous:k]))
        previous = k
        shape = "two bands" if bands([m.runtime for m in sample]) == 2 else "one band"
        t.add(VarianceState(sample, s, bands([m.runtime for m in sample])),
              f"{k} measurements: mean {s.mean:.1f} s ± {s.ci_half:.1f} s",
              f"CoV {s.cov:.1%}; the histogram shows {shape}; {count_b} of {k} runs landed on type B. "
              f"The 95% confidence interval of the mean is {s.ci[0]:.1f}–{s.ci[1]:.1f} s.")
    return t.build()


def sweep(n: int, seed: int, noise: float, steps: int = 21) -> list[dict[str, float]]:
    """CoV and the 95% interval's half-width (both relative to the mean) for shares of type B from 0 to 100%.

    The same seed at every share, so the curve shows the effect of the mix, not of a new random draw.
    """
    rows = []
    for i in range(steps):
        share = i / (steps - 1)
        s = stats([m.runtime for m in measure(n, share, seed, noise)])
        rows.append({"share": share, "measure": "CoV", "value": s.cov})
        rows.append({"share": share, "measure": "half-width of the mean's 95% interval", "value": s.ci_half / s.mean})
    return rows


NARROW_COV = 0.06  # below this CoV a single band counts as narrow (the app's threshold for the quiz wording)
SHAPES = {
    "two": "Two bands with a gap: the instances most likely ran on two different kinds of hardware",
    "narrow": "One narrow band: the instances behave alike, so a few measurements estimate the mean well",
    "wide": "One wide band: large run-to-run variation, but no sign of two kinds of hardware",
}


def shape(values: list[float] | tuple[float, ...]) -> str:
    """Which observation a histogram of ``values`` supports: a key of :data:`SHAPES`."""
    if bands(values) == 2:
        return "two"
    return "narrow" if stats(values).cov < NARROW_COV else "wide"


TEXT_RANGE = (60.0, 180.0)  # a fixed runtime axis, so a narrow band looks narrow and a wide one wide


def text_histogram(values: list[float] | tuple[float, ...], bins: int = 12) -> str:
    """The histogram on the fixed axis :data:`TEXT_RANGE` as text lines (' 90–100 s | ████ 4'), for a question prompt."""
    rows = histogram(values, bins, *TEXT_RANGE)
    return "\n".join(f"{low:4.0f}–{high:4.0f} s | {'█' * count} {count}" for low, high, count in rows)
