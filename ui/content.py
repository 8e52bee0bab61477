"""Cached access to the lesson files, with load errors shown as messages, not tracebacks."""

from __future__ import annotations

from typing import Callable, TypeVar

import streamlit as st

from engine.virtualizability import isa as isa_mod
from engine.core import quiz as quiz_mod
from engine.core.lessons import LESSONS_DIR, LessonError, read_text
from engine.fullvirt.bt import BTProgram, load_bt_programs
from engine.core.outline import Section, load_sections
from engine.core.sources import Source, load_sources
from engine.fullvirt.paging import MODES, Preset, load_presets
from engine.virtualizability.programs import Program, load_programs
from ui.escape import literal

T = TypeVar("T")


def show_lesson_error(exc: LessonError) -> None:
    """The message of a malformed lesson file (file, entry, problem), shown as text."""
    st.error(f"A lesson file needs fixing: {literal(exc, limit=800)}", icon="📝")


def guarded(load: Callable[[], T]) -> T:
    """Run a loader; on a malformed lesson file show what is wrong and stop this page."""
    try:
        return load()
    except LessonError as exc:
        show_lesson_error(exc)
        st.stop()
        raise  # st.stop() raises; this line is for type checkers


@st.cache_resource(show_spinner=False)
def _catalogue() -> dict[str, isa_mod.ISA]:
    return isa_mod.load_catalogue(LESSONS_DIR / "isas")


@st.cache_resource(show_spinner=False)
def _bank(section: str) -> tuple[quiz_mod.Question, ...]:
    return quiz_mod.load_bank(section)


@st.cache_resource(show_spinner=False)
def _programs() -> tuple[Program, ...]:
    return load_programs(LESSONS_DIR / "2.1" / "programs.toml", _catalogue())


@st.cache_resource(show_spinner=False)
def _bt_programs() -> tuple[BTProgram, ...]:
    return load_bt_programs(LESSONS_DIR / "2.2" / "bt_programs.toml")


@st.cache_resource(show_spinner=False)
def _paging_presets() -> dict[str, Preset]:
    presets = load_presets(LESSONS_DIR / "2.2" / "paging.toml")
    missing = [mode for mode in MODES if mode not in presets]  # the paging page offers every mode
    if missing:
        raise LessonError(f"paging.toml: no [[preset]] for mode {', '.join(repr(m) for m in missing)}; every paging "
                          f"mode ({', '.join(MODES)}) needs one")
    return presets


@st.cache_resource(show_spinner=False)
def _sections() -> tuple[Section, ...]:
    return load_sections(LESSONS_DIR / "sections.toml")


@st.cache_data(show_spinner=False)
def _lesson(section: str, name: str) -> str:
    return read_text(LESSONS_DIR / section / f"{name}.md")


def catalogue() -> dict[str, isa_mod.ISA]:
    return guarded(_catalogue)


def bank(section: str) -> tuple[quiz_mod.Question, ...]:
    return guarded(lambda: _bank(section))


def programs() -> tuple[Program, ...]:
    return guarded(_programs)


def bt_programs() -> tuple[BTProgram, ...]:
    return guarded(_bt_programs)


def paging_presets() -> dict[str, Preset]:
    return guarded(_paging_presets)


def sections() -> tuple[Section, ...]:
    return guarded(_sections)


def lesson(section: str, name: str) -> None:
    """Render a lesson's Markdown in a collapsed expander directly under the page header, titled by its heading.

    Collapsed for everyone, so every simulation page opens with its animation on the first screen of a projector
    (1920×1080 and 1280×720); the lesson is one click away, and its title says what it is about.
    """
    text = guarded(lambda: _lesson(section, name)).strip()
    title, _, body = text.partition("\n")
    if not title.startswith("# "):
        title, body = "Lesson", text
    with st.expander(f"📖 Lesson: {title.lstrip('# ').strip()}", expanded=False):
        st.markdown(body.replace("\n## ", "\n#### "))


@st.cache_resource(show_spinner=False)
def sources() -> tuple[Source, ...]:
    """Every entry of lessons/sources.toml (raises LessonError; the footnote reports it without stopping the page)."""
    return load_sources(LESSONS_DIR / "sources.toml")
