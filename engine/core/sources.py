"""Where the app's figures come from: lessons/sources.toml, one entry per figure, shown per page.

Every figure the app states beyond the lecture slides (exit reason numbers, Xen's defaults, EC2 prices,
cycle counts from papers) has an entry with its primary source and how sure it is, so a student can check
it and a lecturer can see what is solid. Pages render the entries that name them in a collapsed "Sources"
footnote; code comments cite entries as "sources.toml: <id>".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from engine.core.lessons import Reader, load_toml
from engine.core.provenance import TAGS

_ID = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")


@dataclass(frozen=True)
class Source:
    """One figure and its provenance. ``sureness`` is a key of :data:`engine.core.provenance.TAGS`."""

    id: str
    figure: str
    source: str
    sureness: str
    pages: tuple[str, ...]
    note: str = ""

    @property
    def sureness_words(self) -> str:
        """How sure the figure is, in plain words ("checked against a primary source")."""
        return TAGS[self.sureness]


def load_sources(path: Path) -> tuple[Source, ...]:
    """All entries of a sources file, in file order.

    Raises :class:`LessonError` naming the entry for a malformed id, an unknown sureness, an empty page list
    or a repeated id. Whether each page title is a real page is checked by the UI layer, which knows the pages.
    """
    root = Reader(load_toml(path), path.name)
    entries = []
    for r in root.subs("source"):
        sid = r.str("id")
        if not _ID.fullmatch(sid):
            r.fail(f"'id' must be lower-case words joined by '-', found {sid!r}")
        sureness = r.str("sureness")
        if sureness not in TAGS:
            r.fail(f"'sureness' must be one of {', '.join(TAGS)}, found {sureness!r}")
        pages = tuple(r.str_list("pages"))
        if not pages:
            r.fail("'pages' must name at least one page")
        entries.append(Source(sid, r.str("figure"), r.str("source"), sureness, pages, r.str("note", default="")))
    root.unique((s.id for s in entries), "source id")
    return tuple(entries)


def for_page(sources: tuple[Source, ...], title: str) -> tuple[Source, ...]:
    """The entries that name page ``title``, in file order."""
    return tuple(s for s in sources if title in s.pages)
