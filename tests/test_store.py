"""The progress store against both real databases: SQLite (embedded) and a PostgreSQL server started for the tests."""

from __future__ import annotations

import json
import sqlite3
import threading
import time

import pytest
import sqlalchemy as sa

from engine.core import progress
from engine.core.quiz import Question, grade
from engine.core.review import boxes, due_now, mastery, next_round, DAY
from engine.core.store import SCHEMA_VERSION, Store, StoreError, UnknownLearner, new_key, normalise_key


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path):
    if request.param == "sqlite":
        yield Store(f"sqlite:///{tmp_path / 'virtlab.db'}")
    else:
        url = request.getfixturevalue("postgres_url")
        s = Store(url)
        yield s
        with s.engine.begin() as conn:  # each test starts from an empty database
            conn.execute(sa.text("DROP TABLE quiz_events, learners, virtlab_schema"))


def q(qid: str = "q1", concept: str = "Trap and emulate, and the POPF problem") -> Question:
    return Question(qid, "2.1", "single", "Which?", "Because.", "Slide", options=("a", "b"), answer=("a",),
                    concept=concept)


def answered(question: Question, *responses: str, at: float = 1000.0, round: int = 0) -> list[progress.Event]:
    events, record = [], progress.new_record(question, round)
    for n, response in enumerate(responses):
        after = progress.submit(record, grade(question, response))
        events.append(progress.last_event(record, after, at + n))
        record = after
    return events


def test_keys_are_four_words_and_typed_keys_are_normalised():
    key = new_key()
    assert len(key.split("-")) == 4 and normalise_key(key) == key
    assert normalise_key("  Stout Film thumb-CHOW ") == "stout-film-thumb-chow"
    assert normalise_key("robert'); drop table") == "" and normalise_key("two words") == ""


def test_answers_survive_a_new_store_on_the_same_database(store):
    key = store.create_learner()
    for e in answered(q(), "b", "a"):
        assert store.add(key, e)
    again = Store(store.url)
    records = progress.quiz_records(again.events(key))
    assert records["q1"].first_score == 0 and len(records["q1"].tries) == 2 and records["q1"].stage == "done"


def test_a_repeated_submit_is_written_once(store):
    key = store.create_learner()
    (event,) = answered(q(), "a")
    assert store.add(key, event) and not store.add(key, event)
    assert len(store.events(key)) == 1


def test_unknown_keys_are_refused(store):
    with pytest.raises(UnknownLearner, match="No history is kept under the key"):
        store.events("no-such-learner-here")
    (event,) = answered(q(), "a")
    with pytest.raises(UnknownLearner):
        store.add("no-such-learner-here", event)


def test_forget_me_deletes_the_history(store):
    key, other = store.create_learner(), store.create_learner()
    for k in (key, other):
        store.add(k, answered(q(), "a")[0])
    store.forget(key)
    assert not store.exists(key) and len(store.events(other)) == 1


def test_fifty_concurrent_writers_lose_no_answer(store):
    keys = [store.create_learner() for _ in range(5)]
    errors: list[BaseException] = []

    def student(n: int) -> None:
        try:
            for i in range(4):
                store.add(keys[n % 5], answered(q(f"t{n}-q{i}"), "a")[0])
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=student, args=(n,)) for n in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and store.count() == 200
    assert sorted(len(store.events(k)) for k in keys) == [40] * 5


def test_export_and_import_restore_the_history(store):
    key = store.create_learner()
    events = answered(q("q1"), "b", "a") + answered(q("q2"), "a")
    for e in events:
        store.add(key, e)
    csv_text, json_text = progress.to_csv(events), progress.to_json(events, ["2.1"])
    assert json.loads(json_text)["sections"][0]["points"] == 1
    for data, name in ((csv_text, "p.csv"), (json_text, "p.json")):
        fresh = store.create_learner()
        assert store.import_events(fresh, progress.parse_export(data.encode(), name, 0)) == 3
        assert store.events(fresh) == store.events(key)
        assert store.import_events(fresh, progress.parse_export(data.encode(), name, 0)) == 0  # nothing twice


def test_an_export_from_before_version_2_is_restored():
    legacy = "question_id,section,prompt,given,correct,generated\nq1,2.1,Which?,a,True,False\nq2,2.1,How?,3,False,False\n"
    events = progress.parse_export(legacy.encode(), "old.csv", now=5.0)
    records = progress.quiz_records(events)
    assert (records["q1"].first_score, records["q2"].first_score) == (1.0, 0.0)


