"""EC2 data-transfer fees along a route, with each boundary the data crosses as one animation frame.

The lecture: "Intra-availability zone traffic is free of charge; per-GB fee for inter-availability
zone/inter-region traffic". The concrete fees are secondary-source figures (sources.toml: data-transfer-fees),
read from lessons/2.5/transfer.toml with their date, so they can be updated without code changes.

Between zones AWS charges "$0.01/GB in each direction": out of the sending zone and again into the receiving
zone, so one GB sent one way pays the fee twice, about $0.02/GB (measured bills confirm it; sources.toml:
inter-az-both-ends).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from engine.core.lessons import LESSONS_DIR, Reader, load_toml
from engine.ec2.money import number, usd
from engine.core.provenance import Provenance, read_provenance
from engine.ec2.regions import Geography
from engine.core.trace import Trace, TraceBuilder

TRANSFER_FILE = LESSONS_DIR / "2.5" / "transfer.toml"
INTERNET = "internet"
KINDS = {"same-az": "within one availability zone", "inter-az": "between availability zones of one region",
         "inter-region": "between regions", "egress": "out to the internet", "inbound": "in from the internet"}
SIMPLIFICATIONS = ("each direction is priced on its own; between zones both ends pay, the sender for data out and the "
                   "receiver for data in; an inter-region transfer is charged once, as it leaves its source "
                   "region (no extra inter-AZ fee); fees of the us-east-1 class for every region; 1 TB = 1024 GB.")


class TransferError(ValueError):
    """A route or amount the calculator cannot price; the message says what to change."""


@dataclass(frozen=True)
class Tier:
    up_to_gb: float | None  # cumulative bound of the month's egress; None for the last tier
    per_gb: float
    label: str


@dataclass(frozen=True)
class Fees:
    inbound: float
    same_az: float
    inter_az: float  # per GB, charged "in each direction": out of the sending zone and into the receiving one
    inter_region: float
    inter_region_note: str
    tiers: tuple[Tier, ...]
    region: str
    provenance: Provenance

    @property
    def inter_az_one_way(self) -> float:
        """What one GB sent from one zone to another costs: the fee out of the sender's zone plus the fee into the
        receiver's (sources.toml: inter-az-both-ends)."""
        return 2 * self.inter_az


def _tiers(root: Reader) -> tuple[Tier, ...]:
    tiers, previous = [], 0.0
    entries = list(root.subs("egress_tier"))
    for n, r in enumerate(entries):
        bound = r.get("up_to_gb", None)
        last = n == len(entries) - 1
        if last != (bound is None):
            r.fail("only the last egress tier has no 'up_to_gb'" if not last else "the last egress tier must not have 'up_to_gb'")
        if bound is not None:
            bound = r.number("up_to_gb")
            if bound <= previous:
                r.fail(f"'up_to_gb' must grow from tier to tier: {bound:g} after {previous:g}")
            previous = bound
        per_gb = r.number("per_gb")
        if per_gb < 0:
            r.fail(f"'per_gb' must not be negative, found {per_gb:g}")
        tiers.append(Tier(bound, per_gb, r.str("label")))
    return tuple(tiers)


def load_fees(path: Path = TRANSFER_FILE) -> Fees:
    """The fee table; a malformed file names the entry and the problem."""
    root = Reader(load_toml(path), path.name)
    f = root.sub("fees")
    prices = {k: f.number(k) for k in ("inbound", "same_az", "inter_az_each_direction", "inter_region")}
    negative = [k for k, v in prices.items() if v < 0]
    if negative:
        f.fail(f"'{negative[0]}' must not be negative, found {prices[negative[0]]:g}")
    return Fees(prices["inbound"], prices["same_az"], prices["inter_az_each_direction"], prices["inter_region"],
                f.str("inter_region_note", ""), _tiers(root), f.str("region"), read_provenance(f))


@lru_cache(maxsize=1)
def shipped() -> Fees:
    """The app's own file, read once per process (pages and quiz generators share it)."""
    return load_fees()


@dataclass(frozen=True)
class FeeLine:
    what: str
    gb: float
    per_gb: float

    @property
    def cost(self) -> float:
        return self.gb * self.per_gb


@dataclass(frozen=True)
class Waypoint:
    """A place on the route: an instance in an AZ, the edge of an AZ or region, or the internet."""

    id: str
    label: str
    az: str | None
    region: str | None


