"""Live class questions (engine/core/rooms.py) against both real databases: SQLite and a PostgreSQL server."""

from __future__ import annotations

import hashlib
import threading

import pytest
import sqlalchemy as sa

from engine.core import rooms as rooms_mod
from engine.core.quiz import Question
from engine.core.rooms import (ALPHABET, CODE_LENGTH, ROOM_HOURS, AlreadyVoted, Move, NotYet, QuestionRef, RoomError,
                               Rooms, UnknownRoom, VotingClosed, WrongSecret, normalise_code, valid_device)
from engine.core.store import SCHEMA_VERSION, Store

POPF = Question("popf", "2.1", "single", "What happens when a de-privileged guest kernel runs POPF with IF = 0?",
                "POPF is sensitive but not privileged.", "Trap and emulate",
                options=("It traps to the VMM", "IF silently stays as it was", "The CPU halts", "The guest crashes"),
                answer=("IF silently stays as it was",))
TRAPS = Question("traps", "2.1", "multiple", "Which of these trap in ring 1?", "Privileged ones trap.", "Rings",
                 options=("LGDT", "CLI", "POPF", "MOV to CR3"), answer=("LGDT", "CLI", "MOV to CR3"))
NUMBER = Question("num", "2.1", "numeric", "How many?", "Two.", "Slide", value=2.0)
BANK = {q.id: q for q in (POPF, TRAPS, NUMBER)}
WRITTEN = QuestionRef("written", "popf")


def resolve(ref: QuestionRef) -> Question | None:
    return BANK.get(ref.ref) if ref.kind == "written" else None


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path):
    if request.param == "sqlite":
        yield Store(f"sqlite:///{tmp_path / 'virtlab.db'}")
    else:
        s = Store(request.getfixturevalue("postgres_url"))
        yield s
        with s.engine.begin() as conn:  # each test starts from an empty database
            conn.execute(sa.text("DROP TABLE live_votes, live_rooms, quiz_events, learners, virtlab_schema"))


@pytest.fixture()
def clock():
    return Clock()


@pytest.fixture()
def rooms(store, clock):
    return Rooms(store, resolve, clock=clock)


def asked(rooms: Rooms, ref: QuestionRef = WRITTEN, open_voting: bool = True):
    opened = rooms.open_room()
    rooms.ask(opened.code, opened.secret, ref)
    if open_voting:
        rooms.open_voting(opened.code, opened.secret)
    return opened


def device(n: int) -> str:
    return f"device-{n:04d}"


def test_codes_are_short_unambiguous_and_typed_codes_are_normalised():
    assert len(ALPHABET) == 31 and not set("01ILO") & set(ALPHABET)
    assert normalise_code(" abc-de ") == "ABCDE" and normalise_code("ab cd e") == "ABCDE"
    assert normalise_code("ABCD") == "" and normalise_code("ABCD0") == "" and normalise_code("<b>x") == ""
    assert valid_device("abcdEFGH_-12") and not valid_device("short") and not valid_device("bad token!")


def test_a_new_room_shows_its_secret_once_and_stores_only_its_hash(rooms, store):
    opened = rooms.open_room()
    assert len(opened.code) == CODE_LENGTH and set(opened.code) <= set(ALPHABET)
    with store.engine.connect() as conn:
        (row,) = conn.execute(sa.text("SELECT * FROM live_rooms")).mappings().all()
    assert opened.secret not in " ".join(str(v) for v in row.values())
    assert row["secret_hash"] == hashlib.sha256(opened.secret.replace("-", "").encode()).hexdigest()
    room = rooms.check_secret(opened.code.lower(), opened.secret.lower())  # typed sloppily, still the same
    assert (room.state, room.round, room.votes, room.question) == ("waiting", 0, 0, None)


def test_codes_are_unique_among_open_rooms_and_free_again_once_ended(rooms, monkeypatch):
    drawn = iter(["AAAAA", "AAAAA", "BBBBB", "AAAAA"])
    monkeypatch.setattr(rooms_mod, "new_code", lambda: next(drawn))
    first, second = rooms.open_room(), rooms.open_room()
    assert (first.code, second.code) == ("AAAAA", "BBBBB")
    rooms.end_room(first.code, first.secret)
    with pytest.raises(UnknownRoom):
        rooms.room("AAAAA")
    assert rooms.open_room().code == "AAAAA"


