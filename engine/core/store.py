"""Where quiz history lasts: SQLite embedded by default, PostgreSQL when several app processes share it.

One row per event (a graded try, or the solution shown), written when it happens, so a server restart
loses nothing and concurrent writers never overwrite each other: rows are only ever inserted, and a
unique key (learner, question, round, event number) makes a repeated submit of the same event a no-op.
A learner is an anonymous key (a few random words, no personal data).

The schema is versioned: the store creates it on first use and refuses a database written by a newer
VirtLab instead of guessing (``SCHEMA_VERSION``; migrations from older versions go in ``_MIGRATIONS``).

Configuration: ``VIRTLAB_DATABASE_URL`` (any SQLAlchemy URL, e.g.
``postgresql+psycopg://user@host/virtlab``) or else a SQLite file ``virtlab.db`` in ``VIRTLAB_DATA_DIR``
(default: ``data/`` beside the app), created on first use.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Callable, Iterable

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from xkcdpass import xkcd_password

from engine.core.progress import Event

SCHEMA_VERSION = 2  # 2: live class questions (engine/core/rooms.py)
KEY_WORDS = 4
_WORDS = tuple(xkcd_password.generate_wordlist(wordfile=xkcd_password.locate_wordfile("eff-short"), min_length=3, max_length=6))
_MIGRATIONS: dict[int, Callable[[sa.Connection], None]] = {}  # from version n to n + 1

_meta = sa.MetaData()
_version = sa.Table("virtlab_schema", _meta, sa.Column("version", sa.Integer, nullable=False))
_learners = sa.Table(
    "learners", _meta,
    sa.Column("key", sa.String(80), primary_key=True),
    sa.Column("created", sa.Float, nullable=False),
)
_events = sa.Table(
    "quiz_events", _meta,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("learner", sa.String(80), sa.ForeignKey("learners.key", ondelete="CASCADE"), nullable=False, index=True),
    sa.Column("question_id", sa.String(120), nullable=False),
    sa.Column("section", sa.String(8), nullable=False),
    sa.Column("prompt", sa.String(200), nullable=False),
    sa.Column("concept", sa.String(200), nullable=False, default=""),
    sa.Column("generated", sa.Boolean, nullable=False),
    sa.Column("beyond", sa.Boolean, nullable=False),
    sa.Column("round", sa.Integer, nullable=False),  # 0 on the quiz page, 1, 2, ... for each review
    sa.Column("seq", sa.Integer, nullable=False),  # the event's number within the round: tries and the reveal
    sa.Column("kind", sa.String(8), nullable=False),  # "try" or "reveal"
    sa.Column("given", sa.String(400), nullable=False, default=""),
    sa.Column("score", sa.Float, nullable=False, default=0.0),
    sa.Column("at", sa.Float, nullable=False),  # seconds since the epoch
    sa.UniqueConstraint("learner", "question_id", "round", "seq", name="one_event_per_place"),
)
# Schema 2: live class questions (engine/core/rooms.py). A room is open while ``ended`` is NULL; its code is unique
# among open rooms. ``question_no`` counts the questions asked in the room, so votes of an earlier question stay apart.
_rooms = sa.Table(
    "live_rooms", _meta,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("code", sa.String(8), nullable=False),
    sa.Column("secret_hash", sa.String(64), nullable=False),  # SHA-256 of the lecturer secret; the secret is never stored
    sa.Column("created", sa.Float, nullable=False),
    sa.Column("ended", sa.Float, nullable=True),
    sa.Column("question_no", sa.Integer, nullable=False, default=0),
    sa.Column("question_kind", sa.String(10), nullable=False, default=""),  # "written" or "generated"
    sa.Column("question_ref", sa.String(120), nullable=False, default=""),  # a written question id or a generator id
    sa.Column("seed", sa.Integer, nullable=False, default=0),
    sa.Column("round", sa.Integer, nullable=False, default=0),  # 1 and 2 (peer instruction); 0 before a question
    sa.Column("state", sa.String(10), nullable=False, default="waiting"),  # waiting, open, closed, revealed
)
sa.Index("one_open_room_per_code", _rooms.c.code, unique=True,
         sqlite_where=_rooms.c.ended.is_(None), postgresql_where=_rooms.c.ended.is_(None))
_votes = sa.Table(
    "live_votes", _meta,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("room_id", sa.Integer, sa.ForeignKey("live_rooms.id", ondelete="CASCADE"), nullable=False),
    sa.Column("question_no", sa.Integer, nullable=False),
    sa.Column("round", sa.Integer, nullable=False),
    sa.Column("device", sa.String(64), nullable=False),
    sa.Column("choice", sa.Text, nullable=False),  # the chosen option texts as a JSON list
    sa.Column("at", sa.Float, nullable=False),
    sa.UniqueConstraint("room_id", "question_no", "round", "device", name="one_vote_per_device_and_round"),
)


def _add_live_rooms(conn: sa.Connection) -> None:
    """Schema 1 to 2: the live-question tables (a no-op where they exist already)."""
    _meta.create_all(conn, tables=[_rooms, _votes])


_MIGRATIONS[1] = _add_live_rooms


class StoreError(RuntimeError):
    """The store cannot do what was asked; the message says why in words a student understands."""


class UnknownLearner(StoreError):
    """No history under this key."""


def default_url() -> str:
    url = os.environ.get("VIRTLAB_DATABASE_URL", "").strip()
    if url:
        return url
    folder = Path(os.environ.get("VIRTLAB_DATA_DIR", Path(__file__).resolve().parents[2] / "data"))
    return f"sqlite:///{folder / 'virtlab.db'}"


def new_key() -> str:
    """A fresh anonymous learner key: four random words joined by '-', e.g. 'stout-film-thumb-chow'."""
    return xkcd_password.generate_xkcdpassword(list(_WORDS), numwords=KEY_WORDS, delimiter="-")


def normalise_key(text: str) -> str:
    """A key as a student may type it ('Stout Film thumb-chow ') in its stored form, or '' if it cannot be one."""
    words = [w for w in text.strip().lower().replace("_", " ").replace("-", " ").split() if w]
    return "-".join(words) if len(words) == KEY_WORDS and all(w.isalpha() and len(w) <= 12 for w in words) else ""


class Store:
    """Quiz history in a SQL database (SQLite or PostgreSQL through SQLAlchemy Core)."""

    def __init__(self, url: str | None = None, lock_wait_s: float = 15.0):
        """Open (and on first use create) the store at ``url`` (default: :func:`default_url`). SQLite writers wait up
        to ``lock_wait_s`` seconds for another writer's lock. Raises StoreError if the database cannot be opened."""
        self.url = url or default_url()
        try:
            if self.url.startswith("sqlite:///"):
                Path(self.url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
                self.engine = sa.create_engine(self.url, connect_args={"timeout": lock_wait_s})
                sa.event.listen(self.engine, "connect", _sqlite_pragmas)
            else:
                self.engine = sa.create_engine(self.url, pool_pre_ping=True, pool_size=10, max_overflow=40)
            self._prepare()
        except (SQLAlchemyError, OSError) as exc:
            raise StoreError(f"The progress database cannot be opened ({_reason(exc)}).") from exc

    def _prepare(self) -> None:
        with self.engine.begin() as conn:
            _meta.create_all(conn)
            found = conn.execute(sa.select(_version.c.version)).scalars().all()
            if not found:
                conn.execute(_version.insert().values(version=SCHEMA_VERSION))
                return
            version = max(found)
            if version > SCHEMA_VERSION:
                raise StoreError(f"The progress database was written by a newer VirtLab (schema {version}; this one "
                                 f"knows {SCHEMA_VERSION}). Update the app.")
            for v in range(version, SCHEMA_VERSION):
                _MIGRATIONS[v](conn)
            if version < SCHEMA_VERSION:
                conn.execute(_version.update().values(version=SCHEMA_VERSION))

    def _write(self, action: Callable[[sa.Connection], None]) -> None:
        try:
            with self.engine.begin() as conn:
                action(conn)
        except IntegrityError:
            raise
        except SQLAlchemyError as exc:
            raise StoreError(f"Your answer could not be saved ({_reason(exc)}). Your history is as it was.") from exc

    def create_learner(self) -> str:
        """A new learner with a fresh key (a new key is drawn in the rare case the words are taken)."""
        for _ in range(10):
            key = new_key()
            try:
                self._write(lambda conn: conn.execute(_learners.insert().values(key=key, created=time.time())))
                return key
            except IntegrityError:
                continue
        raise StoreError("No free learner key was found; try again.")

    def exists(self, key: str) -> bool:
        try:
            with self.engine.connect() as conn:
                return conn.execute(sa.select(_learners.c.key).where(_learners.c.key == key)).first() is not None
        except SQLAlchemyError as exc:
            raise StoreError(f"The progress database cannot be read ({_reason(exc)}).") from exc

    def add(self, key: str, event: Event) -> bool:
        """Write one event; False if that exact place (question, round, seq) was already written (a repeated submit)."""
        try:
            self._write(lambda conn: conn.execute(_events.insert().values(learner=key, **_columns(event))))
            return True
        except IntegrityError as exc:
            if not self.exists(key):
                raise UnknownLearner(f"No history is kept under the key '{key}'.") from exc
            return False

    def events(self, key: str) -> tuple[Event, ...]:
        """Every event of a learner, oldest first. Raises UnknownLearner for a key with no history."""
        if not self.exists(key):
            raise UnknownLearner(f"No history is kept under the key '{key}'. Check the words, or start afresh.")
        try:
            with self.engine.connect() as conn:
                rows = conn.execute(sa.select(*[_events.c[name] for name in Event.__dataclass_fields__])
                                    .where(_events.c.learner == key).order_by(_events.c.id)).mappings().all()
        except SQLAlchemyError as exc:
            raise StoreError(f"The progress database cannot be read ({_reason(exc)}).") from exc
        return tuple(Event(**row) for row in rows)

    def import_events(self, key: str, events: Iterable[Event]) -> int:
        """Add events (from an export) in one transaction: all or nothing. Returns how many were new."""
        rows = list(events)
        added = 0

        def action(conn: sa.Connection) -> None:
            nonlocal added
            have = {(r.question_id, r.round, r.seq) for r in conn.execute(
                sa.select(_events.c.question_id, _events.c.round, _events.c.seq).where(_events.c.learner == key))}
            new = [e for e in rows if (e.question_id, e.round, e.seq) not in have]
            if new:
                conn.execute(_events.insert(), [dict(learner=key, **_columns(e)) for e in new])
            added = len(new)

        if not self.exists(key):
            raise UnknownLearner(f"No history is kept under the key '{key}'.")
        self._write(action)
        return added

    def forget(self, key: str) -> None:
        """Delete a learner and every event (the "forget me" button)."""
        def action(conn: sa.Connection) -> None:
            conn.execute(_events.delete().where(_events.c.learner == key))
            conn.execute(_learners.delete().where(_learners.c.key == key))
        self._write(action)

    def class_events(self) -> list[tuple[int, Event]]:
        """Every learner's events for the lecturer's class statistics (read only), oldest first, each with a number
        that tells learners apart within this answer only (1, 2, ... by first event). Keys are never returned."""
        try:
            with self.engine.connect() as conn:
                rows = conn.execute(sa.select(_events.c.learner, *[_events.c[name] for name in Event.__dataclass_fields__])
                                    .order_by(_events.c.id)).mappings().all()
        except SQLAlchemyError as exc:
            raise StoreError(f"The progress database cannot be read ({_reason(exc)}).") from exc
        numbers: dict[str, int] = {}
        out = []
        for row in rows:
            number = numbers.setdefault(row["learner"], len(numbers) + 1)
            out.append((number, Event(**{name: row[name] for name in Event.__dataclass_fields__})))
        return out

    def class_version(self) -> tuple[int, int]:
        """(number of events, highest event id): changes whenever an event is added or a learner forgotten, so a cache
        of the class statistics knows when to compute them again."""
        try:
            with self.engine.connect() as conn:
                row = conn.execute(sa.select(sa.func.count(), sa.func.max(_events.c.id)).select_from(_events)).one()
        except SQLAlchemyError as exc:
            raise StoreError(f"The progress database cannot be read ({_reason(exc)}).") from exc
        return int(row[0]), int(row[1] or 0)

    def count(self) -> int:
        """All events of all learners (for tests and benchmarks)."""
        with self.engine.connect() as conn:
            return conn.execute(sa.select(sa.func.count()).select_from(_events)).scalar_one()


def _columns(event: Event) -> dict[str, object]:
    return {name: getattr(event, name) for name in Event.__dataclass_fields__}


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    """WAL lets readers and one writer work at once (the driver's timeout makes writers wait for the lock)."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _reason(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    lowered = text.lower()
    if "locked" in lowered or "busy" in lowered:
        return "the database is busy or locked; try again in a moment"
    if "disk" in lowered and ("full" in lowered or "space" in lowered) or "no space" in lowered:
        return "the disk is full"
    if "readonly" in lowered or "read-only" in lowered or "permission" in lowered:
        return "the database cannot be written here"
    return text[:160]

