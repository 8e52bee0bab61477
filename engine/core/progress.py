"""A student's quiz record: the attempt policy, per-section scores, and CSV/JSON export.

The policy is that of good auto-graded homework: the first graded attempt is what the score counts;
a wrong first attempt earns targeted feedback (why the chosen option is wrong, a hint) and one more try;
the full solution comes after the second try, after a right answer, or on request (which ends the
question). Empty or unreadable submissions are not attempts. Generated practice questions are kept
apart from the section score, which counts the written bank, with lecture and beyond-the-lecture
material reported separately.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict, dataclass, replace
from typing import Iterable, Literal

from engine.core.quiz import Grade, Question

MAX_TRIES = 2
Stage = Literal["new", "retry", "done"]


@dataclass(frozen=True)
class Try:
    given: str
    score: float


@dataclass(frozen=True)
class Event:
    """One thing a learner did with one question, as the store keeps it: a graded try (with its score) or asking for
    the solution. ``seq`` numbers the events of one round; ``at`` is seconds since the epoch."""

    question_id: str
    section: str
    prompt: str
    concept: str
    generated: bool
    beyond: bool
    round: int
    seq: int
    kind: str
    given: str
    score: float
    at: float


@dataclass(frozen=True)
class Record:
    """Everything one student did with one question in one round (0 on the quiz page, 1, 2, ... in reviews):
    the graded tries and whether the solution was asked for."""

    question_id: str
    section: str
    prompt: str
    generated: bool
    beyond: bool
    tries: tuple[Try, ...] = ()
    revealed: bool = False
    concept: str = ""
    round: int = 0

    @property
    def first_score(self) -> float:
        """The score that counts: the first graded try's (0 when the solution was shown before any try)."""
        return self.tries[0].score if self.tries else 0.0

    @property
    def stage(self) -> Stage:
        if self.revealed or len(self.tries) >= MAX_TRIES or (self.tries and self.tries[-1].score >= 1.0):
            return "done"
        return "retry" if self.tries else "new"

    @property
    def counts(self) -> bool:
        """Whether the record enters a score: it has a try, or the solution was shown (which scores 0)."""
        return bool(self.tries) or self.revealed


def new_record(q: Question, round: int = 0) -> Record:
    return Record(q.id, q.section, q.prompt.split("\n")[0][:120], bool(q.generator), q.beyond, concept=q.concept,
                  round=round)


def submit(record: Record, grade: Grade) -> Record:
    """The record after a submission; an ungraded (empty, unreadable) one or one after the end changes nothing."""
    if not grade.graded or record.stage == "done":
        return record
    return replace(record, tries=record.tries + (Try(grade.given, grade.score),))


def submit_once(record: Record, grade: Grade) -> Record:
    """The record of a question answered once and graded at the end (a self-test): its one try, where an empty or
    unreadable answer counts as given nothing and scores 0 (unlike :func:`submit`, which waits for a readable one)."""
    given, score = (grade.given, grade.score) if grade.graded else ("", 0.0)
    return replace(record, tries=(Try(given, score),))


def reveal(record: Record) -> Record:
    """Show the solution: the question is done; if it had no try yet it scores 0."""
    return replace(record, revealed=True)


def last_event(before: Record, after: Record, at: float) -> Event | None:
    """The event that turned ``before`` into ``after`` (what the store writes), or None if nothing changed."""
    common = dict(question_id=after.question_id, section=after.section, prompt=after.prompt, concept=after.concept,
                  generated=after.generated, beyond=after.beyond, round=after.round, at=at)
    if len(after.tries) > len(before.tries):
        t = after.tries[-1]
        return Event(**common, seq=len(before.tries), kind="try", given=t.given[:400], score=t.score)
    if after.revealed and not before.revealed:
        return Event(**common, seq=len(after.tries), kind="reveal", given="", score=0.0)
    return None


def replay(events: Iterable[Event]) -> dict[tuple[str, int], Record]:
    """The records the events make, keyed by (question id, round): the inverse of :func:`last_event`."""
    out: dict[tuple[str, int], Record] = {}
    for e in sorted(events, key=lambda e: (e.round, e.seq)):
        key = (e.question_id, e.round)
        record = out.get(key) or Record(e.question_id, e.section, e.prompt, e.generated, e.beyond,
                                        concept=e.concept, round=e.round)
        if e.kind == "try" and not record.revealed and len(record.tries) < MAX_TRIES:
            record = replace(record, tries=record.tries + (Try(e.given, e.score),))
        elif e.kind == "reveal":
            record = replace(record, revealed=True)
        out[key] = record
    return out


def quiz_records(events: Iterable[Event]) -> dict[str, Record]:
    """The quiz pages' records (round 0) by question id."""
    return {qid: r for (qid, rnd), r in replay(events).items() if rnd == 0}


@dataclass(frozen=True)
class SectionScore:
    """Points (first tries, partial credit) out of questions answered, for one section and one kind of material."""

    section: str
    points: float
    answered: int

    @property
    def percent(self) -> float:
        return 100.0 * self.points / self.answered if self.answered else 0.0


def scores(records: dict[str, Record], sections: list[str], *, beyond: bool = False,
           generated: bool = False) -> list[SectionScore]:
    """Per section, the written questions' first-try points (``generated=True``: the practice questions'),
    for lecture material (``beyond=False``) or material beyond the lecture (``beyond=True``)."""
    out = []
    for section in sections:
        mine = [r for r in records.values() if r.section == section and r.counts and r.generated == generated
                and (generated or r.beyond == beyond)]
        out.append(SectionScore(section, round(sum(r.first_score for r in mine), 3), len(mine)))
    return out