def test_a_room_left_open_too_long_is_unknown(rooms, clock):
    opened = asked(rooms)
    clock.now += ROOM_HOURS * 3600 + 1
    with pytest.raises(UnknownRoom, match="No open room has the code"):
        rooms.vote(opened.code, device(1), "The CPU halts", question_no=1, round=1)


def test_every_lecturer_action_checks_the_secret(rooms):
    opened = asked(rooms, open_voting=False)
    other = rooms.open_room()
    actions = [lambda s: rooms.ask(opened.code, s, WRITTEN), lambda s: rooms.open_voting(opened.code, s),
               lambda s: rooms.close_voting(opened.code, s), lambda s: rooms.reveal(opened.code, s),
               lambda s: rooms.second_round(opened.code, s), lambda s: rooms.end_room(opened.code, s),
               lambda s: rooms.check_secret(opened.code, s)]
    for action in actions:
        for wrong in ("", "nope", other.secret):
            with pytest.raises(WrongSecret, match="not this room's lecturer secret"):
                action(wrong)
    assert rooms.room(opened.code).state == "waiting" and rooms.room(opened.code).question_no == 1


def test_votes_are_refused_unless_the_round_is_open(rooms):
    opened = rooms.open_room()
    with pytest.raises(RoomError, match="Choose a question first"):
        rooms.open_voting(opened.code, opened.secret)
    rooms.ask(opened.code, opened.secret, WRITTEN)
    with pytest.raises(VotingClosed, match="not opened yet"):
        rooms.vote(opened.code, device(1), "The CPU halts", question_no=1, round=1)
    rooms.open_voting(opened.code, opened.secret)
    assert rooms.vote(opened.code, device(1), "The CPU halts", question_no=1, round=1) == "The CPU halts"
    rooms.close_voting(opened.code, opened.secret)
    with pytest.raises(VotingClosed, match="Voting is closed"):
        rooms.vote(opened.code, device(2), "The CPU halts", question_no=1, round=1)
    rooms.reveal(opened.code, opened.secret)
    with pytest.raises(VotingClosed, match="answer is revealed"):
        rooms.vote(opened.code, device(3), "The CPU halts", question_no=1, round=1)
    with pytest.raises(UnknownRoom, match="No open room has the code 'ZZZZZ'"):
        rooms.vote("ZZZZZ", device(4), "The CPU halts", question_no=1, round=1)
    with pytest.raises(UnknownRoom, match="Type the room code"):
        rooms.room("   ")
    assert rooms.count(opened.code) == 1


def test_states_only_move_forwards(rooms):
    opened = asked(rooms)
    with pytest.raises(RoomError, match="Voting can only open once per round"):
        rooms.open_voting(opened.code, opened.secret)
    with pytest.raises(RoomError, match="revealed once voting is closed"):
        rooms.reveal(opened.code, opened.secret)
    rooms.close_voting(opened.code, opened.secret)
    with pytest.raises(RoomError, match="Only an open vote can be closed"):
        rooms.close_voting(opened.code, opened.secret)


def test_one_vote_per_device_and_round(rooms):
    opened = asked(rooms)
    rooms.vote(opened.code, device(1), "The CPU halts", question_no=1, round=1)
    for again in ("The CPU halts", "IF silently stays as it was"):  # a reload, a double click, a change of mind
        with pytest.raises(AlreadyVoted, match="already voted in this round; the first vote counts"):
            rooms.vote(opened.code, device(1), again, question_no=1, round=1)
    assert rooms.count(opened.code) == 1
    assert rooms.my_vote(opened.code, device(1)) == ("The CPU halts",) and rooms.my_vote(opened.code, device(2)) is None


