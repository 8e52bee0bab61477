"""EC2 instance types: the lecture's t2 example, today's t2 family with CPU credits, and the EC2 Compute Unit.

Both tables live in lessons/2.5/instance_types.toml with their tags. The loader checks the
credit arithmetic AWS documents (baseline = credits per hour / 60 per vCPU; the maximum balance
is 24 hours of earned credits; sources.toml: t2-credits), so a typo in the file is caught, not shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from engine.core.lessons import LESSONS_DIR, Reader, load_toml
from engine.core.provenance import Provenance, read_provenance, read_tag
from engine.core.trace import Trace, TraceBuilder

TYPES_FILE = LESSONS_DIR / "2.5" / "instance_types.toml"
# Instance types that other parts of the app name: the pricing page's timeline presets (engine/ec2/billing.py's
# PRESETS) and its elasticity chart (t2.small), the instances page's default and Quiz 2.5's bill questions. Both
# tables must keep them, so renaming one in the file is a located error, not a page that breaks.
EXPECTED = ("t2.small", "t2.medium", "t2.large", "t2.xlarge")
BALANCE_HOURS = 24  # "the maximum balance is 24 hours of earned credits"

ECU = {
    "definition": ("One EC2 Compute Unit provides the equivalent CPU capacity of a 1.0-1.2 GHz 2007 Opteron or 2007 "
                   "Xeon processor. This is also the equivalent to an early-2006 1.7 GHz Xeon processor referenced in "
                   "our original documentation."),
    "definition_source": "EC2 FAQ, quoted by The Register (17 Apr 2014) and others",
    "dropped": "In April 2014 AWS stopped quoting ECUs and moved to vCPUs (The Register).",
    "original": ("The original 2006 instance (later m1.small): \"approximately a 1.7 GHz Xeon, 1.75 GB RAM, 160 GB disk, "
                 "250 Mb/s network\", $0.10 per instance-hour (EC2 beta FAQ, 2006)."),
}
CREDIT = "A CPU Credit provides the performance of a full CPU core for one minute (AWS launch text)."


@dataclass(frozen=True)
class LectureType:
    name: str
    slide_name: str
    vcpu: int
    compute_units: int
    memory_gib: float
    platform: str
    price: float


@dataclass(frozen=True)
class T2Type:
    name: str
    vcpu: int
    memory_gib: float
    credits_per_hour: float
    max_balance: float
    baseline: float  # share of one vCPU
    price: float

    @property
    def earn_per_minute(self) -> float:
        return self.credits_per_hour / 60


@dataclass(frozen=True)
class Table:
    title: str
    provenance: Provenance
    price_tag: str
    region: str
    os: str


@dataclass(frozen=True)
class Catalogue:
    lecture_table: Table
    lecture: tuple[LectureType, ...]
    current_table: Table
    current: tuple[T2Type, ...]

    def prices(self, which: str) -> dict[str, float]:
        """'lecture' or 'current': instance type -> USD per hour."""
        types = self.lecture if which == "lecture" else self.current
        return {t.name: t.price for t in types}

    def t2(self, name: str) -> T2Type:
        return next(t for t in self.current if t.name == name)


def _table(r: Reader) -> Table:
    return Table(r.str("title"), read_provenance(r), read_tag(r, "price_tag"), r.str("region"), r.str("os"))


def _positive(r: Reader, key: str) -> float:
    value = r.number(key)
    if value <= 0:
        r.fail(f"'{key}' must be positive, found {value:g}")
    return value


def _lecture(r: Reader) -> LectureType:
    return LectureType(r.str("name"), r.str("slide_name"), int(_positive(r, "vcpu")), int(_positive(r, "compute_units")),
                       _positive(r, "memory_gib"), r.str("platform"), _positive(r, "price"))


def _current(r: Reader) -> T2Type:
    t = T2Type(r.str("name"), int(_positive(r, "vcpu")), _positive(r, "memory_gib"), _positive(r, "credits_per_hour"),
               _positive(r, "max_balance"), _positive(r, "baseline"), _positive(r, "price"))
    expected = t.credits_per_hour / 60 / t.vcpu
    if abs(expected - t.baseline) > 0.0051:
        r.fail(f"baseline {t.baseline:g} does not match credits per hour / 60 per vCPU = {expected:.4g}")
    if abs(t.max_balance - BALANCE_HOURS * t.credits_per_hour) > 0.01:
        r.fail(f"max_balance {t.max_balance:g} is not {BALANCE_HOURS} hours of earned credits "
               f"({BALANCE_HOURS * t.credits_per_hour:g})")
    return t


def load_catalogue(path: Path = TYPES_FILE) -> Catalogue:
    """Both tables, validated; a malformed file names the entry and the problem."""
    root = Reader(load_toml(path), path.name)
    lec, cur = root.sub("lecture"), root.sub("current")
    lecture = tuple(_lecture(r) for r in lec.subs("type"))
    current = tuple(_current(r) for r in cur.subs("type"))
    lec.unique((t.name for t in lecture), "instance type")
    cur.unique((t.name for t in current), "instance type")
    for r, types in ((lec, lecture), (cur, current)):
        missing = [name for name in EXPECTED if name not in {t.name for t in types}]
        if missing:
            r.fail(f"instance type {', '.join(repr(m) for m in missing)} is missing; the pricing page's presets and "
                   f"Quiz 2.5 use {', '.join(EXPECTED)} (rename it back, or add it)")
    return Catalogue(_table(lec), lecture, _table(cur), current)


@lru_cache(maxsize=1)
def shipped() -> Catalogue:
    """The app's own file, read once per process (pages and quiz generators share it)."""
    return load_catalogue()