@pytest.mark.parametrize("data, message", [
    (b"name,grade\nalice,5\n", "not a VirtLab progress export"),
    (b'{"hello": 1}', "not a VirtLab progress export"),
    (b'{"format": "virtlab-progress", "events": [{"question_id": "q"}]}', r"event 1: the column '\w+' is missing"),
    (b"\xff\xfe\x00junk", "not a text file"),
    (b'{"format": "virtlab', "not valid JSON"),
    (b'{"format": "virtlab-progress", "events": [{"question_id": "q", "section": "2.1", "prompt": "p", "generated": 0, '
     b'"beyond": 0, "round": 1e400, "seq": 1, "kind": "try", "given": "a", "score": 1, "at": 0}]}',
     "event 1: cannot convert float infinity to integer"),
])
def test_malformed_or_foreign_imports_are_refused_with_a_message(data, message):
    with pytest.raises(progress.ExportError, match=message):
        progress.parse_export(data, "upload", 0)


def test_a_bad_row_imports_nothing(store):
    key = store.create_learner()
    good = progress.to_csv(answered(q(), "a"))
    bad = good + "q9,2.1,x,,False,False,0,0,try,a,7,1\n"  # score 7 is impossible
    with pytest.raises(progress.ExportError, match="row 3: score 7.0 is not between 0 and 1"):
        store.import_events(key, progress.parse_export(bad.encode(), "bad.csv", 0))
    assert store.events(key) == ()


def test_a_locked_sqlite_database_gives_a_message_and_keeps_the_history(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'v.db'}", lock_wait_s=0.2)
    key = store.create_learner()
    store.add(key, answered(q("q1"), "a")[0])
    blocker = sqlite3.connect(tmp_path / "v.db", isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(StoreError, match="busy or locked"):
            store.add(key, answered(q("q2"), "a")[0])
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert [e.question_id for e in store.events(key)] == ["q1"]


def test_a_full_disk_gives_a_message_and_keeps_the_history(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'v.db'}")
    key = store.create_learner()
    store.add(key, answered(q("q1"), "a")[0])
    pages = store.engine.connect().exec_driver_sql("PRAGMA page_count").scalar()
    sa.event.listen(store.engine, "connect", lambda c, _r: c.execute(f"PRAGMA max_page_count={pages}"))
    store.engine.dispose()
    with pytest.raises(StoreError, match="the disk is full"):
        for i in range(200):
            event = answered(q(f"long-{i}"), "a" * 400)[0]
            store.add(key, event)
    assert all(e.question_id == "q1" or e.question_id.startswith("long-") for e in store.events(key))


def test_a_database_from_a_newer_virtlab_is_refused(tmp_path):
    url = f"sqlite:///{tmp_path / 'v.db'}"
    store = Store(url)
    with store.engine.begin() as conn:
        conn.execute(sa.text("UPDATE virtlab_schema SET version = :v"), {"v": SCHEMA_VERSION + 1})
    with pytest.raises(StoreError, match="newer VirtLab"):
        Store(url)


def test_leitner_boxes_move_up_on_right_first_tries_and_back_on_wrong_ones():
    question = q()
    history = answered(question, "a", at=0)  # round 0 right: box 1, due a day later
    assert boxes(history)["q1"].box == 1 and boxes(history)["q1"].due == DAY
    assert due_now(history, now=DAY - 1, available={"q1"}) == []
    assert [d.question_id for d in due_now(history, now=DAY, available={"q1"})] == ["q1"]
    history += answered(question, "a", at=DAY, round=next_round(history, "q1"))  # right again: box 2, two days
    assert (boxes(history)["q1"].box, boxes(history)["q1"].due) == (2, DAY + 2 * DAY)
    history += answered(question, "b", "a", at=3 * DAY, round=next_round(history, "q1"))  # wrong first try: box 1
    assert boxes(history)["q1"].box == 1 and boxes(history)["q1"].rounds == 3


def test_mastery_uses_the_latest_rounds_first_tries_per_concept():
    trap, rings = "Trap and emulate, and the POPF problem", "IA-32 protection rings"
    history = answered(q("q1", trap), "b", "a") + answered(q("q2", trap), "a") + answered(q("q1", trap), "a", round=1)
    result = {m.concept: m for m in mastery(history, [("2.1", trap, 2), ("2.1", rings, 3)])}
    assert (result[trap].answered, result[trap].score, result[trap].label) == (2, 1.0, "mastered")
    assert (result[rings].answered, result[rings].label) == (0, "not started")
