"""Live: join. A light page for phones: type the room code (or arrive by the QR link), see the question, vote once.

The page keeps a random device token in its address (``?device=...``), so a reload is the same device: it shows the
vote already recorded and offers no second one (the database refuses one anyway). The page looks for the lecturer's
next step every few seconds while there is nothing to tap, and stays still while the vote form is shown.
"""

import streamlit as st

from engine.core.rooms import AlreadyVoted, RoomError, UnknownRoom, new_device, normalise_code, valid_device
from ui import live

MESSAGE = "live_join_message"
REFRESH_S = 3

st.title("Class question")

device = st.query_params.get("device", "")
if not valid_device(device):
    device = st.session_state.get("live_device") or new_device()
st.session_state["live_device"] = device
st.query_params["device"] = device

rooms = live.rooms()
if rooms is None:
    st.stop()


def join() -> None:
    typed = st.session_state.get("live_code_input", "")
    code = normalise_code(typed)
    if not code:
        st.session_state[MESSAGE] = ("error", "A room code is five letters and digits, as shown on the projector "
                                              "(for example K7PQ2).")
        return
    try:
        rooms.room(code)
    except RoomError as exc:
        st.session_state[MESSAGE] = ("error", str(exc))
        return
    st.query_params["room"] = code


def leave() -> None:
    st.query_params.pop("room", None)
    st.session_state.pop(MESSAGE, None)


def show_message() -> None:
    kind, text = st.session_state.pop(MESSAGE, ("", ""))
    if kind == "error":
        st.error(live.safe(text), icon="✋")
    elif kind == "warning":
        st.warning(live.safe(text), icon="☝️")


raw = st.query_params.get("room", "")
code = normalise_code(raw)
if raw and not code:
    st.error(f"'{live.safe(raw[:12])}' is not a room code: a code is five letters and digits.", icon="✋")
if not code:
    show_message()
    with st.form("live_join_form", border=False):
        st.text_input("Room code", key="live_code_input", max_chars=12, placeholder="the code on the projector")
        st.form_submit_button("Join", type="primary", on_click=join, width="stretch")
    st.stop()

try:
    start = rooms.room(code)
except RoomError as exc:
    st.error(live.safe(str(exc)), icon="🚪")
    st.button("Type another code", on_click=leave, key="live_leave")
    st.stop()


def vote(question_no: int, round: int, key: str, question) -> None:
    if question.kind == "single":
        chosen = question.options[st.session_state[key]] if st.session_state.get(key) is not None else None
    else:
        chosen = [o for i, o in enumerate(question.options) if st.session_state.get(f"{key}_{i}")]
    try:
        rooms.vote(code, device, chosen, question_no=question_no, round=round)
    except AlreadyVoted as exc:
        st.session_state[MESSAGE] = ("warning", str(exc))
    except RoomError as exc:
        st.session_state[MESSAGE] = ("error", str(exc))


def waits(room, mine) -> bool:
    """Whether the page should look again by itself: everywhere except at an open vote this device has not cast."""
    return not (room.state == "open" and mine is None)


def mine_of(room):
    return rooms.my_vote(code, device) if room.question is not None else None


@st.fragment(run_every=REFRESH_S if waits(start, mine_of(start)) else None)
def panel() -> None:
    try:
        room = rooms.room(code)
    except UnknownRoom:
        st.rerun()  # the lecturer ended the room: the whole page says so
    mine = mine_of(room)
    if waits(room, mine) != waits(start, mine_of(start)) or room.question_no != start.question_no:
        st.rerun()  # switch the automatic refresh on or off with a full run
    st.caption(f"Room {code}" + (f" · round {room.round} of 2" if room.question else ""))
    show_message()
    if room.question is None:
        st.info("Waiting for the lecturer's question…", icon="⏳")
        return
    question = rooms.question_for(room.question)
    if question is None:
        st.error("This question cannot be shown; tell the lecturer.")
        return
    if room.round == 2 and mine is None and room.state in ("waiting", "open"):
        st.caption("Second round: talk it over with your neighbour, then vote again.")
    st.markdown(f"**{live.safe(question.prompt)}**")
    right = question.answer if room.state == "revealed" else None
    if mine is not None:
        st.success(f"Vote recorded: {live.lettered(question, mine)}", icon="✅")
        st.markdown(live.options_list(question, right, mine))
        if right is not None:
            verdict = "You chose the right answer." if set(mine) == set(right) else "The right answer is marked above."
            st.info(verdict, icon="📘")
        elif room.state == "open":
            st.caption("Wait for the lecturer to close the vote.")
        return
    if room.state == "open":
        key = f"live_vote_{code}_{room.question_no}_{room.round}"
        with st.form(f"{key}_form", border=False):
            if question.kind == "single":
                st.radio("Your answer", range(len(question.options)), index=None, key=key,
                         format_func=lambda i: f"**{live.letter(i)}** · {live.safe(question.options[i])}")
            else:
                st.caption("Select all that apply.")
                for i, option in enumerate(question.options):
                    st.checkbox(f"**{live.letter(i)}** · {live.safe(option)}", key=f"{key}_{i}")
            st.form_submit_button("Vote", type="primary", on_click=vote, width="stretch",
                                  args=(room.question_no, room.round, key, question))
        return
    st.markdown(live.options_list(question, right))
    if room.state == "waiting":
        st.info("Read the question: voting opens when the lecturer says so.", icon="⏳")
    elif room.state == "closed":
        st.warning("Voting is closed for this round; you did not vote in it.", icon="🔒")


panel()
st.button("Leave this room", on_click=leave, key="live_leave")
