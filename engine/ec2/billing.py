"""The EC2 bill for a timeline of VM runs under the lecture's per-started-hour model and per-second billing.

Lecture: "Amazon charges fee for each started hour of VM usage". Before October 2017 the pricing
page said each partial instance-hour was billed as a full hour; each start of a stopped instance
began a new billable hour, and partial hours of different instances were not pooled (sources.toml: billing-hourly).
Since 2 Oct 2017, Linux instances are billed per second with a minimum of 60 seconds per run
(sources.toml: billing-per-second).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Mapping

from engine.ec2.money import usd

HOUR = 3600
MINIMUM_SECONDS = 60  # per-second billing: "with a minimum of 60 seconds" (AWS What's New, 2 Oct 2017)
MODELS = {"hour": "Per started hour (the lecture; before Oct 2017)", "second": "Per second, 60 s minimum (Linux since 2 Oct 2017)"}
RULES = {"hour": "each started hour is billed in full, and each start of a stopped instance begins a new billable hour",
         "second": "per second, with a minimum of 60 seconds per run"}

_LINE = re.compile(r"^(?P<vm>[A-Za-z][\w.-]*)\s+(?P<type>\S+)\s+(?P<start>\S+?)\s*-\s*(?P<stop>\S+)$")
_TIME = re.compile(r"^(?P<h>\d+):(?P<m>\d{2})(?::(?P<s>\d{2}))?$")
FORMAT_HELP = "one run per line: `name type start-stop`, times as h:mm or h:mm:ss, e.g. `vm1 t2.small 0:00-1:01`"


class BillingError(ValueError):
    """A timeline line the engine cannot bill; the message names the line and what to change."""


@dataclass(frozen=True)
class Run:
    """One run of a VM, from a start to a stop, in seconds from the start of the timeline."""

    vm: str
    type: str
    start: int
    stop: int
    line: int = 0

    @property
    def seconds(self) -> int:
        return self.stop - self.start


def clock(seconds: int) -> str:
    """'1:01' or '0:00:30' (seconds only when there are any)."""
    h, rest = divmod(seconds, HOUR)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}" + (f":{s:02d}" if s else "")


def _time(text: str, number: int) -> int:
    if text.startswith("-"):
        raise BillingError(f"line {number}: times cannot be negative ({text!r}); the timeline starts at 0:00.")
    m = _TIME.match(text)
    if not m:
        raise BillingError(f"line {number}: {text!r} is not a time; write h:mm or h:mm:ss, e.g. 1:05 or 0:00:30.")
    minutes, secs = int(m["m"]), int(m["s"] or 0)
    if minutes > 59 or secs > 59:
        raise BillingError(f"line {number}: {text!r} has minutes or seconds above 59.")
    return int(m["h"]) * HOUR + minutes * 60 + secs


def parse_timeline(text: str, prices: Mapping[str, float]) -> tuple[Run, ...]:
    """Runs from the editor text; blank lines and '# comments' are skipped. Every mistake names its line."""
    runs: list[Run] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        m = _LINE.match(line)
        if not m:
            raise BillingError(f"line {number}: {line!r} does not read as a run; {FORMAT_HELP}.")
        if m["type"] not in prices:
            raise BillingError(f"line {number}: unknown instance type {m['type']!r}; this price table has "
                               f"{', '.join(prices)}.")
        start, stop = _time(m["start"], number), _time(m["stop"], number)
        if stop <= start:
            raise BillingError(f"line {number}: {m['vm']} stops at {clock(stop)}, not after it starts at {clock(start)}.")
        run = Run(m["vm"], m["type"], start, stop, number)
        for other in runs:
            if other.vm == run.vm and other.start < run.stop and run.start < other.stop:
                raise BillingError(f"line {number}: {run.vm} is already running then (line {other.line}); "
                                   "one VM runs once at a time: give a second VM its own name.")
        runs.append(run)
    if not runs:
        raise BillingError(f"The timeline is empty; {FORMAT_HELP}.")
    return tuple(runs)


def billed_seconds(run: Run, model: str) -> int:
    """Seconds charged for one run: whole started hours, or the seconds used with a 60 s minimum.

    Each run is billed on its own: a restart begins a new billable hour, and partial hours of
    different runs or instances are never added up first.
    """
    if model == "hour":
        return math.ceil(run.seconds / HOUR) * HOUR
    if model == "second":
        return max(MINIMUM_SECONDS, run.seconds)
    raise ValueError(f"unknown billing model {model!r}; one of {', '.join(MODELS)}")


@dataclass(frozen=True)
class RunBill:
    run: Run
    price_per_hour: float
    billed: Mapping[str, int]  # model -> seconds

    def cost(self, model: str) -> float:
        return self.billed[model] * self.price_per_hour / HOUR


@dataclass(frozen=True)
class Bill:
    runs: tuple[RunBill, ...]

    def total(self, model: str) -> float:
        return sum(r.cost(model) for r in self.runs)

    def billed_seconds(self, model: str) -> int:
        return sum(r.billed[model] for r in self.runs)

    @property
    def used_seconds(self) -> int:
        return sum(r.run.seconds for r in self.runs)

    def rows(self) -> list[dict[str, str]]:
        """One table row per run, for the page."""
        return [{"VM": r.run.vm, "type": r.run.type, "run": f"{clock(r.run.start)}–{clock(r.run.stop)}",
                 "used": clock(r.run.seconds), "$/h": f"{r.price_per_hour:g}",
                 "billed per started hour": f"{r.billed['hour'] // HOUR} h = {usd(r.cost('hour'))}",
                 "billed per second": f"{clock(r.billed['second'])} = {usd(r.cost('second'))}"} for r in self.runs]

    def timeline_rows(self, model: str) -> list[dict[str, object]]:
        """Intervals for the chart of one model: used time and billed-but-unused time per run (minutes).

        'end' is the latest billed end under either model, so both charts can share one time axis.
        """
        end = max(r.run.start + max(r.billed.values()) for r in self.runs) / 60
        rows: list[dict[str, object]] = []
        for r in self.runs:
            label = f"{r.run.vm} (line {r.run.line})"
            rows.append({"run": label, "kind": "used", "from": r.run.start / 60, "to": r.run.stop / 60, "end": end})
            if r.billed[model] > r.run.seconds:
                rows.append({"run": label, "kind": "billed, not used", "from": r.run.stop / 60,
                             "to": (r.run.start + r.billed[model]) / 60, "end": end})
        return rows


def bill(runs: tuple[Run, ...], prices: Mapping[str, float]) -> Bill:
    return Bill(tuple(RunBill(run, prices[run.type], {m: billed_seconds(run, m) for m in MODELS}) for run in runs))


@dataclass(frozen=True)
class Preset:
    title: str
    text: str
    lesson: str


PRESETS: dict[str, Preset] = {
    "61-minutes": Preset("One run of 61 minutes", "vm1 t2.small 0:00-1:01",
                         "One minute into the second hour: per started hour bills 2 hours, per second bills 61 minutes."),
    "restart": Preset("Stop and start again within the hour", "vm1 t2.small 0:00-0:20\nvm1 t2.small 0:30-0:50",
                      "Each start of a stopped instance began a new billable hour: 2 hours for 40 minutes of use."),
    "not-pooled": Preset("Three VMs, 20 minutes each", "vm1 t2.small 0:00-0:20\nvm2 t2.small 0:20-0:40\nvm3 t2.small 0:40-1:00",
                         "Partial hours of different instances are not pooled: 3 hours billed for one hour of use."),
    "short-tests": Preset("Four 30-second test runs", "test1 t2.medium 0:00:00-0:00:30\ntest2 t2.medium 0:01:00-0:01:30\n"
                          "test3 t2.medium 0:02:00-0:02:30\ntest4 t2.medium 0:03:00-0:03:30",
                          "Per second still charges 60 s per run: the minimum dominates very short runs."),
    "batch-day": Preset("A working day of batch jobs", "web t2.large 0:00-8:00\nbatch1 t2.xlarge 1:00-3:10\n"
                        "batch2 t2.xlarge 1:00-2:05\nreport t2.medium 6:30-6:45",
                        "Long runs hardly care about the model; the short, odd-length ones do."),
}
