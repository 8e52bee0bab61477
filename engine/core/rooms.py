"""Live class questions (peer instruction): a lecturer opens a room, students vote from their phones.

A **room** has a short code students type (five characters from an alphabet without look-alikes such as 0/O and
1/I/L), unique among the open rooms, and a **lecturer secret** shown once when it opens; the database keeps only the
secret's SHA-256, and every lecturer action checks it. The room asks one question at a time (a written question by
its id, or a generated variant by generator id and seed) in **rounds** 1 and 2: Mazur's peer instruction asks once,
lets students discuss with a neighbour, and asks again. Each round moves through the states
``waiting → open → closed → revealed`` (a second round starts after round 1 is closed, before its answer is
revealed: once the answer is out, a second vote would only measure who read it).

Votes: one per device per round. A device is a random token the student's page keeps in its address, so a reload
is the same device; a unique key in the database (room, question, round, device) makes a second vote, a reload or
a double click impossible to count twice, even from concurrent requests. A vote is written only while its round is
open: the insert itself checks the room's state (on PostgreSQL under a share lock on the room's row, which the
lecturer's "close" waits for), so no vote lands after the close. Votes are refused with a message when the room is
unknown, the round is not open, nothing is chosen, or a choice is not one of the question's options.

Results, in the order a lecturer shows them: how many voted (always), the distribution per option (only once the
round is closed; :class:`NotYet` before), the right answer (only once revealed), and after round 2 how each device's
answer moved from round 1 to round 2.

Pure Python and SQLAlchemy; the tables live in :mod:`engine.core.store` (schema version 2). Questions are looked
up through a ``resolve`` function the caller passes, since ``engine.core`` knows no lecture section.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import threading
import time
from collections import Counter
from dataclasses import dataclass
from typing import Callable, Iterable, Literal, Sequence

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from engine.core.quiz import Question
from engine.core.store import Store, _reason, _rooms, _votes

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: a code read off a projector is typed right
CODE_LENGTH = 5
SECRET_GROUPS, SECRET_GROUP = 4, 4  # 'K7PQ-...': 16 characters, about 79 random bits
ROOM_HOURS = 12.0  # a room nobody ended stops counting as open after this long (its code becomes free)
ROUNDS = (1, 2)
State = Literal["waiting", "open", "closed", "revealed"]
STATES: tuple[str, ...] = ("waiting", "open", "closed", "revealed")
LIVE_KINDS = ("single", "multiple")  # what a show of hands can answer
_DEVICE = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


class RoomError(RuntimeError):
    """A room action cannot be done; the message says why in words a student or lecturer understands."""


class UnknownRoom(RoomError):
    """No open room has this code."""


class WrongSecret(RoomError):
    """The lecturer secret does not match the room's."""


class VotingClosed(RoomError):
    """The round the vote is for is not open (not yet, or no more)."""


class AlreadyVoted(RoomError):
    """This device has voted in this round already; the first vote counts."""


class NotYet(RoomError):
    """A result was asked for before the round allows it (distribution before close, answer before reveal)."""


@dataclass(frozen=True)
class QuestionRef:
    """What a room asks: a written question by ``ref`` (its id), or a generated one by generator ``ref`` and ``seed``."""

    kind: Literal["written", "generated"]
    ref: str
    seed: int = 0

    def __str__(self) -> str:
        return self.ref if self.kind == "written" else f"{self.ref} #{self.seed}"


@dataclass(frozen=True)
class Room:
    """A room as everyone may see it. ``question_no`` counts the questions asked (0: none yet); ``votes`` is how many
    devices voted in the current round."""

    code: str
    question_no: int
    question: QuestionRef | None
    round: int
    state: State
    votes: int
    created: float

    @property
    def voting(self) -> bool:
        return self.state == "open"


@dataclass(frozen=True)
class Opened:
    """A new room: its code, and the lecturer secret (shown once: only its hash is stored)."""

    code: str
    secret: str


