"""Fuzz every page's widgets under AppTest: no input a student or a link can give may raise.

Seeded and bounded in time. For each page (tests/test_pages.py's PAGES) a random sequence of actions sets text areas
and inputs to random and adversarial values (empty, huge numbers past int()'s 4,300-digit limit, 1e308, control
characters, Markdown and HTML, 100 kB of text, unicode, a lone comma, and mutations of the widget's own text: one
number replaced, a line dropped, duplicated or cut), picks options of selectboxes, radios and multiselects, moves
sliders and number inputs to their ends, and clicks buttons. It fails on any exception the page shows
(``at.exception``) and on any parser bug that ui/editor.py's ``parsed`` caught and logged (a parser that raised
something other than ValueError on bad text), naming page, widget, value and the actions that led there, so that a
failure can be replayed with the same seed.

A player that steps in the browser (ui.player, ``client=True``) has no Streamlit widgets to click: the server draws
every frame of its trace whenever its scenario changes, so each action that changes the inputs renders all frames,
and the test reads each such player's frames back (tests.players) after every action.

VIRTLAB_FUZZ_SEED (default 15) picks the sequences; VIRTLAB_FUZZ_SECONDS (default 60) is the budget of all pages' actions
together, shared evenly; every page gets at least MIN_ACTIONS actions.
"""

from __future__ import annotations

import logging
import os
import random
import re
import time
import zlib

import pytest
from streamlit.testing.v1 import AppTest

from tests.players import browser_player
from tests.test_pages import APP, PAGES

SEED = int(os.environ.get("VIRTLAB_FUZZ_SEED", "15"))
BUDGET = float(os.environ.get("VIRTLAB_FUZZ_SECONDS", "60")) / len(PAGES)
MIN_ACTIONS = 5
MAX_ACTIONS = 60
MAX_TEXT = 120_000  # a long paste; repeated mutations of one text would otherwise grow past Streamlit's 25 MB limit

# Editors are where students type: they get most of the actions; a server player's buttons only step frames.
WEIGHTS = {"text_area": 8, "text_input": 4, "number_input": 2, "selectbox": 2, "radio": 2, "multiselect": 2,
           "slider": 1, "select_slider": 1, "checkbox": 1, "toggle": 1, "button": 1}

HUGE = "9" * 4400  # past int()'s 4,300-digit limit for str -> int
ADVERSARIAL = [
    "", " ", ",", ",,", "=", "-", "#", "0", "-1", "1e308", "-1e308", "1e309", "nan", "inf", "-0", "0x", "1/0",
    HUGE, "-" + HUGE, "0." + HUGE, "1" + "0" * 400, "2**1000",
    "\x00", "\x07\x08\x1b[31mred\x1b[0m", "a\rb", "\t\t", "\u202eevil\u202c", "\u200b", "\ufeff",
    "[Quiz solutions](https://evil.example/)", "![x](https://evil.example/x.png)", "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>", "$\\frac{1}{0}$", ":red[alarm]", "**bold** _it_ `code`", "# heading\n- item",
    "'; DROP TABLE answers; --", "{{7*7}}", "${7*7}", "__import__('os').system('id')",
    "é漢字🙂 Ω≈ç√", "ﬁ", "\U0001F600" * 100, "a" * 100_000, "x\n" * 20_000, "( " * 5000, "[" * 5000,
]
NUMBERS = ["0", "-1", "1", "0.0001", "1e308", "99999999999999999999", HUGE, "nan", "-0.5", "65536", "4294967296"]


def mutate(rng: random.Random, text: str) -> str:
    """The widget's own text with one small mistake a student (or an attacker) could make."""
    lines = text.splitlines() or [""]
    kind = rng.randrange(8)
    if kind == 0:  # one number replaced
        numbers = list(re.finditer(r"\d+(\.\d+)?", text))
        if numbers:
            m = rng.choice(numbers)
            return text[:m.start()] + rng.choice(NUMBERS) + text[m.end():]
    if kind == 1:  # a line dropped
        del lines[rng.randrange(len(lines))]
        return "\n".join(lines)
    if kind == 2:  # a line many times
        i = rng.randrange(len(lines))
        return "\n".join(lines[:i] + [lines[i]] * rng.choice([2, 50, 2000]) + lines[i + 1:])
    if kind == 3:  # cut anywhere
        return text[:rng.randrange(len(text) + 1)]
    if kind == 4:  # an adversarial token inside
        at = rng.randrange(len(text) + 1)
        return text[:at] + rng.choice(ADVERSARIAL[:40]) + text[at:]
    if kind == 5:  # a word replaced by a token
        words = list(re.finditer(r"[A-Za-z_.]+", text))
        if words:
            m = rng.choice(words)
            return text[:m.start()] + rng.choice(["", "x", "=", ",", HUGE, "é", "\x00", "-1"]) + text[m.end():]
    if kind == 6:  # separators removed
        return text.replace(rng.choice([" ", "=", ",", ":", "\n"]), "", 1)
    return text + "\n" + rng.choice(lines)


def text_value(rng: random.Random, widget) -> str:
    current = widget.value or ""
    value = mutate(rng, current) if current and rng.random() < 0.6 else rng.choice(ADVERSARIAL)
    if widget.max_chars:  # the browser cuts the text there
        value = value[:widget.max_chars]
    return value[:MAX_TEXT]


def number_value(rng: random.Random, widget):
    low, high = widget.min, widget.max
    step = widget.step or 1
    integer = isinstance(step, int) and isinstance(widget.value, int)
    candidates = [low, high, widget.value, rng.uniform(float(low), float(high))]
    value = rng.choice(candidates)
    return int(value) if integer else float(value)


