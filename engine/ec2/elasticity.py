"""Renting per hour to follow a bursty demand versus owning fixed capacity for its peak.

Lecture: a per-time pricing model ("hence the term Elastic"), customers can shut VMs down at any
time, "no long-term obligations, reduced risk of over-/under-provisioning". The demand curves are
synthetic (presets + seed); only the comparison between the two ways of provisioning is the point.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

HOURS = 48


@dataclass(frozen=True)
class DemandPreset:
    title: str
    description: str


PRESETS: dict[str, DemandPreset] = {
    "daily": DemandPreset("Daily peak", "A web shop: quiet at night, a peak every evening."),
    "flash": DemandPreset("Flash crowd", "A steady load with one sudden spike (a sale, a news story)."),
    "growth": DemandPreset("Growing service", "Demand that keeps growing over the two days."),
}


class ElasticityError(ValueError):
    """Parameters outside what the model supports; the message says the allowed range."""


def demand(preset: str, seed: int) -> tuple[float, ...]:
    """Instances needed in each of the next 48 hours (synthetic, seeded noise of ±10%)."""
    if preset not in PRESETS:
        raise ElasticityError(f"unknown demand curve {preset!r}; one of {', '.join(PRESETS)}")
    rng = random.Random(seed)
    spike = rng.randrange(10, 38)
    values = []
    for h in range(HOURS):
        if preset == "daily":
            base = 6 + 5 * math.sin((h % 24 - 13) / 24 * 2 * math.pi) + (6 if h % 24 in (19, 20, 21) else 0)
        elif preset == "flash":
            base = 4 + (18 if spike <= h < spike + 3 else 0) + (6 if h == spike + 3 else 0)
        else:
            base = 2 + h * 0.3
        values.append(round(max(0.5, base * rng.uniform(0.9, 1.1)), 2))
    return tuple(values)


@dataclass(frozen=True)
class Plan:
    name: str
    capacity: tuple[int, ...]  # instances rented in each hour
    demand: tuple[float, ...]
    price_per_hour: float

    @property
    def instance_hours(self) -> int:
        return sum(self.capacity)

    @property
    def cost(self) -> float:
        return self.instance_hours * self.price_per_hour

    @property
    def over(self) -> float:
        """Instance-hours paid for but not needed."""
        return sum(max(0.0, c - d) for c, d in zip(self.capacity, self.demand))

    @property
    def under(self) -> float:
        """Instance-hours needed but not there (requests served slowly or not at all)."""
        return sum(max(0.0, d - c) for c, d in zip(self.capacity, self.demand))

    def rows(self, top: float) -> list[dict[str, object]]:
        """Per hour: demand, capacity and the shaded band between them; ``top`` is the chart's y maximum."""
        rows: list[dict[str, object]] = []
        for h, (c, d) in enumerate(zip(self.capacity, self.demand)):
            kind = "over-provisioned (idle)" if c >= d else "under-provisioned (missing)"
            rows.append({"hour": h, "hour_end": h + 1, "hour_mid": h + 0.5, "demand": d, "capacity": c, "kind": kind,
                         "low": min(c, d), "high": max(c, d), "top": top})
        return rows


def fixed(values: tuple[float, ...], price: float, capacity: int | None = None) -> Plan:
    """Buy-for-the-peak: the same capacity every hour (by default enough for the peak)."""
    peak = math.ceil(max(values))
    cap = peak if capacity is None else capacity
    if cap < 0:
        raise ElasticityError(f"fixed capacity must be 0 instances or more, not {cap}")
    return Plan(f"fixed: {cap} instances", tuple([cap] * len(values)), values, price)


def elastic(values: tuple[float, ...], price: float, lag: int = 0) -> Plan:
    """Rent per hour what the demand needed ``lag`` hours ago (0 = perfect foresight, 1 = react to the last hour)."""
    if not 0 <= lag <= 6:
        raise ElasticityError(f"the reaction lag must be 0–6 hours, not {lag}")
    caps = tuple(math.ceil(values[max(0, h - lag)]) for h in range(len(values)))
    return Plan("elastic: rent per hour" + (f", {lag} h behind" if lag else ""), caps, values, price)