@dataclass(frozen=True)
class Distribution:
    """How a closed round voted: ``counts`` per option in the question's order (a multiple-choice vote counts once for
    each option it picks), and how many devices voted."""

    question_no: int
    round: int
    voters: int
    counts: tuple[tuple[str, int], ...]

    def share(self, option: str) -> float:
        """The fraction of voters who chose ``option``."""
        return dict(self.counts).get(option, 0) / self.voters if self.voters else 0.0


@dataclass(frozen=True)
class Move:
    """``devices`` answered ``before`` in round 1 and ``after`` in round 2 (for multiple choice, the chosen options
    joined by ' + ')."""

    before: str
    after: str
    devices: int


def normalise_code(text: str) -> str:
    """A room code as typed ('abc de', 'ABC-DE') in its stored form, or '' if it cannot be one."""
    code = re.sub(r"[\s-]", "", (text or "")[:40]).upper()
    return code if len(code) == CODE_LENGTH and all(c in ALPHABET for c in code) else ""


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def new_secret() -> str:
    return "-".join("".join(secrets.choice(ALPHABET) for _ in range(SECRET_GROUP)) for _ in range(SECRET_GROUPS))


def _secret_hash(secret: str) -> str:
    canonical = re.sub(r"[^A-Z0-9]", "", (secret or "")[:100].upper())
    return hashlib.sha256(canonical.encode()).hexdigest()


def new_device() -> str:
    """A random device token for a student's page (kept in its address, so a reload is the same device)."""
    return secrets.token_urlsafe(12)


def valid_device(text: str | None) -> bool:
    return bool(text) and bool(_DEVICE.match(text))


def choice_label(question: Question, chosen: Iterable[str]) -> str:
    """A vote in words, options in the question's order: 'B' or 'A + C' as option texts joined by ' + '."""
    picked = set(chosen)
    return " + ".join(o for o in question.options if o in picked)


def check_live(question: Question) -> None:
    """Refuse a question a show of hands cannot answer."""
    if question.kind not in LIVE_KINDS:
        raise RoomError(f"Live voting takes single- and multiple-choice questions; '{question.id}' is a "
                        f"{question.kind} question.")


_LABELS = {"waiting": "Voting has not opened yet", "closed": "Voting is closed",
           "revealed": "Voting is closed and the answer is revealed"}