@pytest.mark.parametrize("chosen, message", [
    (None, "Choose an answer first"), ("", "Choose an answer first"), ([], "Choose an answer first"),
    ("It traps to the VMM<script>", "not one of this question's options"),
    (["It traps to the VMM", "The CPU halts"], "Choose exactly one answer"),
])
def test_empty_or_foreign_votes_are_refused(rooms, chosen, message):
    opened = asked(rooms)
    with pytest.raises(RoomError, match=message):
        rooms.vote(opened.code, device(1), chosen, question_no=1, round=1)
    assert rooms.count(opened.code) == 0


def test_a_bad_device_token_is_refused(rooms):
    opened = asked(rooms)
    with pytest.raises(RoomError, match="no valid device token"):
        rooms.vote(opened.code, "x'; DROP TABLE live_votes; --", "The CPU halts", question_no=1, round=1)


def test_a_vote_for_a_question_the_lecturer_has_left_is_refused(rooms):
    opened = asked(rooms)
    rooms.ask(opened.code, opened.secret, QuestionRef("written", "traps"))
    rooms.open_voting(opened.code, opened.secret)
    with pytest.raises(VotingClosed, match="moved on"):
        rooms.vote(opened.code, device(1), "The CPU halts", question_no=1, round=1)
    assert rooms.vote(opened.code, device(1), ["CLI", "LGDT"], question_no=2, round=1) == "LGDT + CLI"


def test_only_choice_questions_can_be_asked(rooms):
    opened = rooms.open_room()
    with pytest.raises(RoomError, match="single- and multiple-choice"):
        rooms.ask(opened.code, opened.secret, QuestionRef("written", "num"))
    with pytest.raises(RoomError, match="There is no question"):
        rooms.ask(opened.code, opened.secret, QuestionRef("generated", "nope", 3))


def test_results_appear_in_order_count_then_distribution_then_answer(rooms):
    opened = asked(rooms)
    for n, choice in enumerate(["It traps to the VMM"] * 3 + ["IF silently stays as it was"] * 2):
        rooms.vote(opened.code, device(n), choice, question_no=1, round=1)
    assert rooms.count(opened.code) == 5
    with pytest.raises(NotYet, match="once voting in this round is closed"):
        rooms.distribution(opened.code)
    rooms.close_voting(opened.code, opened.secret)
    dist = rooms.distribution(opened.code)
    assert dist.voters == 5 and dist.counts == (("It traps to the VMM", 3), ("IF silently stays as it was", 2),
                                                ("The CPU halts", 0), ("The guest crashes", 0))
    assert dist.share("It traps to the VMM") == pytest.approx(0.6)
    with pytest.raises(NotYet, match="once the lecturer reveals it"):
        rooms.answer(opened.code)
    rooms.reveal(opened.code, opened.secret)
    assert rooms.answer(opened.code) == ("IF silently stays as it was",)


def test_multiple_choice_counts_each_chosen_option(rooms):
    opened = asked(rooms, QuestionRef("written", "traps"))
    rooms.vote(opened.code, device(1), ["CLI", "LGDT"], question_no=1, round=1)
    rooms.vote(opened.code, device(2), ["CLI"], question_no=1, round=1)
    rooms.close_voting(opened.code, opened.secret)
    assert rooms.distribution(opened.code).counts == (("LGDT", 1), ("CLI", 2), ("POPF", 0), ("MOV to CR3", 0))
    assert rooms.distribution(opened.code).voters == 2


