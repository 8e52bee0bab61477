"""Live: lecturer. Open a room, ask a question, let the room vote, close, reveal; a second round for peer instruction.

The room's code is kept in the address (``?room=ABCDE``); the lecturer secret only in this browser session, so a
reload asks for the secret again and a student who sees the address on the projector cannot steer the room.
"""

import segno
import streamlit as st

from engine.core.rooms import NotYet, QuestionRef, RoomError, UnknownRoom, normalise_code
from ui import live
from viz import live as charts

CODE, SECRET, FRESH, MESSAGE = "live_code", "live_secret", "live_secret_fresh", "live_message"
# Readable from the back of a lecture hall: the code, the options and the count are what the room looks at.
JOIN_BASE_CHARS = 300  # an address, not a text: a QR code of medium error correction holds ~2,300 bytes

_CSS = """
<style>
  .st-key-live_join_box h2 code { font-size: 4.2rem; font-weight: 800; letter-spacing: 0.35rem; padding: 0.1rem 0.8rem; }
  .st-key-live_join_box p { font-size: 1.3rem; }
  .st-key-live_question_box li, .st-key-live_question_box li p { font-size: 1.45rem; line-height: 1.5; }
  .st-key-live_count [data-testid="stMetricValue"] { font-size: 4rem; }
  .st-key-live_count [data-testid="stMetricLabel"] p { font-size: 1.2rem; }
</style>
"""

st.title("Live class questions")
st.markdown(_CSS, unsafe_allow_html=True)
st.caption("Peer instruction: everyone votes from their phone, discusses the question with a neighbour, and votes "
           "again. The projected view shows how many voted, not what, until you close the vote.")

rooms = live.rooms()
if rooms is None:
    st.stop()


def open_room() -> None:
    try:
        opened = rooms.open_room()
    except RoomError as exc:
        st.session_state[MESSAGE] = str(exc)
        return
    st.session_state.update({CODE: opened.code, SECRET: opened.secret, FRESH: True})
    st.query_params["room"] = opened.code


def act(action, *args) -> None:
    """Run a lecturer action with this session's secret; a refusal becomes a message."""
    try:
        action(st.session_state[CODE], st.session_state[SECRET], *args)
    except RoomError as exc:
        st.session_state[MESSAGE] = str(exc)


def enter_secret(code: str) -> None:
    typed = st.session_state.get("live_secret_input", "")
    try:
        rooms.check_secret(code, typed)
    except RoomError as exc:
        st.session_state[MESSAGE] = str(exc)
        return
    st.session_state.update({CODE: code, SECRET: typed, FRESH: False})


def end_room() -> None:
    act(rooms.end_room)
    for key in (CODE, SECRET, FRESH):
        st.session_state.pop(key, None)
    st.query_params.pop("room", None)


def show_message() -> None:
    message = st.session_state.pop(MESSAGE, "")
    if message:
        st.error(live.safe(message), icon="✋")


code = st.session_state.get(CODE) or normalise_code(st.query_params.get("room", ""))
if not code:
    show_message()
    st.markdown("Open a room to get a five-character code and a QR code for the students' phones. You get a "
                "**lecturer secret** with it, shown once: it lets you (and only you) steer the room, also after a reload.")
    st.button("Open a room", type="primary", on_click=open_room, key="live_open_room")
    st.stop()

st.query_params["room"] = code
if st.session_state.get(CODE) != code or not st.session_state.get(SECRET):
    show_message()
    try:
        rooms.room(code)
    except UnknownRoom:
        st.warning(f"Room {live.safe(code)} is not open any more.", icon="🚪")
        st.button("Open a new room", type="primary", on_click=open_room, key="live_open_room")
        st.stop()
    st.info(f"This is room **{live.safe(code)}**. To steer it from this browser, enter the lecturer secret you "
            "were shown when it opened.", icon="🔑")
    with st.form("live_secret_form", border=False):
        st.text_input("Lecturer secret", key="live_secret_input", type="password", max_chars=40,
                      placeholder="XXXX-XXXX-XXXX-XXXX")
        st.form_submit_button("Continue as the lecturer", on_click=enter_secret, args=(code,))
    st.button("Open a new room instead", on_click=open_room, key="live_open_other")
    st.stop()

