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
from datetime import datetime, timezone
from typing import Mapping

from engine.ec2.money import usd

HOUR = 3600
MINIMUM_SECONDS = 60  # per-second billing: "with a minimum of 60 seconds" (AWS What's New, 2 Oct 2017)
MODELS = {"hour": "Per started hour (the lecture; before Oct 2017)", "second": "Per second, 60 s minimum (Linux since 2 Oct 2017)"}
RULES = {"hour": "each started hour is billed in full, and each start of a stopped instance begins a new billable hour",
         "second": "per second, with a minimum of 60 seconds per run"}

_HEAD = re.compile(r"^(?P<vm>[A-Za-z][\w.-]*)\s+(?P<type>\S+)\s+(?P<times>.+)$")
_TIME = re.compile(r"^(?P<h>\d+):(?P<m>\d{2})(?::(?P<s>\d{2}))?$")
# ISO 8601 as AWS consoles and the CLI print it: 2026-03-01T23:30:00Z, 2026-03-01T23:30:00.000Z, 2026-03-01T23:30:00+00:00
_ISO = re.compile(r"^(?P<date>\d{4}-\d{2}-\d{2})[Tt](?P<h>\d{2}):(?P<m>\d{2})(?::(?P<s>\d{2})(?:[.,]\d{1,9})?)?"
                  r"(?P<zone>[Zz]|[+-]\d{2}:?\d{2})?$")
MAX_RUNS = 100  # runs a timeline may have: the chart shows one 34 px row per run, so 100 runs are 3,400 px
MAX_HOURS = 24 * 366  # the longest timeline, from its first start to its last stop: one (leap) year
FORMAT_HELP = ("one run per line: `name type start-stop`, times as h:mm or h:mm:ss (a stop before its start is the "
               "next day: 23:30-0:30) or as ISO 8601 timestamps (2026-03-01T23:30:00Z), e.g. `vm1 t2.small 0:00-1:01`")
CONVENTIONS = ("Hours are counted from each run's own start, not on the clock: 23:30–0:30 is one started hour. "
               "A clock-time stop before its start is read as the next day; ISO 8601 timestamps are converted to UTC "
               "with their offset (no offset: read as UTC), so runs may span days.")


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
    epoch: int | None = None  # Unix time of the timeline's 0 when the times were ISO 8601 timestamps
    note: str = ""  # how the times were read, when it is not plain ("crosses midnight", "converted to UTC")

    @property
    def seconds(self) -> int:
        return self.stop - self.start

    def when(self, seconds: int) -> str:
        """A time of this run's timeline as the student wrote it: h:mm, or a UTC timestamp."""
        if self.epoch is None:
            return clock(seconds)
        moment = datetime.fromtimestamp(self.epoch + seconds, tz=timezone.utc)
        return moment.strftime("%Y-%m-%d %H:%M" + (":%S" if moment.second else "")) + " UTC"


    def span(self) -> str:
        """'23:30–24:30', or '2026-03-01 21:45:10 – 03-03 07:00 UTC' (the stop's year, or date, only when they differ)."""
        if self.epoch is None:
            return f"{clock(self.start)}–{clock(self.stop)}"
        a, b = (datetime.fromtimestamp(self.epoch + t, tz=timezone.utc) for t in (self.start, self.stop))

        def fmt(moment: datetime, date: str) -> str:
            return moment.strftime(date + "%H:%M" + (":%S" if moment.second else ""))

        date = "" if a.date() == b.date() else "%m-%d " if a.year == b.year else "%Y-%m-%d "
        return f"{fmt(a, '%Y-%m-%d ')} – {fmt(b, date)} UTC"


def clock(seconds: int) -> str:
    """'1:01' or '0:00:30' (seconds only when there are any)."""
    h, rest = divmod(seconds, HOUR)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}" + (f":{s:02d}" if s else "")


def duration(seconds: int) -> str:
    """'1:01', or '2 d 3:00' from one day on."""
    days, rest = divmod(seconds, 24 * HOUR)
    return f"{days:,} d {clock(rest)}" if days else clock(rest)


@dataclass(frozen=True)
class _Moment:
    """One written time: seconds on the clock of the timeline (clock times) or Unix seconds (ISO)."""

    seconds: int
    iso: bool
    zoned: bool = True


