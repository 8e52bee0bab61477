"""The live-question pages under AppTest: a lecturer opens a room and steers it, students join and vote once."""

from __future__ import annotations

from engine.core.quiz import load_bank
from engine.core.rooms import QuestionRef, Rooms
from engine.core.store import Store
from tests.test_pages import open_page

LECTURER, JOIN = "pages/live_lecturer.py", "pages/live_join.py"


def single():
    return next(q for q in load_bank("2.1") if q.kind == "single")


def multiple():
    return next(q for q in load_bank("2.1") if q.kind == "multiple")


def engine_rooms() -> Rooms:
    """The same database the app uses (tests/conftest.py points VIRTLAB_DATA_DIR at a temporary folder)."""
    bank = {q.id: q for s in ("2.1", "2.2", "2.3", "2.4", "2.5") for q in load_bank(s)}
    return Rooms(Store(), lambda ref: bank.get(ref.ref))


def texts(at) -> str:
    return "\n".join(e.value for kind in ("markdown", "caption", "success", "info", "warning", "error")
                     for e in getattr(at, kind))


def lecturer_room(question=None):
    """A lecturer's session with an open room asking ``question`` (voting not open yet); returns (at, code, secret)."""
    question = question or single()
    at = open_page(LECTURER)
    at.button(key="live_open_room").click().run()
    code, secret = at.session_state["live_code"], at.session_state["live_secret"]
    at.selectbox(key="live_section").set_value(question.section).run()
    at.selectbox(key="live_question").set_value(question.id).run()
    at.button(key="live_ask_written").click().run()
    assert not at.exception
    return at, code, secret


def student(code: str, device: str):
    return open_page(JOIN, {"room": code, "device": device})


def vote_single(at, code: str, option_index: int):
    key = next(r.key for r in at.radio if r.key and r.key.startswith(f"live_vote_{code}_"))
    at.radio(key=key).set_value(option_index)
    at.button[0].click()  # the form's Vote button comes first on the page
    return at.run()


def test_a_room_opens_with_its_code_a_qr_code_and_the_secret_shown_once():
    at = open_page(LECTURER)
    at.button(key="live_open_room").click().run()
    code, secret = at.session_state["live_code"], at.session_state["live_secret"]
    assert len(code) == 5 and any(code in m.value for m in at.markdown)
    assert [c.value for c in at.code] == [secret]
    assert at.query_params["room"] in (code, [code]) and secret not in str(at.query_params)
    assert len(at.get("image")) == 1  # the QR code
    at.button(key="live_hide_secret").click().run()
    assert [c.value for c in at.code] == [] and secret not in texts(at)


def test_open_join_vote_refuse_a_second_vote_refuse_after_close_reveal():
    q = single()
    right = q.options.index(q.answer[0])
    wrong = (right + 1) % len(q.options)
    lecturer, code, _ = lecturer_room(q)
    assert lecturer.metric[0].value == "0"

    # a student types the code (lower case, with a space) into the join form
    phone = open_page(JOIN, {"device": "phone-device-1"})
    phone.text_input(key="live_code_input").input(f"{code[:2].lower()} {code[2:]}")
    phone.button[0].click().run()
    assert phone.query_params["room"] in (code, [code])
    assert "voting opens when the lecturer says so" in texts(phone) and not phone.radio
    stale = student(code, "phone-device-1")  # the same phone in a second tab, opened before voting

    lecturer.button(key="live_open_voting").click().run()
    phone.run()
    stale.run()
    vote_single(phone, code, wrong)
    assert any(s.value.startswith("Vote recorded") and f"**{'ABCDEF'[wrong]}**" in s.value for s in phone.success)

    reloaded = student(code, "phone-device-1")  # a reload: same device token in the address
    assert any(s.value.startswith("Vote recorded") for s in reloaded.success) and not reloaded.radio
    vote_single(stale, code, right)  # the stale tab still shows the form; the database refuses the second vote
    assert any("already voted in this round" in w.value for w in stale.warning)

    lecturer.run()
    assert lecturer.metric[0].value == "1" and not lecturer.get("vega_lite_chart")  # a count, no distribution
    late = student(code, "phone-device-2")
    lecturer.button(key="live_close_voting").click().run()
    vote_single(late, code, right)  # had the form open, votes after the close
    assert any("Voting is closed" in e.value for e in late.error)
    assert lecturer.metric[0].value == "1" and len(lecturer.get("vega_lite_chart")) == 1
    assert "right" not in "".join(m.value for m in lecturer.markdown if m.value.startswith("- **A**"))

    lecturer.button(key="live_reveal").click().run()
    assert any("✅ **right**" in m.value for m in lecturer.markdown)
    phone.run()
    assert "The right answer is marked above" in texts(phone) and "✅ **right**" in texts(phone)


def test_a_multiple_choice_vote_takes_several_options():
    q = multiple()
    lecturer, code, _ = lecturer_room(q)
    lecturer.button(key="live_open_voting").click().run()
    phone = student(code, "phone-multiple-1")
    boxes = [c for c in phone.checkbox if c.key and c.key.startswith(f"live_vote_{code}_")]
    assert len(boxes) == len(q.options)
    phone.button[0].click().run()  # nothing ticked
    assert any("Choose an answer first" in e.value for e in phone.error)
    phone.checkbox(key=boxes[0].key).check()
    phone.checkbox(key=boxes[-1].key).check()
    phone.button[0].click().run()
    assert any(s.value.startswith("Vote recorded") and "**A**" in s.value for s in phone.success)


