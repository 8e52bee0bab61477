"""Where a figure comes from and how well it was checked: every EC2 data table carries one.

The EC2 numbers (prices, region counts, credit rates) change over time and come from sources
of different weight, so the app shows each table's tag and date next to it, never a bare number.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.core.lessons import Reader

TAGS: dict[str, str] = {
    "lecture": "from the lecture slides",
    "V": "checked against a primary source",
    "S": "secondary source, not checked against the original",
    "U/S": "secondary figures that disagree slightly",
    "U": "not verified",
}


@dataclass(frozen=True)
class Provenance:
    tag: str
    as_of: str
    source: str

    @property
    def label(self) -> str:
        """'as of 2026-06' for captions; how sure the figure is comes in plain words from :attr:`meaning`."""
        return f"as of {self.as_of}" if self.as_of != "undated" else "undated"

    @property
    def meaning(self) -> str:
        return TAGS[self.tag]


def read_tag(r: Reader, key: str = "tag") -> str:
    tag = r.str(key)
    if tag not in TAGS:
        r.fail(f"'{key}' must be one of {', '.join(TAGS)}, found {tag!r}")
    return tag


def read_provenance(r: Reader) -> Provenance:
    return Provenance(read_tag(r), r.str("as_of"), r.str("source"))
