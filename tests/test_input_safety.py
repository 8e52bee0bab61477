"""Echoed text is shown as text, and every editor keeps its last good state whatever a parser raises.

ui/escape.py is the one place that escapes what a user typed or a link supplied; ui/editor.py's ``parsed`` is the
one last-good-state path of every editor.
"""

import logging
import re

import pytest
from streamlit.testing.v1 import AppTest

from tests.players import browser_player
from tests.test_pages import open_page
from ui.escape import literal, shorten, visible


@pytest.mark.parametrize("text, forbidden", [
    ("[Quiz solutions](https://evil.example/)", ["[Quiz solutions](", "https://"]),
    ("![x](https://evil.example/x.png)", ["![", "]("]),
    ("<img src=https://evil.example/x.png>", ["<img"]),
    ("<script>alert(1)</script>", ["<script"]),
    ("www.evil.example", ["www.evil"]),
    ("mail me@evil.example", ["me@evil"]),
    ("$\\frac{1}{2}$", ["$\\frac"]),
    (":red[alarm] **bold** _it_ ~~gone~~ `code`", [":red[", "**bold", "_it_", "~~gone", "`code"]),
    ("# Heading", ["# "]),
    ("- item\n1. item\n===", ["\n- ", "\n1. "]),
    ("&lt;b&gt;", ["&lt;"]),
])
def test_literal_leaves_no_markup(text, forbidden):
    shown = literal(text)
    for piece in forbidden:  # present only with a backslash before its first character (shown as that character)
        assert not re.search(r"(?<!\\)" + re.escape(piece), shown), (text, shown)


def test_literal_keeps_ordinary_text_searchable():
    assert literal("'isa=vax' is not one of s370, ia32; line 3: 0.5 - 2") == "'isa=vax' is not one of s370, ia32; line 3: 0.5 - 2"


def test_long_text_is_cut_and_says_how_long_it_was():
    shown = shorten("line 1: '" + "9" * 5000 + "' is too large")
    assert len(shown) < 120 and "…9999' (5,002 characters) is too large" in shown
    assert len(shorten("word " * 20_000)) < 450


def test_control_and_bidi_characters_are_visible():
    assert visible("a\x00b\x1bc\u202ed\u200be") == "a\\x00b\\x1bc\\u202ed\\u200be"
    assert "\x07" not in literal("bell\x07")


@pytest.mark.parametrize("value", ["[Quiz solutions](https://evil.example/)", "![x](https://evil.example/x.png)",
                                   "<img src=x onerror=alert(1)>"])
def test_link_notice_shows_the_address_bar_as_text(value):
    at = open_page("pages/s21_trap_emulate.py", {"isa": value})
    notices = [i.value for i in at.info if "Link notice" in i.value]
    assert notices, [i.value for i in at.info]
    assert not any(re.search(r"(?<!\\)(\]\(|<img)", n) for n in notices), notices


def _editor_app():
    """A page with one editor whose parser raises what the text asks for (the editor is ui.editor.parsed)."""
    import streamlit as st

    from ui.editor import parsed

    def parse(text: str) -> int:
        kinds = {"value": ValueError("'[x](https://e.example)' is not a number"), "overflow": OverflowError("big"),
                 "key": KeyError("k"), "zero": ZeroDivisionError("division by zero"), "recursion": RecursionError()}
        if text in kinds:
            raise kinds[text]
        if text == "bug":
            raise AttributeError("a programming error")
        return int(text)

    text = st.text_area("Number", "1", key="text")
    st.write(f"value={parsed(text, parse, 'good', '1', 'number')}")


def test_parsed_keeps_the_last_good_state_for_every_input_error_kind(caplog):
    at = AppTest.from_function(_editor_app, default_timeout=30).run()
    assert "value=1" in at.markdown[0].value
    at.text_area(key="text").input("7").run()
    assert "value=7" in at.markdown[0].value
    for bad in ("value", "overflow", "key", "zero", "recursion"):
        with caplog.at_level(logging.ERROR, logger="virtlab.input"):
            caplog.clear()
            at.text_area(key="text").input(bad).run()
        assert not at.exception, (bad, at.exception)
        assert "value=7" in at.markdown[0].value, bad  # the last good number, not the preset's 1
        assert "Showing the last number that worked" in at.error[0].value
        assert not re.search(r"(?<!\\)\]\(", at.error[0].value)
        # A parser that raises anything but ValueError on bad text has a bug: logged, with its traceback.
        assert bool(caplog.records) == (bad != "value"), bad
    at.text_area(key="text").input("bug").run()
    assert at.exception  # a programming error is not an input error: it stays visible