def slider_value(rng: random.Random, widget):
    low, high = widget.min, widget.max
    pick = [low, high, rng.uniform(float(low), float(high)) if isinstance(low, float) else rng.randint(low, high)]
    if isinstance(widget.value, (list, tuple)):
        a, b = sorted(rng.sample(pick, 2) if len(set(pick)) > 1 else (low, high))
        return (a, b)
    return rng.choice(pick)


def widgets(at: AppTest) -> list[tuple[str, object]]:
    found: list[tuple[str, object]] = []
    for kind in WEIGHTS:
        try:
            found += [(kind, w) for w in getattr(at, kind) if not w.disabled]
        except (AttributeError, KeyError):
            continue
    return found


def act(rng: random.Random, kind: str, w) -> str:
    """Set ``w`` to a random value (not yet run); returns a description of the value."""
    if kind in ("text_area", "text_input"):
        value = text_value(rng, w)
        w.input(value)
        return repr(value[:80]) + (f"… ({len(value):,} characters)" if len(value) > 80 else "")
    if kind == "number_input":
        if w.min is None or w.max is None:
            value = rng.choice([0, -1, 10 ** 9, 1e308, -1e308])
        else:
            value = number_value(rng, w)
        w.set_value(value)
        return repr(value)
    if kind in ("selectbox", "radio"):
        i = rng.randrange(len(w.options)) if w.options else 0
        (w.select_index(i) if kind == "selectbox" else w.set_value(w.options[i]))
        return repr(w.options[i]) if w.options else "(no options)"
    if kind == "multiselect":
        chosen = rng.sample(list(w.options), rng.randint(0, len(w.options)))
        w.set_value(chosen)
        return repr(chosen)
    if kind == "slider":
        value = slider_value(rng, w)
        w.set_value(value)
        return repr(value)
    if kind == "select_slider":
        value = rng.choice(list(w.options))
        w.set_value(value)
        return repr(value)
    if kind in ("checkbox", "toggle"):
        w.set_value(not w.value)
        return repr(not w.value)
    w.click()
    return "click"


class ParserBugs(logging.Handler):
    """Collects what ui/editor.py logs when a parser raised something other than ValueError on bad text."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def check_browser_players(at: AppTest, where: str) -> None:
    """Every browser player on the page carries a caption per frame and opens at one of its frames."""
    for element in at.get("html"):
        key = re.search(r'<div class="vl-player[^"]*" data-key="([^"]+)"', element.value)
        if key:
            shown = browser_player(at, key[1])
            assert len(shown) >= 1 and len(shown.captions) == len(shown) and 0 <= shown.start < len(shown), where
            assert shown.caption(len(shown) - 1).startswith(f"Frame {len(shown)}/{len(shown)} "), where


def describe(w) -> str:
    return f"{type(w).__name__} key={getattr(w, 'key', None)!r} label={str(getattr(w, 'label', ''))[:60]!r}"


@pytest.mark.parametrize("spec", PAGES, ids=[p.url_path or "home" for p in PAGES])
def test_fuzz_page_widgets(spec):
    rng = random.Random(f"{SEED}:{spec.file}")  # a page's sequence does not depend on the other pages
    bugs = ParserBugs()
    logging.getLogger("virtlab.input").addHandler(bugs)
    try:
        at = AppTest.from_file(APP, default_timeout=30)
        at.query_params["order"] = str(zlib.crc32(spec.file.encode()) % 1000)
        at.run()
        at.switch_page(spec.file)
        at.run()
        history: list[str] = [f"open {spec.file}"]
        assert not at.exception, [e.value for e in at.exception]
        check_browser_players(at, f"open {spec.file}")
        start = time.monotonic()
        actions = 0
        while actions < MAX_ACTIONS and (actions < MIN_ACTIONS or time.monotonic() - start < BUDGET):
            candidates = widgets(at)
            if not candidates:
                break
            kind, w = rng.choices(candidates, [WEIGHTS[k] for k, _ in candidates])[0]
            saved = getattr(w, "_value", None)
            try:
                value = act(rng, kind, w)
                w._widget_state  # AppTest cannot serialise some values (e.g. a radio with a format_func): check now
            except (ValueError, IndexError, TypeError, KeyError) as exc:  # AppTest cannot set this value
                w._value = saved
                history.append(f"(skipped {describe(w)}: {exc})")
                continue
            history.append(f"{describe(w)} ← {value}")
            actions += 1
            began = time.monotonic()
            try:
                at.run()
            except RuntimeError as exc:  # AppTest's timeout: the page did not finish within 30 s
                pytest.fail(f"{spec.file}: {describe(w)} ← {value}: {exc}\nactions:\n  " + "\n  ".join(history))
            took = time.monotonic() - began
            if at.exception:
                e = at.exception[0]
                trace = "\n".join(e.stack_trace[-6:]) if getattr(e, "stack_trace", None) else ""
                pytest.fail(f"{spec.file}: {describe(w)} ← {value} raised {e.value}\n{trace}\nactions:\n  "
                            + "\n  ".join(history))
            if bugs.records:
                r = bugs.records[0]
                pytest.fail(f"{spec.file}: {describe(w)} ← {value}: {r.getMessage()[:300]}\n"
                            f"{logging.Formatter().formatException(r.exc_info)[-1500:] if r.exc_info else ''}"
                            "\nactions:\n  " + "\n  ".join(history))
            assert took < 20, f"{spec.file}: {describe(w)} ← {value} took {took:.1f} s"
            check_browser_players(at, f"{spec.file}: {describe(w)} ← {value}\nactions:\n  " + "\n  ".join(history))
    finally:
        logging.getLogger("virtlab.input").removeHandler(bugs)
