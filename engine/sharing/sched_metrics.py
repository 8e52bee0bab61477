"""What a schedule achieved: shares against entitlement, fairness, utilisation, latency.

Definitions (shown on the page):

* **Entitlement** of a VM: its weight-proportional fair share of the host, computed by water-filling
  (:func:`fair_shares`): capacity is split in proportion to weight × vCPUs (Credit hands out credit
  ∝ weight × active vCPUs, and Credit2 weighs every vCPU alone); a VM that cannot use its part
  (fewer vCPUs, a cap, or a workload that asks for less) keeps only what it can use and the rest is
  split again among the others. This is what Credit's accounting approximates. Under RTDS the
  entitlement is the reservation budget/period per vCPU (water-filled only if the host is overbooked).
* **Share**: CPU time a VM's vCPUs got, in pCPUs (1.0 = one whole pCPU for the whole run).
* **Jain's fairness index** over the ratios x_i = share_i / entitlement_i:
  J = (Σ x_i)² / (n · Σ x_i²); 1 means every VM got the same fraction of its entitlement, 1/n worst.
* **Wake-up latency**: from a vCPU becoming runnable after blocking to its first run.
  **Response time**: from the wake-up until the burst it woke for has finished.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from typing import Sequence


def fair_shares(capacity: float, weights: Sequence[float], limits: Sequence[float]) -> list[float]:
    """Water-filling: split ``capacity`` ∝ weight, never giving anyone more than its limit.

    >>> fair_shares(2, [256, 512], [2, 2])
    [0.6666666666666666, 1.3333333333333333]
    >>> fair_shares(2, [256, 256], [0.5, 2])
    [0.5, 1.5]
    """
    shares = [0.0] * len(weights)
    open_ = [i for i, w in enumerate(weights) if w > 0 and limits[i] > 0]
    left = float(capacity)
    while open_ and left > 1e-12:
        total = sum(weights[i] for i in open_)
        saturated = [i for i in open_ if left * weights[i] / total >= limits[i] - shares[i] - 1e-12]
        if not saturated:
            for i in open_:
                shares[i] += left * weights[i] / total
            break
        for i in saturated:
            left -= limits[i] - shares[i]
            shares[i] = float(limits[i])
        open_ = [i for i in open_ if i not in saturated]
    return shares


def jain(values: Sequence[float]) -> float:
    """Jain's fairness index (Σx)² / (n·Σx²); 1.0 for an empty or all-zero list."""
    squares = sum(x * x for x in values)
    return (sum(values) ** 2) / (len(values) * squares) if squares else 1.0


@dataclass(frozen=True)
class Spread:
    """Summary of a latency sample in ms."""

    count: int
    mean: float
    stdev: float
    p95: float
    max: float

    @classmethod
    def of(cls, sample: Sequence[float]) -> "Spread":
        if not sample:
            return cls(0, 0.0, 0.0, 0.0, 0.0)
        ordered = sorted(sample)
        return cls(len(ordered), statistics.fmean(ordered), statistics.pstdev(ordered),
                   ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], ordered[-1])


@dataclass(frozen=True)
class VMMetrics:
    vm: str
    weight: int
    cap: int
    vcpus: int
    workload: str
    share: float          # pCPUs used on average over the run
    entitlement: float    # pCPUs by water-filling (weights, caps, vCPUs, workload demand)
    latency: Spread       # wake-up latency, ms
    response: Spread      # response time, ms
    deadline_misses: int

    @property
    def ratio(self) -> float:
        return self.share / self.entitlement if self.entitlement else 0.0


@dataclass(frozen=True)
class Metrics:
    vms: tuple[VMMetrics, ...]
    jain: float           # over share/entitlement of VMs with an entitlement
    utilisation: float    # guest CPU time / (pCPUs × duration)
    io_utilisation: float  # Domain 0 I/O processing time / (pCPUs × duration)
    idle: float           # idle time / (pCPUs × duration)
    context_switches: int
    deadline_misses: int

    def vm(self, name: str) -> VMMetrics:
        return next(m for m in self.vms if m.vm == name)


def pinning_utilisation(pcpus: int, loads: Sequence[float], pins: Sequence[int]) -> tuple[float, list[float]]:
    """Utilisation of a static pinning: pCPU p is busy min(1, Σ loads pinned to it) of the time.

    ``loads`` are fractions of one pCPU each vCPU wants. Returns (host utilisation, busy fraction per pCPU);
    the rest is wasted even if vCPUs on another pCPU still wait (they cannot move).
    """
    busy = [0.0] * pcpus
    for load, pin in zip(loads, pins):
        busy[pin] += load
    busy = [min(1.0, b) for b in busy]
    return sum(busy) / pcpus, busy
