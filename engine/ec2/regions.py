"""AWS regions and their availability zones, read from lessons/2.5/regions.toml, and a map-like layout.

The lecture: "Amazon calls each geographic location a region; regions are again divided into
availability zones". The worldwide counts change several times a year, so they are data with the
date they were true and their tag (sources.toml: aws-region-counts), never constants in code.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import networkx as nx

from engine.core.lessons import LESSONS_DIR, Reader, load_toml
from engine.core.provenance import Provenance, read_provenance

REGIONS_FILE = LESSONS_DIR / "2.5" / "regions.toml"
MIN_AZS = 3  # "every region has at least 3 AZs" (sources.toml: aws-region-counts)
INCH_PER_DEGREE = 0.05  # map scale for the layout (graphviz works in inches)
MIN_GAP = 2.7  # inches between region centres, so AZ rings and labels of neighbouring regions do not overlap
AZ_RING = 0.7  # inches from a region's centre to its AZs
LABEL_OFFSET = 1.35  # inches from a region's centre up to its name


@dataclass(frozen=True)
class Region:
    id: str
    name: str
    lat: float
    lon: float
    azs: tuple[str, ...]

    @property
    def place(self) -> str:
        """'N. Virginia' from 'US East (N. Virginia)': short enough for the map."""
        return self.name.split("(")[-1].rstrip(")") if "(" in self.name else self.name


@dataclass(frozen=True)
class Totals:
    """The worldwide counts as a range, because secondary sources disagree slightly."""

    regions: tuple[int, int]
    azs: tuple[int, int]
    provenance: Provenance

    def text(self) -> str:
        def span(low: int, high: int) -> str:
            return str(low) if low == high else f"{low}–{high}"

        return f"about {span(*self.regions)} regions and {span(*self.azs)} availability zones"


@dataclass(frozen=True)
class Geography:
    regions: tuple[Region, ...]
    provenance: Provenance
    totals: Totals

    def region_of(self, az: str) -> Region:
        for r in self.regions:
            if az in r.azs:
                return r
        raise KeyError(az)


def _region(r: Reader) -> Region:
    lat, lon = r.number("lat"), r.number("lon")
    if not -90 <= lat <= 90 or not -180 <= lon <= 180:
        r.fail(f"lat/lon ({lat}, {lon}) are not a place on Earth (lat -90..90, lon -180..180)")
    region_id, azs = r.str("id"), tuple(r.str_list("azs"))
    if len(azs) < MIN_AZS:
        r.fail(f"lists {len(azs)} availability zone(s); every AWS region has at least {MIN_AZS}")
    r.unique(azs, "availability zone")
    strays = [az for az in azs if not az.startswith(region_id)]
    if strays:
        r.fail(f"zone names start with their region's code: {', '.join(strays)} does not start with {region_id!r}")
    return Region(region_id, r.str("name"), lat, lon, azs)


def _totals(r: Reader) -> Totals:
    pairs = []
    for what in ("regions", "azs"):
        low, high = r.int(f"{what}_low"), r.int(f"{what}_high")
        if not 0 < low <= high:
            r.fail(f"'{what}_low' and '{what}_high' must satisfy 0 < low <= high, found {low} and {high}")
        pairs.append((low, high))
    return Totals(pairs[0], pairs[1], read_provenance(r))


def load_geography(path: Path = REGIONS_FILE) -> Geography:
    """Regions, their AZs and the dated worldwide counts; a malformed file names the entry and the problem."""
    root = Reader(load_toml(path), path.name)
    regions = tuple(_region(r) for r in root.subs("region"))
    root.unique((r.id for r in regions), "region id")
    root.unique((az for r in regions for az in r.azs), "availability zone")
    return Geography(regions, read_provenance(root.sub("regions")), _totals(root.sub("totals")))


@lru_cache(maxsize=1)
def shipped() -> Geography:
    """The app's own file, read once per process (pages and quiz generators share it)."""
    return load_geography()


def graph(geo: Geography) -> nx.Graph:
    """Regions and AZs as a graph: each AZ hangs off its region (the lecture's two-level structure)."""
    g = nx.Graph()
    for r in geo.regions:
        g.add_node(r.id, kind="region", label=r.name)
        for az in r.azs:
            g.add_node(az, kind="az", label=az.removeprefix(r.id))
            g.add_edge(r.id, az)
    return g


def _spread(points: dict[str, tuple[float, float]]) -> dict[str, tuple[float, float]]:
    """Push regions that are too close apart east-west, keeping their order, so the map stays map-like."""
    pos = dict(points)
    for _ in range(100):
        moved = False
        for a, b in itertools.combinations(sorted(pos, key=lambda n: pos[n][0]), 2):
            (xa, ya), (xb, yb) = pos[a], pos[b]
            if abs(ya - yb) < MIN_GAP and abs(xb - xa) < MIN_GAP:
                push = (MIN_GAP - abs(xb - xa)) / 2 + 0.01
                pos[a], pos[b] = (xa - push, ya), (xb + push, yb)
                moved = True
        if not moved:
            break
    return pos


@lru_cache(maxsize=8)
def layout(geo: Geography) -> dict[str, tuple[float, float]]:
    """Positions in inches: regions from longitude/latitude (spread where crowded), AZs on a ring around them.

    A region's node sits at its centre; its name goes above the ring at ``<id>:label``.
    """
    centres = _spread({r.id: (r.lon * INCH_PER_DEGREE, r.lat * INCH_PER_DEGREE) for r in geo.regions})
    g = graph(geo)
    pos = dict(centres)
    pos.update({f"{r}:label": (x, y + LABEL_OFFSET) for r, (x, y) in centres.items()})
    for r in geo.regions:
        ring = nx.circular_layout(g.subgraph(r.azs), scale=AZ_RING, center=centres[r.id])
        pos.update({az: (float(x), float(y)) for az, (x, y) in ring.items()})
    return pos
