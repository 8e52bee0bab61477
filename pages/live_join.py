"""Live: join. A light page for phones: type the room code (or arrive by the QR link), see the question, vote once.

The page keeps a random device token in its address (``?device=...``), so a reload is the same device: it shows the
vote already recorded and offers no second one (the database refuses one anyway). While there is nothing to tap, the
page looks for the lecturer's next step every few seconds (a light check of the room's state, cached for a second
across all phones) and shows the whole page again when it comes.
"""

import streamlit as st

from engine.core.rooms import AlreadyVoted, RoomError, new_device, normalise_code, valid_device
from ui import live

MESSAGE = "live_join_message"
REFRESH_S = 4  # seconds between two looks at the room while there is nothing to tap

# A phone screen: a small title, little space above it, and answers that are easy to hit with a thumb.
_CSS = """
<style>
  [data-testid="stMainBlockContainer"] { padding-top: 2.5rem; }
  h1 { font-size: 1.9rem !important; }
  .st-key-live_vote_area [data-testid="stRadio"] [role="radiogroup"] { gap: 0.55rem; }
  .st-key-live_vote_area [role="radiogroup"] label, .st-key-live_vote_area [data-testid="stCheckbox"] label {
    border: 1px solid #BBBBBB; border-radius: 0.6rem; padding: 0.65rem 0.7rem; width: 100%; }
  .st-key-live_vote_area [data-testid="stCheckbox"] { margin-bottom: 0.2rem; }
</style>
"""
st.title("Class question")
st.markdown(_CSS, unsafe_allow_html=True)

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


snapshot = live.progress(start)
mine = rooms.my_vote(code, device) if start.question is not None else None
voting = start.state == "open" and mine is None  # the form is on screen: nothing to look for until it is sent


@st.fragment(run_every=None if voting else REFRESH_S)
def watch() -> None:
    """Look at the room every few seconds; when the lecturer moves it on, show the whole page again.

    While the vote form is on screen the page does not look (200 phones polling cost the server more than anything
    else): the student is busy, and a vote sent after the close gets a clear refusal. A vote from another tab of this
    device is not a move either, so a form on screen stays as it is (and the database refuses that second vote)."""
    now = live.room_state(code)
    if now is None or now > snapshot:  # a cached state older than this page's is never a move
        st.rerun()


watch()
st.caption(f"Room {code}" + (f" · round {start.round} of 2" if start.question else ""))
show_message()
question = rooms.question_for(start.question) if start.question is not None else None
if start.question is None:
    st.info("Waiting for the lecturer's question…", icon="⏳")
elif question is None:
    st.error("This question cannot be shown; tell the lecturer.")
else:
    if start.round == 2 and mine is None and start.state in ("waiting", "open"):
        st.caption("Second round: talk it over with your neighbour, then vote again.")
    if mine is None and start.state == "waiting":  # the state first: a phone shows little below the question
        st.info("Read the question: voting opens when the lecturer says so.", icon="⏳")
    elif mine is None and start.state in ("closed", "revealed"):
        st.warning("Voting is closed for this round; you did not vote in it.", icon="🔒")
    st.markdown(f"**{live.safe(question.prompt)}**")
    right = question.answer if start.state == "revealed" else None
    if mine is not None:
        st.success(f"Vote recorded: {live.lettered(question, mine)}", icon="✅")
        st.markdown(live.options_list(question, right, mine))
        if right is not None:
            verdict = "You chose the right answer." if set(mine) == set(right) else "The right answer is marked above."
            st.info(verdict, icon="📘")
        elif start.state == "open":
            st.caption("Wait for the lecturer to close the vote.")
    elif start.state == "open":
        key = f"live_vote_{code}_{start.question_no}_{start.round}"
        with st.container(key="live_vote_area"), st.form(f"{key}_form", border=False):
            if question.kind == "single":
                st.radio("Your answer", range(len(question.options)), index=None, key=key,
                         format_func=lambda i: f"**{live.letter(i)}** · {live.safe(question.options[i])}",
                         label_visibility="collapsed")
            else:
                st.caption("Select all that apply.")
                for i, option in enumerate(question.options):
                    st.checkbox(f"**{live.letter(i)}** · {live.safe(option)}", key=f"{key}_{i}")
            st.form_submit_button("Vote", type="primary", on_click=vote, width="stretch",
                                  args=(start.question_no, start.round, key, question))
    else:
        st.markdown(live.options_list(question, right))

st.button("Leave this room", on_click=leave, key="live_leave")