try:
    room = rooms.room(code)
except RoomError as exc:
    st.error(live.safe(str(exc)), icon="🚪")
    st.button("Open a new room", type="primary", on_click=open_room, key="live_open_room")
    st.stop()

# ------------------------------------------------------------------ how students join
left, right = st.columns([3, 1], vertical_alignment="center")
base = st.session_state.setdefault("live_join_base", live.join_base())
url = live.join_url(base, code)
with left, st.container(key="live_join_box"):
    st.markdown(f"## Room code: `{code}`")
    st.markdown(f"Students open **{live.safe(url.split('?')[0])}** on their phones and type the code, or scan the QR "
                "code.")
with left:
    with st.expander("Join address", expanded=False):
        st.text_input("The address phones use to reach this app (for example this computer's address in the lecture "
                      "hall's network)", key="live_join_base", max_chars=JOIN_BASE_CHARS)
        st.caption("Set VIRTLAB_PUBLIC_URL before starting the app to make this the default.")
with right:
    try:
        st.image(live.qr_png(url), caption=f"Scan to join {code}", width=300)
    except segno.DataOverflowError:  # a join address too long for any QR code
        st.warning("This join address is too long for a QR code; shorten it under \"Join address\".", icon="🔗")

if st.session_state.get(FRESH):
    with st.container(border=True, key="live_secret_once"):
        st.markdown("🔑 **Your lecturer secret** (shown only now; the database keeps only a hash of it). Note it to "
                    "steer this room after a reload or from another computer. Hide it before you project.")
        st.code(st.session_state[SECRET], language=None)
        st.button("I have noted it: hide the secret", key="live_hide_secret",
                  on_click=lambda: st.session_state.update({FRESH: False}))

show_message()

# ------------------------------------------------------------------ choosing the question
with st.expander("Choose the question", expanded=room.question is None):
    tab_written, tab_generated = st.tabs(["Written questions", "Generated variant"])
    with tab_written:
        bank = live.bank()
        section = st.selectbox("Section", [s for s in bank if bank[s]], key="live_section")
        choices = {q.id: q for q in bank[section]}
        picked = st.selectbox("Question", list(choices), key="live_question",
                              format_func=lambda qid: f"{choices[qid].prompt[:110]}{'…' if len(choices[qid].prompt) > 110 else ''}")
        st.button("Ask this question", key="live_ask_written", on_click=act,
                  args=(rooms.ask, QuestionRef("written", picked)), type="primary" if room.question is None else "secondary")
    with tab_generated:
        gens = {g.id: g for g in live.generators()}
        gen_id = st.selectbox("Question type", list(gens), key="live_generator",
                              format_func=lambda gid: f"{gens[gid].section} · {gens[gid].title}")
        seed = st.number_input("Variant (seed)", min_value=0, max_value=10**9 - 1, value=1, step=1, key="live_seed")
        st.button("Ask this variant", key="live_ask_generated", on_click=act,
                  args=(rooms.ask, QuestionRef("generated", gen_id, int(seed))))

if room.question is None:
    st.info("Choose a question above; the students' phones show it as soon as you ask it.", icon="❓")
    st.stop()

question = rooms.question_for(room.question)
if question is None:
    st.error(f"The question '{live.safe(str(room.question))}' cannot be found any more (was the lesson file edited?). "
             "Choose another one.", icon="📝")
    st.stop()

# ------------------------------------------------------------------ the question and the controls
STATE_WORDS = {"waiting": "voting not open yet", "open": "voting open", "closed": "voting closed",
               "revealed": "answer revealed"}
