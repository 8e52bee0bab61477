"""Shared pieces of the two live-question pages: the rooms in the progress store, questions, the join link and its QR.

The rooms live in the same database as the students' progress (``ui.learner``'s store). Questions are looked up by
what the room keeps: a written question's id, or a generator id and seed (the variant is made again, so it is the
same question on every phone). Everything a student or lecturer typed, and every option text, is shown through
:func:`safe`, so no text turns into a link, a formula, a colour or HTML.
"""

from __future__ import annotations

import io
import os
from urllib.parse import urlsplit

import segno
import streamlit as st

from engine.core.quiz import Question
from engine.core.rooms import LIVE_KINDS, STATES, QuestionRef, Room, RoomError, Rooms
from engine.core.store import StoreError
from engine.quizgen import Generator, registry
from ui import content, learner
from ui.escape import literal
from viz.live import letter

JOIN_PATH = "live-join"


def safe(text: object) -> str:
    """Text shown literally in Streamlit Markdown, on one line (an option, a prompt on a phone, a message): the app's
    one escaping rule (ui.escape.literal: no link, autolink, image, formula, colour or HTML), long texts kept whole."""
    return literal(" ".join(str(text).splitlines()), limit=4000, word=200)


def resolve(ref: QuestionRef) -> Question | None:
    """The question a room asks: a written one by id, or the generated variant its generator makes for the seed."""
    if ref.kind == "written":
        return next((q for s in content.sections() for q in content.bank(s.id) if q.id == ref.ref), None)
    gen = registry().get(ref.ref)
    return gen.make(ref.seed, content.catalogue()) if gen is not None else None


@st.cache_resource(show_spinner=False)
def _rooms() -> Rooms | StoreError:
    found = learner._store()
    return found if isinstance(found, StoreError) else Rooms(found, resolve)


def rooms() -> Rooms | None:
    """The rooms in the shared store, or None (with a message on the page) when the database cannot be opened."""
    found = _rooms()
    if isinstance(found, StoreError):
        st.error(f"{found} Live questions need the database, so this page cannot work right now.", icon="💾")
        return None
    return found


def progress(room: Room) -> tuple[int, int, int]:
    """How far a room has moved: question number, round, state. It only ever grows, so an older reading is smaller."""
    return room.question_no, room.round, STATES.index(room.state)


@st.cache_data(ttl=1.0, show_spinner=False, max_entries=1000)
def room_state(code: str) -> tuple[int, int, int] | None:
    """:func:`progress` of an open room, read at most once a second however many phones ask; None once it is gone."""
    found = _rooms()
    if isinstance(found, StoreError):
        return None
    try:
        return progress(found.room(code))
    except RoomError:
        return None


def bank() -> dict[str, list[Question]]:
    """The written questions a show of hands can answer (single and multiple choice), by section."""
    return {s.id: [q for q in content.bank(s.id) if q.kind in LIVE_KINDS] for s in content.sections()}


@st.cache_resource(show_spinner=False)
def generators() -> list[Generator]:
    """The generators whose variants are choice questions (a numeric one cannot be voted on with a tap)."""
    return [g for g in registry().values() if g.make(1, content.catalogue()).kind in LIVE_KINDS]


def join_base() -> str:
    """Where phones reach this app: VIRTLAB_PUBLIC_URL if set, else the address the lecturer's browser uses."""
    configured = os.environ.get("VIRTLAB_PUBLIC_URL", "").strip().rstrip("/")
    if configured:
        return configured
    parts = urlsplit(st.context.url or "")
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else "http://localhost:8501"


def join_url(base: str, code: str) -> str:
    return f"{base.rstrip('/')}/{JOIN_PATH}?room={code}"


def qr_png(url: str) -> bytes:
    """The join link as a QR code (PNG, drawn by segno without any network)."""
    out = io.BytesIO()
    segno.make(url, error="m", micro=False).save(out, kind="png", scale=10, border=2)
    return out.getvalue()


def options_list(q: Question, right: tuple[str, ...] | None = None, mine: tuple[str, ...] = ()) -> str:
    """The options as a lettered Markdown list (escaped); after the reveal the right ones say so."""
    lines = []
    for i, option in enumerate(q.options):
        mark = " ✅ **right**" if right is not None and option in right else ""
        yours = " ← your vote" if option in mine else ""
        lines.append(f"- **{letter(i)}** · {safe(option)}{mark}{yours}")
    return "\n".join(lines)


def lettered(q: Question, chosen: tuple[str, ...]) -> str:
    """A vote as letters and texts: 'B · IF silently stays as it was' (escaped)."""
    return "; ".join(f"**{letter(q.options.index(o))}** · {safe(o)}" for o in chosen if o in q.options)