@dataclass(frozen=True)
class RouteState:
    kind: str
    waypoints: tuple[Waypoint, ...]
    reached: int  # index of the waypoint the data is at
    gb: float
    lines: tuple[FeeLine, ...]
    done: bool = False

    @property
    def total(self) -> float:
        return sum(line.cost for line in self.lines)


def egress_lines(fees: Fees, gb: float, month_before: float = 0.0) -> tuple[FeeLine, ...]:
    """Split ``gb`` of internet egress over the monthly tiers, after ``month_before`` GB already sent this month."""
    lines, start, end, low = [], month_before, month_before + gb, 0.0
    for tier in fees.tiers:
        high = math.inf if tier.up_to_gb is None else tier.up_to_gb
        part = max(0.0, min(end, high) - max(start, low))
        if part > 0:
            lines.append(FeeLine(f"internet egress, {tier.label}", part, tier.per_gb))
        low = high
    return tuple(lines)


def classify(geo: Geography, source: str, destination: str) -> str:
    if source == INTERNET and destination == INTERNET:
        raise TransferError("Both ends are the internet: pick an instance in an availability zone for at least one end.")
    for end in (source, destination):
        if end != INTERNET:
            try:
                geo.region_of(end)
            except KeyError:
                raise TransferError(f"Unknown availability zone {end!r}: pick one from the list.") from None
    if source == INTERNET:
        return "inbound"
    if destination == INTERNET:
        return "egress"
    if source == destination:
        return "same-az"
    return "inter-az" if geo.region_of(source).id == geo.region_of(destination).id else "inter-region"


MIN_GB = 0.001  # 1 MB: the smallest amount the calculator takes, and the minimum of the page's amount widget


def _check_amount(gb: float, month_before: float) -> None:
    if not math.isfinite(gb) or gb < MIN_GB:
        raise TransferError(f"The amount must be a positive number of GB, at least {MIN_GB:g} GB (1 MB), not {gb:g}.")
    if not math.isfinite(month_before) or month_before < 0:
        raise TransferError(f"The egress already sent this month must be 0 GB or more, not {month_before:g}.")


def _instance(geo: Geography, az: str, name: str) -> Waypoint:
    return Waypoint(name, f"{name} in {az}", az, geo.region_of(az).id)


def waypoints(geo: Geography, kind: str, source: str, destination: str,
              names: tuple[str, str] = ("instance A", "instance B")) -> tuple[Waypoint, ...]:
    """The places the data passes, in order (the DOT builder draws them, the frames step through them)."""
    internet = Waypoint(INTERNET, "the internet", None, None)
    if kind == "inbound":
        r = geo.region_of(destination).id
        return (internet, Waypoint("region-in", f"edge of {r}", None, r), _instance(geo, destination, names[1]))
    src = _instance(geo, source, names[0])
    if kind == "same-az":
        return (src, _instance(geo, destination, names[1]))
    az_out = Waypoint("az-out", f"edge of {source}", None, src.region)
    if kind == "inter-az":
        return (src, az_out, Waypoint("az-in", f"edge of {destination}", None, src.region),
                _instance(geo, destination, names[1]))
    region_out = Waypoint("region-out", f"edge of {src.region}", None, None)
    if kind == "egress":
        return (src, az_out, region_out, internet)
    dst_region = geo.region_of(destination).id
    return (src, az_out, region_out, Waypoint("region-in", f"edge of {dst_region}", None, dst_region),
            _instance(geo, destination, names[1]))


def quote(geo: Geography, fees: Fees, source: str, destination: str, gb: float, month_before: float = 0.0) -> tuple[FeeLine, ...]:
    """The fee lines of one transfer (the last frame's lines; used by the quiz generator)."""
    return simulate(geo, fees, source, destination, gb, month_before)[-1].state.lines