class Rooms:
    """Rooms and votes in the store's database (SQLite or PostgreSQL)."""

    def __init__(self, store: Store, resolve: Callable[[QuestionRef], Question | None],
                 clock: Callable[[], float] = time.time):
        self.engine = store.engine
        self._resolve = resolve
        self._clock = clock
        self._questions: dict[QuestionRef, Question | None] = {}
        self._lock = threading.Lock()
        self._postgres = self.engine.dialect.name == "postgresql"

    # ------------------------------------------------------------------ helpers

    def question_for(self, ref: QuestionRef) -> Question | None:
        """The question behind a reference (remembered: a generated variant is computed once)."""
        with self._lock:
            if ref not in self._questions:
                self._questions[ref] = self._resolve(ref)
            return self._questions[ref]

    def _fresh(self) -> sa.ColumnElement[bool]:
        return sa.and_(_rooms.c.ended.is_(None), _rooms.c.created >= self._clock() - ROOM_HOURS * 3600)

    def _row(self, conn: sa.Connection, code: str) -> sa.RowMapping:
        found = normalise_code(code)
        row = conn.execute(sa.select(_rooms).where(_rooms.c.code == found, self._fresh())).mappings().first() if found else None
        if row is None:
            shown = (code or "").strip()[:12]
            raise UnknownRoom(f"No open room has the code '{shown}'. Check the code on the projector." if shown
                              else "Type the room code shown on the projector.")
        return row

    def _read(self, action: Callable[[sa.Connection], object]):
        try:
            with self.engine.connect() as conn:
                return action(conn)
        except SQLAlchemyError as exc:
            raise RoomError(f"The class-question database cannot be read ({_reason(exc)}).") from exc

    def _count(self, conn: sa.Connection, room_id: int, question_no: int, round: int) -> int:
        return conn.execute(sa.select(sa.func.count()).select_from(_votes).where(
            _votes.c.room_id == room_id, _votes.c.question_no == question_no, _votes.c.round == round)).scalar_one()

    def _room(self, conn: sa.Connection, row: sa.RowMapping) -> Room:
        ref = QuestionRef(row["question_kind"], row["question_ref"], row["seed"]) if row["question_no"] else None
        votes = self._count(conn, row["id"], row["question_no"], row["round"]) if row["question_no"] else 0
        return Room(row["code"], row["question_no"], ref, row["round"], row["state"], votes, row["created"])

    # ------------------------------------------------------------------ the lecturer

    def open_room(self) -> Opened:
        """A new room with a fresh code (free among open rooms) and secret. Rooms left open too long end first."""
        secret = new_secret()
        now = self._clock()
        try:
            with self.engine.begin() as conn:
                conn.execute(_rooms.update().where(_rooms.c.ended.is_(None), _rooms.c.created < now - ROOM_HOURS * 3600)
                             .values(ended=now))
        except SQLAlchemyError as exc:
            raise RoomError(f"No room can be opened ({_reason(exc)}).") from exc
        for _ in range(20):
            code = new_code()
            try:
                with self.engine.begin() as conn:
                    conn.execute(_rooms.insert().values(code=code, secret_hash=_secret_hash(secret), created=now,
                                                        question_no=0, question_kind="", question_ref="", seed=0,
                                                        round=0, state="waiting"))
                return Opened(code, secret)
            except IntegrityError:
                continue  # the code is taken by an open room: draw another
            except SQLAlchemyError as exc:
                raise RoomError(f"No room can be opened ({_reason(exc)}).") from exc
        raise RoomError("No free room code was found; try again.")

    def check_secret(self, code: str, secret: str) -> Room:
        """The room, if ``secret`` is its lecturer secret; raises UnknownRoom or WrongSecret."""
        def action(conn: sa.Connection) -> Room:
            row = self._row(conn, code)
            if not hmac.compare_digest(row["secret_hash"], _secret_hash(secret)):
                raise WrongSecret("That is not this room's lecturer secret.")
            return self._room(conn, row)
        return self._read(action)

    def _change(self, code: str, secret: str, values: dict[str, object], states: Sequence[str], rounds: Sequence[int],
                refused: str) -> Room:
        """Apply ``values`` to the room if the secret matches and it is in one of ``states`` and ``rounds``, in one
        conditional UPDATE (so two lecturer tabs, or a vote arriving at the same moment, cannot interleave)."""
        room = self.check_secret(code, secret)
        try:
            with self.engine.begin() as conn:
                done = conn.execute(_rooms.update().where(
                    _rooms.c.code == room.code, self._fresh(), _rooms.c.state.in_(states), _rooms.c.round.in_(rounds),
                    _rooms.c.question_no == room.question_no).values(**values)).rowcount
        except SQLAlchemyError as exc:
            raise RoomError(f"The room could not be changed ({_reason(exc)}).") from exc
        if not done:
            now = self.room(code)
            raise RoomError(f"{refused} (now: round {now.round}, {now.state}).")
        return self.room(code)

    def ask(self, code: str, secret: str, ref: QuestionRef) -> Room:
        """Put a new question to the room: round 1, waiting for the lecturer to open voting."""
        question = self.question_for(ref)
        if question is None:
            raise RoomError(f"There is no question '{ref}'.")
        check_live(question)
        room = self.check_secret(code, secret)
        return self._change(code, secret, dict(question_no=room.question_no + 1, question_kind=ref.kind,
                                               question_ref=ref.ref, seed=ref.seed, round=1, state="waiting"),
                            STATES, (0, 1, 2), "The question could not be changed")

    def open_voting(self, code: str, secret: str) -> Room:
        room = self.check_secret(code, secret)
        if room.question is None:
            raise RoomError("Choose a question first.")
        return self._change(code, secret, dict(state="open"), ("waiting",), ROUNDS, "Voting can only open once per round")

    def close_voting(self, code: str, secret: str) -> Room:
        return self._change(code, secret, dict(state="closed"), ("open",), ROUNDS, "Only an open vote can be closed")

    def reveal(self, code: str, secret: str) -> Room:
        return self._change(code, secret, dict(state="revealed"), ("closed",), ROUNDS,
                            "The answer is revealed once voting is closed")

    def second_round(self, code: str, secret: str) -> Room:
        """Peer instruction's second vote on the same question, after round 1 is closed and before its reveal."""
        room = self.check_secret(code, secret)
        if room.round == 1 and room.state == "revealed":
            raise RoomError("The answer of round 1 is already revealed: a second vote would only measure who read it. "
                            "Ask a new question instead.")
        return self._change(code, secret, dict(round=2, state="waiting"), ("closed",), (1,),
                            "A second round starts after round 1 is closed")

    def end_room(self, code: str, secret: str) -> None:
        """End the room: its code stops working (and may be drawn again); the votes stay for the record."""
        room = self.check_secret(code, secret)
        try:
            with self.engine.begin() as conn:
                conn.execute(_rooms.update().where(_rooms.c.code == room.code, _rooms.c.ended.is_(None))
                             .values(ended=self._clock()))
        except SQLAlchemyError as exc:
            raise RoomError(f"The room could not be ended ({_reason(exc)}).") from exc

    # ------------------------------------------------------------------ everyone

    def room(self, code: str) -> Room:
        """The open room with this code (raises UnknownRoom)."""
        return self._read(lambda conn: self._room(conn, self._row(conn, code)))

    def question(self, code: str) -> Question | None:
        """The room's current question, or None before the lecturer picks one."""
        room = self.room(code)
        return self.question_for(room.question) if room.question else None

    def count(self, code: str) -> int:
        """How many devices voted in the current round (always visible)."""
        return self.room(code).votes

    # ------------------------------------------------------------------ students

    def vote(self, code: str, device: str, chosen: str | Sequence[str] | None, *, question_no: int, round: int) -> str:
        """Record one device's vote in the round the student saw (``question_no``, ``round``); returns it in words.

        Raises UnknownRoom, VotingClosed (the round is not open, or the lecturer has moved on), AlreadyVoted, or
        RoomError for an empty vote or an option that is not the question's.
        """
        if not valid_device(device):
            raise RoomError("This page has no valid device token; reload the join link.")
        picked = [chosen] if isinstance(chosen, str) else list(chosen or ())
        picked = [p for p in picked if p]
        if not picked:
            raise RoomError("Choose an answer first.")
        room = self.room(code)
        if room.question_no != question_no or room.round != round:
            raise VotingClosed("The lecturer has moved on since this question was shown; here is the current one.")
        if room.state != "open":
            raise VotingClosed(f"{_LABELS[room.state]} for this round.")
        question = self.question_for(room.question) if room.question else None
        if question is None:
            raise RoomError("This room's question cannot be found; tell the lecturer.")
        unknown = [p for p in picked if p not in question.options]
        if unknown:
            raise RoomError("That answer is not one of this question's options.")
        if len(set(picked)) != len(picked) or (question.kind == "single" and len(picked) != 1):
            raise RoomError("Choose exactly one answer." if question.kind == "single" else "Choose each option once.")
        ordered = [o for o in question.options if o in picked]
        # One statement: copy the room's row into a vote only while that round is open. On PostgreSQL the row is
        # read under a share lock, so a concurrent close waits for this vote (or this vote sees the close).
        source = sa.select(_rooms.c.id, _rooms.c.question_no, _rooms.c.round, sa.literal(device, sa.String(64)),
                           sa.literal(json.dumps(ordered), sa.Text), sa.literal(self._clock(), sa.Float)).where(
            _rooms.c.code == room.code, self._fresh(), _rooms.c.state == "open",
            _rooms.c.question_no == question_no, _rooms.c.round == round)
        if self._postgres:
            source = source.with_for_update(read=True)
        try:
            with self.engine.begin() as conn:
                written = len(conn.execute(_votes.insert().from_select(
                    ["room_id", "question_no", "round", "device", "choice", "at"], source).returning(_votes.c.id)).all())
        except IntegrityError as exc:
            raise AlreadyVoted("This device has already voted in this round; the first vote counts.") from exc
        except SQLAlchemyError as exc:
            raise RoomError(f"Your vote could not be recorded ({_reason(exc)}). Try again.") from exc
        if written != 1:
            now = self.room(code)
            raise VotingClosed(f"{_LABELS.get(now.state, 'Voting is closed')} for this round." if now.round == round
                               else "The lecturer has moved on since this question was shown; here is the current one.")
        return choice_label(question, ordered)

    def my_vote(self, code: str, device: str, round: int | None = None) -> tuple[str, ...] | None:
        """What this device voted in ``round`` (default: the current one) of the current question, or None."""
        def action(conn: sa.Connection) -> tuple[str, ...] | None:
            row = self._row(conn, code)
            found = conn.execute(sa.select(_votes.c.choice).where(
                _votes.c.room_id == row["id"], _votes.c.question_no == row["question_no"],
                _votes.c.round == (round or row["round"]), _votes.c.device == device)).scalar()
            return tuple(json.loads(found)) if found is not None else None
        return self._read(action)

    # ------------------------------------------------------------------ results

    def _votes_of(self, conn: sa.Connection, row: sa.RowMapping, round: int) -> dict[str, tuple[str, ...]]:
        rows = conn.execute(sa.select(_votes.c.device, _votes.c.choice).where(
            _votes.c.room_id == row["id"], _votes.c.question_no == row["question_no"], _votes.c.round == round))
        return {device: tuple(json.loads(choice)) for device, choice in rows}

    @staticmethod
    def _closed(row: sa.RowMapping, round: int) -> bool:
        return round < row["round"] or (round == row["round"] and row["state"] in ("closed", "revealed"))

    def distribution(self, code: str, round: int | None = None) -> Distribution:
        """Votes per option of a closed round (default: the current one). Raises NotYet while it is open or waiting."""
        def action(conn: sa.Connection) -> tuple[sa.RowMapping, int, dict[str, tuple[str, ...]]]:
            row = self._row(conn, code)
            wanted = round or row["round"]
            if not row["question_no"] or wanted not in ROUNDS or not self._closed(row, wanted):
                raise NotYet("The distribution is shown once voting in this round is closed.")
            return row, wanted, self._votes_of(conn, row, wanted)
        row, wanted, votes = self._read(action)
        question = self.question_for(QuestionRef(row["question_kind"], row["question_ref"], row["seed"]))
        options = question.options if question else tuple(sorted({o for v in votes.values() for o in v}))
        tally = Counter(o for v in votes.values() for o in v)
        return Distribution(row["question_no"], wanted, len(votes), tuple((o, tally.get(o, 0)) for o in options))

    def answer(self, code: str) -> tuple[str, ...]:
        """The right option(s), once the lecturer has revealed them (raises NotYet before)."""
        room = self.room(code)
        if room.state != "revealed" or room.question is None:
            raise NotYet("The answer is shown once the lecturer reveals it.")
        question = self.question_for(room.question)
        if question is None:
            raise RoomError("This room's question cannot be found.")
        return question.answer

    def movement(self, code: str) -> tuple[Move, ...]:
        """How answers moved from round 1 to round 2, per device that voted in both (most common moves first).
        Raises NotYet until round 2 is closed."""
        def action(conn: sa.Connection):
            row = self._row(conn, code)
            if not (row["round"] == 2 and self._closed(row, 2)):
                raise NotYet("How answers moved is shown once voting in round 2 is closed.")
            return row, self._votes_of(conn, row, 1), self._votes_of(conn, row, 2)
        row, first, second = self._read(action)
        question = self.question_for(QuestionRef(row["question_kind"], row["question_ref"], row["seed"]))

        def label(chosen: tuple[str, ...]) -> str:
            return choice_label(question, chosen) if question else " + ".join(chosen)

        moves = Counter((label(first[d]), label(second[d])) for d in first.keys() & second.keys())
        return tuple(Move(a, b, n) for (a, b), n in sorted(moves.items(), key=lambda item: (-item[1], item[0])))