# --------------------------------------------------------------------------- burst credits

USAGE_PRESETS: dict[str, tuple[str, tuple[float, ...]]] = {
    "idle-then-burst": ("Idle all night, then a 4-hour burst", (0.05,) * 10 + (1.0,) * 4 + (0.1,) * 4),
    "steady-above": ("Steady load just above the baseline", (0.3,) * 18),
    "spiky": ("Short spikes every few hours", (0.05, 0.05, 1.0, 0.05, 0.05, 0.05, 1.0, 0.05) * 2 + (0.05, 0.05)),
}
START_BALANCES = {"empty": "empty (0 credits)", "full": "full (24 hours of earned credits)"}


@dataclass(frozen=True)
class CreditState:
    hour: int
    balance: tuple[float, ...]  # balance at the end of each hour so far (first entry: the start)
    wanted: tuple[float, ...]  # CPU share of all vCPUs the workload asked for, per hour
    got: tuple[float, ...]  # CPU share it received
    baseline: float


def burst(t: T2Type, usage: tuple[float, ...], start: str = "empty") -> Trace[CreditState]:
    """Hour by hour (simulated per minute): credits earned at the fixed rate, spent by CPU use, capped at the maximum.

    CPU above the baseline spends credits; with an empty balance the instance gets only its
    baseline. (T2 Unlimited, which may run on a negative balance for a fee, is not modelled.)
    """
    if start not in START_BALANCES:
        raise ValueError(f"start balance must be one of {', '.join(START_BALANCES)}")
    if any(not 0 <= u <= 1 for u in usage):
        raise ValueError("CPU usage must be between 0% and 100% of the instance")
    balance = t.max_balance if start == "full" else 0.0
    b: TraceBuilder[CreditState] = TraceBuilder(f"burst {t.name} {usage} {start}")
    balances, got = [balance], []
    b.add(CreditState(0, tuple(balances), usage, (), t.baseline), f"{t.name} starts with {balance:g} credits",
          f"It earns {t.credits_per_hour:g} credits per hour, so its baseline is {t.credits_per_hour:g}/60 = "
          f"{t.baseline:.1%} of each of its {t.vcpu} vCPU(s); the balance is capped at {t.max_balance:g}.")
    for hour, want in enumerate(usage, start=1):
        used = 0.0
        for _ in range(60):
            spend = min(want * t.vcpu, balance + t.earn_per_minute)  # credits = vCPU-minutes at 100%
            balance = min(t.max_balance, balance + t.earn_per_minute - spend)
            used += spend / t.vcpu / 60
        balances.append(balance)
        got.append(used)
        throttled = used < want - 1e-9
        if throttled:
            b.count("throttled_hours")
        b.add(CreditState(hour, tuple(balances), usage, tuple(got), t.baseline),
              f"Hour {hour}: wants {want:.0%}, gets {used:.0%}",
              (f"The balance ran dry: the instance is held near its baseline ({t.baseline:.1%} per vCPU)."
               if throttled else
               f"{'Spends' if want > t.baseline else 'Earns'} credits: the balance is {balance:,.1f}"
               + (" (at its maximum)." if balance >= t.max_balance - 1e-9 else ".")))
    return b.build()
