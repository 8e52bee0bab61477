"""Reading a browser-side player (ui.player, ``client=True``) in AppTest, where its script does not run.

The player's st.html element carries every frame: this module reads them back, so a test checks what the browser
will show at frame i (its caption, the text of its diagram and tables) without stepping on the server.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass

from streamlit.testing.v1 import AppTest

_DATA = re.compile(r"/\*vlp-data\*/(.*?)/\*end-vlp-data\*/", re.S)
_TAG = re.compile(r"<[^>]+>")


def text(markup: str) -> str:
    """The text of an HTML fragment: tags removed, entities resolved, spaces collapsed."""
    return " ".join(html.unescape(_TAG.sub(" ", markup)).split())


@dataclass(frozen=True)
class BrowserPlayer:
    key: str
    start: int  # the frame the browser opens at (0-based)
    captions: tuple[str, ...]  # per frame, the caption line's HTML
    frames: tuple[str, ...]  # per frame, its HTML (diagrams' SVG included)
    body: str  # the whole st.html body

    def __len__(self) -> int:
        return len(self.frames)

    def caption(self, index: int) -> str:
        """Frame ``index``'s caption as text: 'Frame 1/9 — Ready. The guest kernel …'."""
        return text(self.captions[index])

    def frame_text(self, index: int) -> str:
        """Frame ``index``'s visible text (diagram labels, tables, code)."""
        return text(self.frames[index])


def browser_player(at: AppTest, key: str) -> BrowserPlayer:
    """The browser player ``key`` on the page ``at`` shows (AssertionError if there is none)."""
    for element in at.get("html"):
        body = element.value
        if f'data-key="{key}"' in body and "vl-player" in body:
            data = json.loads(_DATA.search(body).group(1))
            frames = tuple("".join(data["parts"][p] for slot in slots for p in slot) for slots in data["frames"])
            start = int(re.search(r'data-start="(\d+)"', body).group(1))
            return BrowserPlayer(key, start, tuple(data["captions"]), frames, body)
    raise AssertionError(f"no browser player {key!r} on the page")
