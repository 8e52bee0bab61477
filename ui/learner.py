"""The anonymous learner: a key of four words kept in the page address, and the quiz history in the store.

The key is created with the first answer and written into the address (``?learner=...``) on every page, so a
reload or a bookmark continues where the student stopped. Every event is written to the store when it
happens. If the store cannot be reached, answers are kept for this browser session and the page says so.
"""

from __future__ import annotations

import time

import streamlit as st

from engine.core import progress
from engine.core.store import Store, StoreError, UnknownLearner, normalise_key

KEY = "learner_key"
EVENTS = "learner_events"
PARAM = "learner"
NOTICE = "learner_notice"


@st.cache_resource(show_spinner=False)
def _store() -> Store | StoreError:
    try:
        return Store()
    except StoreError as exc:
        return exc


def store() -> Store | None:
    """The shared store, or None (with a warning on the page) when it cannot be opened."""
    found = _store()
    if isinstance(found, StoreError):
        st.warning(f"{found} Your answers are kept for this browser session only.", icon="💾")
        return None
    return found


def sync() -> None:
    """Run once per script run, before the page: load the history of the address's key, keep the key in the address."""
    if KEY not in st.session_state:
        st.session_state[KEY] = ""
        st.session_state[EVENTS] = ()
        raw = st.query_params.get(PARAM)
        if raw:
            open_key(raw)
    if st.session_state[KEY]:
        st.query_params[PARAM] = st.session_state[KEY]


def open_key(text: str) -> bool:
    """Continue the history under a typed or linked key; False if there is none under it.

    The reason is kept for :func:`show_notice` ("My progress" shows it), since a linked key is read before any page.
    """
    key = normalise_key(text[:100])
    found = store()
    problem = ""
    if not key:
        problem = "A learner key is four words, e.g. 'stout-film-thumb-chow'."
    elif found is not None:
        try:
            events = found.events(key)
        except UnknownLearner:
            problem = f"No history is kept under the key '{key}'. Check the words; your current answers stay as they are."
        except StoreError as exc:
            problem = str(exc)
    if problem or found is None:
        st.session_state[NOTICE] = problem
        return False
    st.session_state[KEY] = key
    st.session_state[EVENTS] = events
    st.query_params[PARAM] = key
    return True


def key() -> str:
    return st.session_state.get(KEY, "")


def events() -> tuple[progress.Event, ...]:
    return st.session_state.get(EVENTS, ())


def records() -> dict[str, progress.Record]:
    """The quiz pages' records (round 0) by question id, replayed once per change of the history."""
    current = events()
    cached = st.session_state.get("learner_records")
    if cached is None or cached[0] is not current:
        cached = (current, progress.quiz_records(current))
        st.session_state["learner_records"] = cached
    return cached[1]


def record(question_id: str, round: int) -> progress.Record | None:
    """This learner's record of one question in one round (a review), if it has one."""
    return progress.replay(e for e in events() if e.question_id == question_id and e.round == round).get((question_id, round))


def save(before: progress.Record, after: progress.Record) -> None:
    """Write the event that turned ``before`` into ``after``: the store first, then this session."""
    event = progress.last_event(before, after, time.time())
    if event is None:
        return
    found = store()
    if found is not None:
        try:
            if not key():
                st.session_state[KEY] = found.create_learner()
                st.query_params[PARAM] = st.session_state[KEY]
            found.add(key(), event)
        except StoreError as exc:
            st.session_state["store_error"] = f"{exc} This answer is kept for this browser session only."
    st.session_state[EVENTS] = events() + (event,)


def show_notice() -> None:
    """Say why the last key could not be opened (once)."""
    message = st.session_state.pop(NOTICE, "")
    if message:
        st.error(message, icon="🔑")


def show_store_error() -> None:
    message = st.session_state.pop("store_error", None)
    if message:
        st.error(message, icon="💾")


def forget() -> None:
    """Delete this learner's history everywhere and start afresh without a key."""
    found = store()
    if key() and found is not None:
        found.forget(key())
    st.session_state[KEY] = ""
    st.session_state[EVENTS] = ()
    st.query_params.pop(PARAM, None)


def import_file(data: bytes, name: str) -> str:
    """Restore an export into this learner's history (creating a key if needed); returns a sentence saying what happened.

    Raises ``progress.ExportError`` or ``StoreError``; the history is then unchanged.
    """
    imported = progress.parse_export(data, name, time.time())
    found = store()
    if found is None:
        raise StoreError("The progress database is not available, so nothing can be imported now.")
    if not key():
        st.session_state[KEY] = found.create_learner()
        st.query_params[PARAM] = st.session_state[KEY]
    added = found.import_events(key(), imported)
    st.session_state[EVENTS] = found.events(key())
    return f"Imported {added} of {len(imported)} answers from {name} ({len(imported) - added} were already here)."