def _time(text: str, number: int) -> _Moment:
    if text.startswith("-"):
        raise BillingError(f"line {number}: times cannot be negative ({text[:40]!r}); the timeline starts at 0:00.")
    m = _TIME.match(text)
    if m:
        minutes, secs = int(m["m"]), int(m["s"] or 0)
        if minutes > 59 or secs > 59:
            raise BillingError(f"line {number}: {text!r} has minutes or seconds above 59.")
        if len(m["h"]) > len(str(MAX_HOURS)) or int(m["h"]) > MAX_HOURS:
            raise BillingError(f"line {number}: {text[:20]!r}{'…' if len(text) > 20 else ''} is more than "
                               f"{MAX_HOURS:,} hours (a year) from the start; "
                               "write a time within a year, or ISO 8601 timestamps for real dates.")
        return _Moment(int(m["h"]) * HOUR + minutes * 60 + secs, iso=False)
    m = _ISO.match(text)
    if m:
        zone = m["zone"] or "Z"
        try:
            day = datetime.strptime(m["date"], "%Y-%m-%d")
            if int(m["h"]) > 23 or int(m["m"]) > 59 or int(m["s"] or 0) > 59:
                raise ValueError("hour above 23 or minutes/seconds above 59")
            offset = 0 if zone in "Zz" else (1 if zone[0] == "+" else -1) * (int(zone[1:3]) * 60 + int(zone[-2:]))
            if not -12 * 60 <= offset <= 14 * 60 or int(zone[-2:] if zone not in "Zz" else 0) > 59:
                raise ValueError("offsets run from -12:00 to +14:00")
        except ValueError as exc:
            raise BillingError(f"line {number}: {text!r} is not a valid ISO 8601 timestamp ({exc}); write it as "
                               "AWS prints it, e.g. 2026-03-01T23:30:00Z or 2026-03-01T23:30:00+01:00.") from None
        moment = day.replace(hour=int(m["h"]), minute=int(m["m"]), second=int(m["s"] or 0), tzinfo=timezone.utc)
        return _Moment(int(moment.timestamp()) - offset * 60, iso=True, zoned=bool(m["zone"]))
    raise BillingError(f"line {number}: {text[:60]!r} is not a time; write h:mm or h:mm:ss (1:05, 0:00:30) or an "
                       "ISO 8601 timestamp (2026-03-01T23:30:00Z).")


def _looks_like_time(text: str) -> bool:
    return bool(_TIME.match(text.lstrip("-")) or _ISO.match(text))


def _split_times(times: str, number: int, line: str) -> tuple[_Moment, _Moment]:
    """Start and stop from 'start-stop', 'start – stop', 'start/stop' (ISO 8601 interval), 'start stop' or
    'start to stop'. A '-' that is part of a date or an offset is not the separator: each split is tried."""
    words = [w for w in times.replace("–", " ").replace("—", " ").split() if w not in ("-", "to", "/")]
    if len(words) == 2:
        return _time(words[0], number), _time(words[1], number)
    if len(words) == 1:  # the first cut at '/' or '-' whose both sides look like times (then read, with their errors)
        word = words[0]
        for i, ch in enumerate(word):
            if ch in "/-" and 0 < i < len(word) - 1 and _looks_like_time(word[:i]) and _looks_like_time(word[i + 1:]):
                return _time(word[:i], number), _time(word[i + 1:], number)
        for i, ch in enumerate(word):  # one side is a time: the other side's error says what is wrong with it
            if ch in "/-" and 0 < i < len(word) - 1 and (_looks_like_time(word[:i]) or _looks_like_time(word[i + 1:])):
                return _time(word[:i], number), _time(word[i + 1:], number)
    raise BillingError(f"line {number}: {line[:80]!r} does not read as a run; {FORMAT_HELP}.")


def parse_timeline(text: str, prices: Mapping[str, float]) -> tuple[Run, ...]:
    """Runs from the editor text; blank lines and '# comments' are skipped. Every mistake names its line.

    At most ``MAX_RUNS`` runs within ``MAX_HOURS``; overlapping runs of one VM are found by sorting (n log n).
    """
    parsed: list[tuple[int, str, str, _Moment, _Moment]] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if len(parsed) == MAX_RUNS:
            raise BillingError(f"line {number}: the timeline has more than {MAX_RUNS} runs; at most {MAX_RUNS} fit "
                               "one chart: shorten it.")
        m = _HEAD.match(line)
        if not m:
            raise BillingError(f"line {number}: {line[:80]!r} does not read as a run; {FORMAT_HELP}.")
        if m["type"] not in prices:
            raise BillingError(f"line {number}: unknown instance type {m['type'][:40]!r}; this price table has "
                               f"{', '.join(prices)}.")
        start, stop = _split_times(m["times"], number, line)
        parsed.append((number, m["vm"], m["type"], start, stop))
    if not parsed:
        raise BillingError(f"The timeline is empty; {FORMAT_HELP}.")
    kinds = {moment.iso for p in parsed for moment in p[3:]}
    if len(kinds) > 1:
        first = next(p[0] for p in parsed if {p[3].iso, p[4].iso} != {False})
        raise BillingError(f"line {first}: this timeline mixes clock times and ISO 8601 timestamps; write every time "
                           "the same way (clock times count from 0:00, timestamps are dates).")
    iso = kinds == {True}
    epoch = min(p[3].seconds for p in parsed) if iso else None
    runs = [_run(number, vm, kind, start, stop, epoch) for number, vm, kind, start, stop in parsed]
    _check_overlaps(runs)
    last = max(run.stop for run in runs)
    if last > MAX_HOURS * HOUR:
        line = max(runs, key=lambda r: r.stop).line
        raise BillingError(f"line {line}: the timeline spans more than {MAX_HOURS:,} hours (a year) from its first "
                           "start; bill at most a year at a time.")
    return tuple(runs)