EVENT_FIELDS = tuple(Event.__dataclass_fields__)
FORMAT = "virtlab-progress"
FORMAT_VERSION = 2
LEGACY_FIELDS = ("question_id", "section", "prompt", "given", "correct", "generated")  # exports before version 2
MAX_IMPORT_BYTES = 5_000_000


class ExportError(ValueError):
    """An import file that is not a VirtLab progress export, or is damaged; the message says what is wrong."""


def to_csv(events: Iterable[Event]) -> str:
    """Every event, one row each, oldest first: what :func:`parse_export` reads back."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=EVENT_FIELDS)
    writer.writeheader()
    for e in events:
        writer.writerow(asdict(e))
    return buffer.getvalue()


def to_json(events: Iterable[Event], sections: list[str]) -> str:
    """The scores per section (lecture, beyond the lecture) and every event."""
    events = list(events)
    records = quiz_records(events)
    payload = {
        "format": FORMAT, "version": FORMAT_VERSION,
        "sections": [{**asdict(s), "percent": round(s.percent, 1)} for s in scores(records, sections)],
        "beyond_the_lecture": [{**asdict(s), "percent": round(s.percent, 1)} for s in scores(records, sections, beyond=True)],
        "events": [asdict(e) for e in events],
    }
    return json.dumps(payload, indent=2, ensure_ascii=False)


def _event(row: dict, where: str) -> Event:
    try:
        kind = str(row["kind"])
        if kind not in ("try", "reveal"):
            raise ValueError(f"kind {kind!r} is neither 'try' nor 'reveal'")
        score = float(row["score"])
        if not 0.0 <= score <= 1.0:
            raise ValueError(f"score {score} is not between 0 and 1")
        return Event(question_id=str(row["question_id"])[:120], section=str(row["section"])[:8],
                     prompt=str(row["prompt"])[:200], concept=str(row.get("concept") or "")[:200],
                     generated=_flag(row["generated"]), beyond=_flag(row["beyond"]), round=int(row["round"]),
                     seq=int(row["seq"]), kind=kind, given=str(row["given"] or "")[:400], score=score, at=float(row["at"]))
    except KeyError as exc:
        raise ExportError(f"{where}: the column {exc.args[0]!r} is missing") from exc
    except (TypeError, ValueError, OverflowError) as exc:  # OverflowError: int() of JSON's 1e400 (infinity)
        raise ExportError(f"{where}: {exc}") from exc


def _legacy(row: dict, where: str, at: float) -> Event:
    """A row of an export from before version 2: the latest answer to a question, right or not."""
    try:
        return Event(question_id=str(row["question_id"])[:120], section=str(row["section"])[:8], prompt=str(row["prompt"])[:200],
                     concept="", generated=_flag(row["generated"]), beyond=False, round=0, seq=0, kind="try",
                     given=str(row["given"] or "")[:400], score=1.0 if _flag(row["correct"]) else 0.0, at=at)
    except KeyError as exc:
        raise ExportError(f"{where}: the column {exc.args[0]!r} is missing") from exc


def _flag(value: object) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "1", "yes"):
        return True
    if text in ("false", "0", "no", ""):
        return False
    raise ValueError(f"{value!r} is not true or false")


def parse_export(data: bytes, name: str, now: float) -> list[Event]:
    """The events of a CSV or JSON file that VirtLab's "My progress" exported (this version or an earlier one).

    Raises :class:`ExportError` naming the file and what is wrong for anything else: another program's CSV, a
    damaged or oversized file, impossible values. Nothing is imported from a file with any bad row.
    """
    if len(data) > MAX_IMPORT_BYTES:
        raise ExportError(f"{name}: {len(data):,} bytes is more than a progress export can be ({MAX_IMPORT_BYTES:,}).")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ExportError(f"{name}: not a text file (not UTF-8).") from exc
    if text.lstrip().startswith("{"):
        try:
            payload = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ExportError(f"{name}: not valid JSON (line {exc.lineno}: {exc.msg}).") from exc
        if isinstance(payload, dict) and payload.get("format") == FORMAT and isinstance(payload.get("events"), list):
            return [_event(row if isinstance(row, dict) else {}, f"{name}, event {n}") for n, row in enumerate(payload["events"], 1)]
        if isinstance(payload, dict) and isinstance(payload.get("attempts"), list) and "sections" in payload:
            return [_legacy(row if isinstance(row, dict) else {}, f"{name}, attempt {n}", now)
                    for n, row in enumerate(payload["attempts"], 1)]
        raise ExportError(f"{name}: this JSON file is not a VirtLab progress export.")
    reader = csv.DictReader(io.StringIO(text))
    header = tuple(reader.fieldnames or ())
    if set(EVENT_FIELDS) <= set(header):
        return [_event(row, f"{name}, row {n}") for n, row in enumerate(reader, 2)]
    if set(LEGACY_FIELDS) <= set(header):
        return [_legacy(row, f"{name}, row {n}", now) for n, row in enumerate(reader, 2)]
    raise ExportError(f"{name}: this file is not a VirtLab progress export (its columns are "
                      f"{', '.join(header[:8]) or 'missing'}). Export again from 'My progress'.")