def simulate(geo: Geography, fees: Fees, source: str, destination: str, gb: float, month_before: float = 0.0,
             round_trip: bool = False) -> Trace[RouteState]:
    """One frame per boundary crossed, each saying which fee (if any) applies there and why.

    ``round_trip``: instance B then sends the same amount back, a second leg with its own fees
    (between AZs: "$0.01/GB in each direction" means out of one zone and into the other, so $0.02/GB one way and
    $0.04/GB for the round trip; sources.toml: inter-az-both-ends).
    """
    kind = classify(geo, source, destination)
    _check_amount(gb, month_before)
    t: TraceBuilder[RouteState] = TraceBuilder(f"transfer {source}->{destination} {gb:g} GB +{month_before:g} {round_trip}")
    lines: list[FeeLine] = []
    points = _leg(t, lines, geo, fees, kind, source, destination, gb, month_before, ("instance A", "instance B"), "")
    if round_trip:
        sent = gb if kind == "egress" else 0.0
        points = _leg(t, lines, geo, fees, classify(geo, destination, source), destination, source, gb, month_before + sent,
                      ("instance B", "instance A"), "Reply: ")
    total = sum(line.cost for line in lines)
    t.add(RouteState(kind, points, len(points) - 1, gb, tuple(lines), done=True), f"Total fee: {usd(total)}",
          " + ".join(f"{number(line.gb)} GB × ${line.per_gb:g}" for line in lines) + f" = {usd(total)}.", {points[-1].id})
    return t.build()


def _leg(t: TraceBuilder[RouteState], lines: list[FeeLine], geo: Geography, fees: Fees, kind: str, source: str,
         destination: str, gb: float, month_before: float, names: tuple[str, str], prefix: str) -> tuple[Waypoint, ...]:
    """The frames of one direction; appends its fee lines to ``lines`` and returns its waypoints."""
    points = waypoints(geo, kind, source, destination, names)
    sender, receiver = names

    def at(index: int, event: str, why: str, fee: tuple[FeeLine, ...] = ()) -> None:
        lines.extend(fee)
        t.count("boundaries", 1 if index else 0)
        t.add(RouteState(kind, points, index, gb, tuple(lines)), prefix + event, why, {points[index].id})

    if kind == "inbound":
        at(0, f"{number(gb)} GB come in from the internet", f"The data is on its way to {receiver}.")
        at(1, "Enters the region", f"Inbound traffic from the internet is free (${fees.inbound:g}/GB).",
           (FeeLine("inbound from the internet", gb, fees.inbound),))
        at(2, f"Arrives at {receiver} in {destination}", "No further fee inside the region.")
        return points
    at(0, f"{number(gb)} GB leave {sender} in {source}", f"Route {KINDS[kind]}.")
    if kind == "same-az":
        at(1, f"Arrives at {receiver} in the same zone {destination}",
           "Intra-availability zone traffic is free of charge (lecture; over private IP addresses).",
           (FeeLine("same availability zone", gb, fees.same_az),))
    elif kind == "inter-az":
        at(1, f"Crosses the boundary of {source}",
           f"Per-GB fee for inter-AZ traffic (lecture): ${fees.inter_az:g}/GB for data out of {source}, on the "
           "sender's bill.", (FeeLine(f"between availability zones, out of {source} ({sender})", gb, fees.inter_az),))
        at(2, f"Enters zone {destination}",
           f"And ${fees.inter_az:g}/GB for data into {destination}, on the receiver's bill: AWS charges inter-AZ "
           f"traffic \"in each direction\", so one way costs ${fees.inter_az_one_way:g}/GB.",
           (FeeLine(f"between availability zones, into {destination} ({receiver})", gb, fees.inter_az),))
        at(3, f"Arrives at {receiver} in {destination}",
           f"Same region, a different zone: out and in, {number(gb)} GB × ${fees.inter_az_one_way:g}. "
           "Data sent back pays both fees again.")
    else:
        at(1, f"Crosses the boundary of {source}",
           "Leaving the zone on the way out of the region: charged as "
           + ("internet egress" if kind == "egress" else "inter-region traffic") + " at the region boundary (this app's model).")
        if kind == "egress":
            tiers = egress_lines(fees, gb, month_before)
            steps = "; ".join(f"{number(line.gb)} GB × ${line.per_gb:g}" for line in tiers)
            at(2, "Leaves the AWS network to the internet",
               f"Internet egress is tiered per month; {number(month_before)} GB already sent this month: {steps}.", tiers)
            at(3, "Reaches the internet", "No further fee in this model: the whole fee was charged at the region boundary.")
        else:
            at(2, f"Crosses the boundary of region {points[0].region}",
               f"Per-GB fee for inter-region traffic (lecture): ${fees.inter_region:g}/GB here; "
               f"{fees.inter_region_note or 'the real fee varies by region pair'}.",
               (FeeLine(f"between regions, {points[0].region} → {points[3].region}", gb, fees.inter_region),))
            at(3, f"Enters region {points[3].region}", "Charged once, on the way out (this app's model).")
            at(4, f"Arrives at {receiver} in {destination}", "No further fee inside the destination region.")
    return points
