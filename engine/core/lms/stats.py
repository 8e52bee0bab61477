"""Class statistics for the lecturer: per question and per generator parameter, aggregated over learners.

Input: the events of many learners, each learner's events apart (from the store, where learners are numbered per
query and their keys never leave it, or one uploaded "My progress" export file per student). Only the quiz pages'
first encounter (round 0) counts: reviews ask again later and would mix a second look into "first try right".

Privacy: no key, name or learner number appears in the output. A group of fewer than ``MIN_GROUP`` learners is not
shown (its row is left out and counted as hidden), and a wrong answer a student typed (a number, not an option of the
question) is shown only when at least ``MIN_GROUP`` learners gave it, so no row tells what one student did.

Generated variants are grouped by generator (``gen-walk-17`` and ``gen-walk-18`` are both "gen-walk"), since each
learner usually sees other seeds; the per-parameter table breaks them down by the scenario parameters of each variant
(the query of its "open in the simulator" link: ISA, paging mode, scheduler, ...).
"""

from __future__ import annotations

import csv
import io
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, fields
from typing import Callable, Iterable, Mapping
from urllib.parse import parse_qsl, urlsplit

from engine.core.progress import Event, Record, quiz_records
from engine.core.quiz import Question

MIN_GROUP = 3
MAX_PARAMETER_VALUE = 30  # characters: longer values (programs, plans) are unique per variant, not a parameter


def group_of(question_id: str, generated: bool) -> str:
    """The row a question counts in: its id, or for a generated variant its generator's stem ('gen-walk-17' → 'gen-walk')."""
    if generated:
        stem, _, seed = question_id.rpartition("-")
        if seed.isdigit() and stem:
            return stem
    return question_id


@dataclass(frozen=True)
class QuestionRow:
    question: str
    section: str
    material: str  # "lecture", "beyond the lecture" or "generated"
    prompt: str
    learners: int
    first_try_right: int
    first_try_right_percent: float
    mean_first_score_percent: float
    right_on_second_try: int
    solution_asked: int
    most_chosen_wrong: str
    most_chosen_wrong_learners: int


@dataclass(frozen=True)
class ParameterRow:
    generator: str
    parameter: str
    value: str
    learners: int
    first_try_right: int
    first_try_right_percent: float


@dataclass(frozen=True)
class ClassStats:
    learners: int
    questions: tuple[QuestionRow, ...]
    parameters: tuple[ParameterRow, ...]
    hidden_questions: int
    hidden_parameter_groups: int
    min_group: int = MIN_GROUP


def _chosen_wrong(q: Question | None, given: str) -> tuple[list[str], bool]:
    """The wrong parts of a first try and whether they are options (True) or typed text (False)."""
    if q is not None and q.kind in ("single", "multiple"):
        padded = f" + {given} + "
        return [o for o in q.options if o not in q.answer and f" + {o} + " in padded], True
    return ([given] if given else []), False


def parameters(q: Question) -> dict[str, str]:
    """A generated variant's scenario parameters: its link's query, without frame numbers and long texts."""
    query = parse_qsl(urlsplit(q.link).query, keep_blank_values=False)
    return {k: v for k, v in query if not k.endswith("frame") and len(v) <= MAX_PARAMETER_VALUE}


def class_stats(learners: Iterable[Iterable[Event]], lookup: Callable[[str], Question | None],
                titles: Mapping[str, str] | None = None, min_group: int = MIN_GROUP) -> ClassStats:
    """The statistics of a class: ``learners`` gives each learner's events; ``lookup`` the question behind an id (a
    written one, or the generated variant its seed makes again; None if unknown); ``titles`` a generator stem's title."""
    titles = titles or {}
    by_group: dict[str, list[tuple[Record, Question | None]]] = defaultdict(list)
    count = 0
    cache: dict[str, Question | None] = {}
    for events in learners:
        records = quiz_records(events)
        if not records:
            continue
        count += 1
        for qid, record in records.items():
            if not record.counts:
                continue
            if qid not in cache:
                cache[qid] = lookup(qid)
            by_group[group_of(qid, record.generated)].append((record, cache[qid]))
    rows, hidden = [], 0
    param_groups: dict[tuple[str, str, str], list[bool]] = defaultdict(list)
    for group, members in by_group.items():
        first, q = members[0]
        for record, variant in members:
            if record.generated and variant is not None:
                for name, value in parameters(variant).items():
                    param_groups[(group, name, value)].append(bool(record.tries) and record.first_score >= 1.0)
        if len(members) < min_group:
            hidden += 1
            continue
        right = sum(1 for r, _ in members if r.tries and r.first_score >= 1.0)
        wrong_options: Counter[str] = Counter()
        typed: Counter[str] = Counter()
        for record, variant in members:
            if record.tries and record.first_score < 1.0:
                parts, are_options = _chosen_wrong(variant, record.tries[0].given)
                (wrong_options if are_options else typed).update(set(parts))
        common, common_n = "", 0
        if wrong_options:
            common, common_n = wrong_options.most_common(1)[0]
        elif typed and typed.most_common(1)[0][1] >= min_group:
            common, common_n = typed.most_common(1)[0]
        material = "generated" if first.generated else ("beyond the lecture" if first.beyond else "lecture")
        prompt = titles.get(group, "") if first.generated else (q.prompt if q is not None else first.prompt)
        rows.append(QuestionRow(
            question=group, section=first.section, material=material,
            prompt=" ".join((prompt or first.prompt).split())[:160], learners=len(members), first_try_right=right,
            first_try_right_percent=round(100.0 * right / len(members), 1),
            mean_first_score_percent=round(100.0 * sum(r.first_score for r, _ in members) / len(members), 1),
            right_on_second_try=sum(1 for r, _ in members if len(r.tries) == 2 and r.tries[1].score >= 1.0),
            solution_asked=sum(1 for r, _ in members if r.revealed), most_chosen_wrong=common,
            most_chosen_wrong_learners=common_n))
    values_of: dict[tuple[str, str], int] = Counter((group, name) for group, name, _ in param_groups)
    prows, phidden = [], 0
    for (group, name, value), results in sorted(param_groups.items()):
        if values_of[(group, name)] < 2:  # the same in every variant (e.g. the page's tab): breaks nothing down
            continue
        if len(results) < min_group:
            phidden += 1
            continue
        right = sum(results)
        prows.append(ParameterRow(group, name, value, len(results), right, round(100.0 * right / len(results), 1)))
    rows.sort(key=lambda r: (r.section, r.material != "lecture", r.material, r.question))
    return ClassStats(count, tuple(rows), tuple(prows), hidden, phidden, min_group)


def by_learner(numbered: Iterable[tuple[int, Event]]) -> list[list[Event]]:
    """The store's (learner number, event) pairs as one event list per learner."""
    groups: dict[int, list[Event]] = defaultdict(list)
    for number, event in numbered:
        groups[number].append(event)
    return list(groups.values())


def to_csv(rows: Iterable[QuestionRow | ParameterRow], kind: type = QuestionRow) -> str:
    """A table of rows as CSV (header from the row type's fields)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=[f.name for f in fields(kind)])
    writer.writeheader()
    for row in rows:
        writer.writerow(asdict(row))
    return buffer.getvalue()