def _run(number: int, vm: str, kind: str, start: _Moment, stop: _Moment, epoch: int | None) -> Run:
    notes = []
    if epoch is not None:
        a, b = start.seconds - epoch, stop.seconds - epoch
        if not (start.zoned and stop.zoned):
            notes.append("no UTC offset given: read as UTC")
        if b <= a:
            raise BillingError(f"line {number}: {vm} stops at {stop_text(stop, epoch)}, not after it starts at "
                               f"{stop_text(start, epoch)}.")
    else:
        a, b = start.seconds, stop.seconds
        if b == a:
            raise BillingError(f"line {number}: {vm} stops at {clock(b)}, not after it starts at {clock(a)}; a run "
                               "lasts at least a second (for 24 hours write e.g. 9:00-33:00).")
        if b < a:
            if b >= 24 * HOUR:
                raise BillingError(f"line {number}: {vm} stops at {clock(b)}, not after it starts at {clock(a)}.")
            days = (a - b) // (24 * HOUR) + 1  # the next time the clock shows the stop time
            b += days * 24 * HOUR
            notes.append(f"crosses midnight: the stop is read as {clock(stop.seconds)} the next day"
                         if days == 1 else f"the stop is read as {clock(stop.seconds)} {days} days later")
    return Run(vm, kind, a, b, number, epoch, "; ".join(notes))


def stop_text(moment: _Moment, epoch: int) -> str:
    return Run("", "", 0, 0, 0, epoch).when(moment.seconds - epoch)


def _check_overlaps(runs: list[Run]) -> None:
    """One VM runs once at a time. Sorted by VM and start, an overlap shows as a run starting before the latest stop
    so far; the message names the earliest line in the text that overlaps an earlier-starting run."""
    clashes: list[tuple[Run, Run]] = []
    ordered = sorted(runs, key=lambda r: (r.vm, r.start, r.line))
    latest: Run | None = None
    for run in ordered:
        if latest is not None and latest.vm == run.vm and run.start < latest.stop:
            clashes.append((latest, run) if latest.line < run.line else (run, latest))
        if latest is None or latest.vm != run.vm or run.stop > latest.stop:
            latest = run
    if clashes:
        first, second = min(clashes, key=lambda pair: (pair[1].line, pair[0].line))
        raise BillingError(f"line {second.line}: {second.vm} is already running then (line {first.line}); "
                           "one VM runs once at a time: give a second VM its own name.")


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
        return [{"VM": r.run.vm, "type": r.run.type, "run": r.run.span(),
                 "used": duration(r.run.seconds), "$/h": f"{r.price_per_hour:g}",
                 "billed per started hour": f"{r.billed['hour'] // HOUR:,} h = {usd(r.cost('hour'))}",
                 "billed per second": f"{duration(r.billed['second'])} = {usd(r.cost('second'))}",
                 "how the times were read": r.run.note or "as written"} for r in self.runs]

    def timeline_rows(self, model: str) -> list[dict[str, object]]:
        """Intervals for the chart of one model: used time and billed-but-unused time per run (minutes).

        'end' is the latest billed end under either model, so both charts can share one time axis. Minutes count
        from the first start (the axis says so), so an overnight timeline from 22:10 does not open with 22 empty hours.
        """
        origin = min(r.run.start for r in self.runs)
        end = (max(r.run.start + max(r.billed.values()) for r in self.runs) - origin) / 60
        rows: list[dict[str, object]] = []
        for r in self.runs:
            label = f"{r.run.vm} (line {r.run.line})"
            start, stop = (r.run.start - origin) / 60, (r.run.stop - origin) / 60
            rows.append({"run": label, "kind": "used", "from": start, "to": stop, "end": end})
            if r.billed[model] > r.run.seconds:
                rows.append({"run": label, "kind": "billed, not used", "from": stop,
                             "to": start + r.billed[model] / 60, "end": end})
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
    "overnight": Preset("Over midnight", "night t2.small 23:30-0:30\nbackup t2.medium 22:10-1:45",
                        "A stop before its start is the next day: 23:30–0:30 is one hour, and it is one started hour, "
                        "because hours count from the run's start, not on the clock."),
    "aws-timestamps": Preset("AWS timestamps over days (ISO 8601)",
                             "web t2.small 2026-03-01T23:30:00Z-2026-03-02T00:30:00Z\n"
                             "batch t2.medium 2026-03-01T22:45:10+01:00-2026-03-03T08:00:00+01:00\n"
                             "test t2.small 2026-03-02T12:00:00.000Z-2026-03-02T12:00:45.000Z",
                             "Times as the AWS CLI and console print them, with offsets converted to UTC: the batch run "
                             "lasts 1 day 9:14:50, 34 started hours; the 45-second test pays 60 seconds per second."),
    "batch-day": Preset("A working day of batch jobs", "web t2.large 0:00-8:00\nbatch1 t2.xlarge 1:00-3:10\n"
                        "batch2 t2.xlarge 1:00-2:05\nreport t2.medium 6:30-6:45",
                        "Long runs hardly care about the model; the short, odd-length ones do."),
}