right_answer = question.answer if room.state == "revealed" else None
with st.container(border=True, key="live_question_box"):
    st.caption(f"Question {room.question_no} · round {room.round} of 2 · {STATE_WORDS[room.state]}"
               + (" · select all that apply" if question.kind == "multiple" else ""))
    st.markdown(f"### {live.safe(question.prompt)}")
    st.markdown(live.options_list(question, right_answer))
    if right_answer is not None and question.explanation:
        st.info(live.safe(question.explanation), icon="📘")

buttons = st.columns(4)
buttons[0].button("▶ Open voting", key="live_open_voting", on_click=act, args=(rooms.open_voting,),
                  disabled=room.state != "waiting", type="primary" if room.state == "waiting" else "secondary")
buttons[1].button("■ Close voting", key="live_close_voting", on_click=act, args=(rooms.close_voting,),
                  disabled=room.state != "open", type="primary" if room.state == "open" else "secondary")
buttons[2].button("✓ Reveal the answer", key="live_reveal", on_click=act, args=(rooms.reveal,),
                  disabled=room.state != "closed")
buttons[3].button("↻ Second round", key="live_second_round", on_click=act, args=(rooms.second_round,),
                  disabled=not (room.round == 1 and room.state == "closed"),
                  help="Peer instruction: before revealing, let students convince a neighbour, then vote again.")


@st.fragment(run_every=2 if room.state == "open" else None)
def vote_count() -> None:
    """How many voted, refreshed every 2 s while voting is open; never what they voted before the close."""
    try:
        now = rooms.room(code)
    except RoomError as exc:
        st.error(live.safe(str(exc)))
        return
    if (now.state, now.round, now.question_no) != (room.state, room.round, room.question_no):
        st.rerun()  # changed in another tab: show the whole page again
    with st.container(key="live_count"):
        st.metric(f"Votes in round {now.round}", now.votes)
        if now.state == "open":
            st.caption("The distribution appears when you close the vote, so nobody follows the crowd.")
        elif now.state == "waiting":
            st.caption("Open voting when everyone has read the question.")


vote_count()

# ------------------------------------------------------------------ results
if room.state in ("closed", "revealed"):
    try:
        dist = rooms.distribution(code)
    except NotYet:
        st.stop()
    rows = charts.distribution_rows(list(dist.counts), dist.voters, right_answer)
    st.altair_chart(charts.distribution(rows, f"Round {room.round}: {dist.voters} votes"), width="stretch")
    if room.round == 1 and room.state == "closed":
        st.caption("Between 30 % and 70 % right is where a discussion helps most: press **Second round**, let "
                   "neighbours convince each other, and vote again. Above that, reveal and move on.")

if room.round == 2 and room.state in ("closed", "revealed"):
    first = rooms.distribution(code, round=1)
    st.markdown("#### Round 1 and round 2")
    st.altair_chart(charts.rounds(charts.rounds_rows(list(first.counts), first.voters, list(dist.counts), dist.voters)),
                    width="stretch")
    if right_answer is not None and question.kind == "single":
        (good,) = right_answer
        st.markdown(f"Chose the right answer: **{first.share(good):.0%}** of round 1's voters → "
                    f"**{dist.share(good):.0%}** of round 2's.")
    moves = rooms.movement(code)
    st.markdown("#### How answers moved (devices that voted in both rounds)")
    if not moves:
        st.caption("No device voted in both rounds.")
    else:
        move_rows = charts.movement_rows([(m.before, m.after, m.devices) for m in moves], question.options)
        grid, table = st.columns([1, 1])
        grid.altair_chart(charts.movement(move_rows), width="content")
        table.dataframe([{"Round 1": r["round 1"], "Round 2": r["round 2"], "Devices": r["devices"],
                          "": "changed" if r["changed"] == "changed" else ""} for r in move_rows],
                        hide_index=True, width="stretch")

st.divider()
st.button("End this room", key="live_end_room", on_click=end_room,
          help="The code stops working at once; the votes stay in the database.")