def test_peer_instruction_second_round_and_how_answers_moved(rooms):
    opened = asked(rooms)
    wrong, right = "It traps to the VMM", "IF silently stays as it was"
    first = {1: wrong, 2: wrong, 3: wrong, 4: right, 5: "The CPU halts"}
    for n, choice in first.items():
        rooms.vote(opened.code, device(n), choice, question_no=1, round=1)
    with pytest.raises(RoomError, match="after round 1 is closed"):
        rooms.second_round(opened.code, opened.secret)
    rooms.close_voting(opened.code, opened.secret)
    rooms.second_round(opened.code, opened.secret)
    assert (rooms.room(opened.code).round, rooms.room(opened.code).state, rooms.count(opened.code)) == (2, "waiting", 0)
    with pytest.raises(NotYet):
        rooms.distribution(opened.code)  # round 2 is not closed yet
    assert rooms.distribution(opened.code, round=1).voters == 5  # round 1 is
    rooms.open_voting(opened.code, opened.secret)
    second = {1: right, 2: right, 3: wrong, 4: right, 6: right}  # device 5 did not vote again, 6 joined late
    for n, choice in second.items():
        rooms.vote(opened.code, device(n), choice, question_no=1, round=2)
    assert rooms.my_vote(opened.code, device(1), round=1) == (wrong,) and rooms.my_vote(opened.code, device(1)) == (right,)
    with pytest.raises(NotYet, match="round 2 is closed"):
        rooms.movement(opened.code)
    rooms.close_voting(opened.code, opened.secret)
    assert rooms.movement(opened.code) == (Move(wrong, right, 2), Move(right, right, 1), Move(wrong, wrong, 1))
    assert rooms.distribution(opened.code).share(right) == pytest.approx(0.8)
    rooms.reveal(opened.code, opened.secret)
    with pytest.raises(RoomError, match="second round"):
        rooms.second_round(opened.code, opened.secret)


def test_no_second_round_after_the_answer_is_out(rooms):
    opened = asked(rooms)
    rooms.close_voting(opened.code, opened.secret)
    rooms.reveal(opened.code, opened.secret)
    with pytest.raises(RoomError, match="already revealed"):
        rooms.second_round(opened.code, opened.secret)


def test_two_hundred_devices_voting_at_once_lose_no_vote(rooms):
    opened = asked(rooms)
    errors: list[BaseException] = []
    barrier = threading.Barrier(200)

    def student(n: int) -> None:
        try:
            barrier.wait()
            rooms.vote(opened.code, device(n), POPF.options[n % 4], question_no=1, round=1)
            with pytest.raises(AlreadyVoted):  # and the double click right after
                rooms.vote(opened.code, device(n), POPF.options[n % 4], question_no=1, round=1)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=student, args=(n,)) for n in range(200)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and rooms.count(opened.code) == 200
    rooms.close_voting(opened.code, opened.secret)
    assert [n for _, n in rooms.distribution(opened.code).counts] == [50] * 4


def test_no_vote_lands_after_the_close(rooms):
    """Votes racing the lecturer's close: each is either recorded (and counted) or refused, never counted after."""
    opened = asked(rooms)
    recorded, refused, errors = [], [], []
    start = threading.Barrier(41)

    def student(n: int) -> None:
        start.wait()
        try:
            rooms.vote(opened.code, device(n), POPF.options[0], question_no=1, round=1)
            recorded.append(n)
        except VotingClosed:
            refused.append(n)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=student, args=(n,)) for n in range(40)]
    for t in threads:
        t.start()
    start.wait()
    rooms.close_voting(opened.code, opened.secret)
    closed_count = rooms.distribution(opened.code).voters
    for t in threads:
        t.join()
    assert errors == [] and len(recorded) + len(refused) == 40
    assert rooms.distribution(opened.code).voters == closed_count == len(recorded) == rooms.count(opened.code)


def test_a_version_1_database_is_migrated_and_keeps_its_history(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = sa.create_engine(url)
    with engine.begin() as conn:  # what VirtLab with schema 1 wrote
        conn.execute(sa.text("CREATE TABLE virtlab_schema (version INTEGER NOT NULL)"))
        conn.execute(sa.text("INSERT INTO virtlab_schema VALUES (1)"))
        conn.execute(sa.text("CREATE TABLE learners (key VARCHAR(80) PRIMARY KEY, created FLOAT NOT NULL)"))
        conn.execute(sa.text("INSERT INTO learners VALUES ('stout-film-thumb-chow', 1.0)"))
    engine.dispose()
    store = Store(url)
    assert SCHEMA_VERSION == 2 and store.exists("stout-film-thumb-chow")
    with store.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT version FROM virtlab_schema")).scalar_one() == 2
        assert {"live_rooms", "live_votes"} <= set(sa.inspect(conn).get_table_names())
    opened = asked(Rooms(store, resolve))
    assert Rooms(store, resolve).room(opened.code).state == "open"