HUGE = "9" * 5000  # past int()'s 4,300-digit limit


@pytest.mark.parametrize("controls, workload, message", [
    ("primary: HLT exiting", ",", "names no guest instruction"),
    ("primary: HLT exiting", "cpuid x" + HUGE, "repetition"),
    ("primary: bit " + HUGE, "cpuid", "out of range 0–31"),
    ("io: " + HUGE, "cpuid", "port of 5,000 characters"),
    ("primary: HLT exiting", "#PF " + HUGE, "faulting address of 5,000 characters"),
    ("primary: HLT exiting", "mov cr" + HUGE + ", eax", "no control register"),
    ("primary: HLT exiting", "[x](https://evil.example)", "unknown guest instruction"),
])
def test_vtx_editor_turns_bad_text_into_a_message_and_keeps_the_last_good_run(controls, workload, message):
    at = open_page("pages/s23_vtx.py", {"vtx": "custom"})
    at.text_area[0].input("primary: HLT exiting").run()
    at.text_area[1].input("hlt x3").run()
    assert not at.error
    at.text_area[0].input(controls).run()
    at.text_area[1].input(workload).run()
    assert not at.exception, at.exception
    error = at.error[0].value
    assert message in error and "Showing the last VMCS and workload that worked" in error
    assert len(error) < 600 and not re.search(r"(?<!\\)\]\(", error)
    shown = browser_player(at, "vtx")  # hlt x3 still
    assert len(shown) == 7 and shown.caption(6).startswith("Frame 7/7") and "3 VM exits" in shown.caption(6)


def _render(source: str) -> str:
    import shutil
    import subprocess

    result = subprocess.run([shutil.which("dot") or "dot", "-Tsvg"], input=source, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.mark.parametrize("name", ["A\x07B", "NUL\x00", "ESC\x1b[31m", "RTL\u202eX", "ZW\u200bJ", 'Q"<&>\\N', "é漢🙂"])
def test_isa_diagram_draws_any_name(name):
    """viz/dot.py makes every DOT statement safe: the sets diagram renders whatever an instruction is called."""
    from engine.virtualizability.isa import Instruction
    from viz.virtualizability.isa_sets import sets_graph

    ins = (Instruction(name, why="x", group="Designer", privileged=False, control_sensitive=True,
                       behaviour_sensitive=False),)
    svg = _render(sets_graph(f"Title {name}", ins, False).source)
    assert "Critical" in svg


def test_isa_designer_refuses_invisible_characters_in_names(catalogue):
    from engine.virtualizability.isa import DesignError, design_from_rows, design_rows

    rows = design_rows(catalogue["ia32"])
    rows[0]["Instruction"] = "PO\x07PF"
    with pytest.raises(DesignError, match=r"row 1: the name holds an invisible character \('\\x07', U\+0007\)"):
        design_from_rows(catalogue["ia32"], rows)


def _broken_preset_app():
    import streamlit as st

    from ui.editor import parsed

    text = st.text_area("Number", "x", key="text")
    st.write(f"value={parsed(text, int, 'good', 'not a preset', 'number')}")


def test_parsed_with_a_broken_preset_says_so_instead_of_raising():
    at = AppTest.from_function(_broken_preset_app, default_timeout=30).run()
    assert not at.exception
    assert any("cannot be read either" in e.value for e in at.error)


def test_ints_digit_limit_reads_as_advice_not_interpreter_internals():
    from ui.editor import problem

    try:
        int("9" * 5000)
    except ValueError as exc:
        shown = problem(exc)
    assert shown == "a number of 5,000 digits is far too large to read; write a number of a few digits"


@pytest.mark.parametrize("file, query", [("pages/s23_xen.py", {"xen": "custom"}),
                                         ("pages/s22_shadow.py", {"scenario": "custom"})])
def test_more_editors_keep_the_last_good_state_and_escape_the_echo(file, query):
    at = open_page(file, query)
    good = at.text_area[0].value
    for bad in ("[x](https://evil.example/) " + HUGE, ",", "\x00\u202e"):
        at.text_area[0].input(bad).run()
        assert not at.exception, (file, bad, at.exception)
        error = next(e.value for e in at.error if "Showing the last" in e.value)
        assert len(error) < 700 and not re.search(r"(?<!\\)\]\(", error) and "\x00" not in error
    at.text_area[0].input(good).run()
    assert not at.error