def test_second_round_and_how_answers_moved():
    q = single()
    right, wrong = q.answer[0], next(o for o in q.options if o not in q.answer)
    lecturer, code, secret = lecturer_room(q)
    rooms = engine_rooms()
    lecturer.button(key="live_open_voting").click().run()
    for n, choice in enumerate([wrong, wrong, wrong, right]):
        rooms.vote(code, f"device-move-{n}", choice, question_no=1, round=1)
    lecturer.button(key="live_close_voting").click().run()
    lecturer.button(key="live_second_round").click().run()
    assert lecturer.metric[0].value == "0" and "round 2 of 2" in texts(lecturer)
    lecturer.button(key="live_open_voting").click().run()
    for n, choice in enumerate([right, right, wrong, right]):
        rooms.vote(code, f"device-move-{n}", choice, question_no=1, round=2)
    lecturer.button(key="live_close_voting").click().run()
    lecturer.button(key="live_reveal").click().run()
    assert not lecturer.exception
    assert len(lecturer.get("vega_lite_chart")) == 3  # round 2, both rounds, the movement grid
    table = lecturer.dataframe[0].value
    letter = "ABCDEF"[q.options.index(right)]
    assert table.iloc[0].to_dict() == {"Round 1": "ABCDEF"[q.options.index(wrong)], "Round 2": letter, "Devices": 2,
                                       "": "changed"}
    assert "**25%** of round 1's voters → **75%** of round 2's" in texts(lecturer)


def test_a_reload_asks_for_the_secret_and_refuses_a_wrong_one():
    _, code, secret = lecturer_room()
    again = open_page(LECTURER, {"room": code})
    assert "live_open_voting" not in [b.key for b in again.button]
    again.text_input(key="live_secret_input").input("AAAA-BBBB-CCCC-DDDD")
    again.button[0].click().run()
    assert any("not this room's lecturer secret" in e.value for e in again.error)
    again.text_input(key="live_secret_input").input(secret.lower())
    again.button[0].click().run()
    assert "live_open_voting" in [b.key for b in again.button] and not again.code  # steering again, secret not shown


def test_a_generated_variant_can_be_asked():
    at = open_page(LECTURER)
    at.button(key="live_open_room").click().run()
    at.selectbox(key="live_generator").set_value("classify").run()
    at.number_input(key="live_seed").set_value(7).run()
    at.button(key="live_ask_generated").click().run()
    assert not at.exception and "Question 1 · round 1 of 2" in texts(at)


def test_bad_codes_give_a_message_and_text_is_escaped():
    at = open_page(JOIN, {"room": "<b>x", "device": "phone-bad-1"})
    assert any("is not a room code" in e.value and "<b>" not in e.value for e in at.error)
    at = open_page(JOIN, {"room": "ZZZZZ", "device": "phone-bad-1"})
    assert any("No open room has the code" in e.value for e in at.error)
    at = open_page(JOIN, {"device": "phone-bad-1"})
    at.text_input(key="live_code_input").input("[x](javascript:1)")
    at.button[0].click().run()
    assert any("five letters and digits" in e.value for e in at.error) and not at.exception


def test_a_missing_or_malformed_device_token_is_replaced():
    at = open_page(JOIN, {"device": "bad token!"})
    token = at.query_params["device"]
    token = token[0] if isinstance(token, list) else token
    assert token != "bad token!" and len(token) >= 8
    _, code, _ = lecturer_room()
    assert not engine_rooms().my_vote(code, token)
    assert QuestionRef("written", single().id) == engine_rooms().room(code).question


def test_chart_rows_say_right_only_after_the_reveal_and_letter_the_moves():
    from viz import live as charts

    counts = [("It traps", 3), ("IF silently stays", 1)]
    before = charts.distribution_rows(counts, 4)
    after = charts.distribution_rows(counts, 4, ("IF silently stays",))
    assert [r["right"] for r in before] == ["not revealed"] * 2 and before[0]["bar label"] == "3 (75%)"
    assert [r["right"] for r in after] == ["wrong", "✓ right"] and after[1]["bar label"] == "1 (25%)  ✓ right"
    assert before[0]["option"] == "A · It traps" and charts.option_label(1, "x" * 100).endswith("…")
    moves = charts.movement_rows([("It traps", "IF silently stays", 2), ("", "It traps", 1)], ("It traps", "IF silently stays"))
    assert [(m["round 1"], m["round 2"], m["changed"]) for m in moves] == [("A", "B", "changed"), ("—", "A", "changed")]
    for chart in (charts.distribution(after), charts.movement(moves),
                  charts.rounds(charts.rounds_rows(counts, 4, counts, 4))):
        assert chart.to_dict()  # a valid Vega-Lite spec


def test_ending_the_room_frees_the_lecturer_and_tells_the_students():
    lecturer, code, _ = lecturer_room()
    phone = student(code, "phone-end-1")
    lecturer.button(key="live_end_room").click().run()
    assert "room" not in lecturer.query_params and "live_open_room" in [b.key for b in lecturer.button]
    phone.run()
    assert any("No open room has the code" in e.value for e in phone.error)
