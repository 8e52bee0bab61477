"""Quiz widgets: one question under the attempt policy, generated practice, and the section score.

Options are shown in an order shuffled per learner and attempt (``engine.core.quiz.display_order``):
the learner's seed is random per browser session, or the ``order`` query value, so a link or a test can
fix it. What a submission earns is decided by ``engine.core.progress`` (first try counts, feedback and
a second try, then the solution); this module only renders it.
"""

from __future__ import annotations

import secrets
from typing import Sequence

import streamlit as st

from engine.core import progress
from engine.core.lessons import LessonError
from engine.core.quiz import Grade, Question, display_order, grade, solution
from engine.quizgen import Generator, for_section, registry
from ui import content, layout, learner, query

MAX_SEED = 10**9
PART_SIZE = 12


def records() -> dict[str, progress.Record]:
    """This learner's quiz-page records by question id (from the store, via ui.learner)."""
    return learner.records()


def learner_seed() -> int:
    """This learner's shuffle seed: the URL's ``order`` value if given, else random for the session."""
    if "learner_seed" not in st.session_state:
        given = query.read_int("order", -1, 0, MAX_SEED)
        st.session_state["learner_seed"] = given if given >= 0 else secrets.randbelow(MAX_SEED)
    return st.session_state["learner_seed"]


def _record(q: Question, round: int) -> progress.Record:
    found = records().get(q.id) if round == 0 else learner.record(q.id, round)
    return found or progress.new_record(q, round)


def _tag(q: Question, round: int) -> str:
    """The widget-key stem of one question in one round (quiz pages are round 0, reviews 1, 2, ...)."""
    return q.id if round == 0 else f"{q.id}_r{round}"


def _keys(q: Question, attempt: int, round: int = 0) -> str:
    return f"answer_{_tag(q, round)}_{attempt}"


def response(q: Question, key: str):
    """What the widgets of ``inputs(q, key, ...)`` hold, in the form engine.core.quiz.grade takes."""
    state = st.session_state
    if q.kind == "multiple":
        return [o for i, o in enumerate(q.options) if state.get(f"{key}__{i}")]
    if q.kind in ("order", "table"):
        count = len(q.answer) if q.kind == "order" else len(q.rows)
        return [state.get(f"{key}__{i}") for i in range(count)]
    return state.get(key)


def _check(q: Question, key: str, round: int) -> None:
    result = grade(q, response(q, key))
    st.session_state[f"grade_{_tag(q, round)}"] = result
    if result.graded:
        before = _record(q, round)
        learner.save(before, progress.submit(before, result))


def _reveal(q: Question, round: int) -> None:
    before = _record(q, round)
    learner.save(before, progress.reveal(before))


def inputs(q: Question, key: str, order: tuple[str, ...]) -> None:
    """The answer widgets of one question under widget key stem ``key``, choices in ``order``."""
    if q.kind == "single":
        st.radio("Your answer", order, index=None, key=key, label_visibility="collapsed")
    elif q.kind == "multiple":
        if "select all" not in q.prompt.lower():
            st.caption("Select all that apply.")
        for option in order:
            st.checkbox(option, key=f"{key}__{q.options.index(option)}")
    elif q.kind == "numeric":
        st.text_input(f"Your answer{f' ({q.unit})' if q.unit else ''}", key=key,
                      placeholder="a number, e.g. 40, 0.4, 40%, $0.04, 1,080 or 2/3")
    elif q.kind == "order":
        st.markdown("The steps, shuffled:\n" + "\n".join(f"- {item}" for item in order))
        st.caption("Put them in order: pick the step for each place.")
        for i in range(len(q.answer)):
            st.selectbox(f"Step {i + 1}", order, index=None, key=f"{key}__{i}", placeholder="choose a step")
    else:
        for i, row in enumerate(q.rows):
            st.radio(row, q.options, index=None, key=f"{key}__{i}", horizontal=True)


def _source_line(q: Question) -> str:
    if q.beyond:
        return f"🔭 Beyond the lecture: taught on the page *{q.page}*"
    return f"📖 Lecture slide: *{q.slide}*"


def question(q: Question, number: int | None = None, round: int = 0) -> progress.Record:
    """Render a question in a bordered box under the attempt policy; returns the learner's record for it.

    ``round`` 0 is the quiz page's encounter; the Review page asks again in rounds 1, 2, ...
    """
    record = _record(q, round)
    attempt = len(record.tries)
    key = _keys(q, attempt, round)
    tag = _tag(q, round)
    with st.container(border=True, key=f"quiz_{tag}"):
        title = f"**Question {number}.** " if number is not None else ""
        badge = " :violet-badge[beyond the lecture]" if q.beyond else ""
        st.markdown(title + q.prompt + badge)
        last: Grade | None = st.session_state.get(f"grade_{tag}")
        if record.stage != "done":
            with st.form(key=f"form_{tag}_{attempt}", border=False):
                inputs(q, key, display_order(q, learner_seed(), attempt + 10 * round))
                st.form_submit_button("Check answer" if attempt == 0 else "Check my second try", on_click=_check,
                                      args=(q, key, round))
            if last is not None and not last.graded:
                st.warning(last.message, icon="✋")
        if record.stage == "retry" and last is not None and last.graded:
            hint = f"\n\n💡 **Hint:** {q.hint}" if q.hint else ""
            st.error(f"{last.message}{hint}\n\nYou have one more try; your score keeps the first one.", icon="🔁")
            st.button("Show the solution", key=f"reveal_{tag}", on_click=_reveal, args=(q, round))
        elif record.stage == "done":
            if record.tries and record.tries[-1].score >= 1.0:
                st.success(f"Correct{' on the second try' if len(record.tries) == 2 else ''}.", icon="✅")
            elif record.tries and last is not None and last.graded and record.tries[-1].score > 0:
                st.warning(last.message, icon="➗")
            elif record.tries:
                st.error(last.message if last is not None and last.graded else "Not quite.", icon="❌")
            st.info(solution(q) + f"\n\n{_source_line(q)}", icon="📘")
            if q.link:
                st.markdown(f"[▶ Open this scenario in its simulator]({q.link})")
    return record


def score_line(section: str) -> None:
    mine = records()
    (lecture,) = progress.scores(mine, [section])
    (beyond,) = progress.scores(mine, [section], beyond=True)
    (practice,) = progress.scores(mine, [section], generated=True)
    if not (lecture.answered or beyond.answered or practice.answered):
        st.caption(f"No answers in {section} yet: your score appears here. Only your first try counts.")
        return

    def shown(s: progress.SectionScore) -> str:
        return f"{s.points:g} / {s.answered}" if s.answered else "—"

    left, middle, right = st.columns(3)
    left.metric(f"Lecture material {section}", shown(lecture),
                help="Points from first tries (partial credit for multiple choice, ordering and tables).")
    middle.metric("Beyond the lecture", shown(beyond))
    right.metric("Generated practice", shown(practice), help="Not part of the section score.")


def written(questions: Sequence[Question]) -> None:
    """The written bank, PART_SIZE questions at a time (a 50-question page would make every click slow to rerun:
    Streamlit's cost per widget grows with the number of widgets). ``?part=`` picks the part, ``?question=<id>``
    opens the part that holds that question."""
    parts = {str(n + 1): f"Questions {start + 1}–{min(start + PART_SIZE, len(questions))}"
             for n, start in enumerate(range(0, len(questions), PART_SIZE))}
    ids = [q.id for q in questions]
    wanted = st.query_params.get("question")
    default = str(ids.index(wanted) // PART_SIZE + 1) if wanted in ids else "1"
    if len(parts) > 1:
        part = int(query.select("Part of the bank", parts, name="part", default=default))
    else:
        part = 1
    start = (part - 1) * PART_SIZE
    for number, q in enumerate(questions[start:start + PART_SIZE], start=start + 1):
        question(q, number)


def generated(generators: Sequence[Generator], section: str) -> None:
    """Practice with engine-generated questions; the seed is in the URL, so a variant can be shared."""
    if not generators:
        return
    options = {g.id: g.title for g in generators}
    gen_id = query.select("Question type", options, name="gen")
    gen = next(g for g in generators if g.id == gen_id)
    seed_key = f"seed_{section}"
    if seed_key not in st.session_state:
        st.session_state[seed_key] = query.read_int("seed", 1, 0, MAX_SEED)

    def new_variant() -> None:
        st.session_state[seed_key] = (st.session_state[seed_key] * 7919 + 13) % MAX_SEED

    seed = st.session_state[seed_key]
    st.query_params["seed"] = str(seed)
    st.caption(f"Variant #{seed}: share the page link to give someone the same question.")
    try:
        made = gen.make(seed, content.catalogue())
    except LessonError as exc:  # the generator reads a lesson file (e.g. instance types): say which, keep the page
        content.show_lesson_error(exc)
        return
    record = question(made)
    wrong = record.tries and record.tries[0].score < 1.0
    st.button("🎲 Try a similar question" if wrong else "🎲 Try a new variant", on_click=new_variant,
              key=f"variant_{section}", type="primary" if wrong else "secondary")


def section_page(section: str, title: str, lead: str) -> None:
    """A section's quiz page: score, the written bank, and generated practice."""
    layout.header(section, title, lead)
    learner_seed()
    learner.show_store_error()
    score_line(section)
    tab_written, tab_practice = st.tabs(["Written questions", "Generated practice"])
    with tab_written:
        written(content.bank(section))
    with tab_practice:
        st.markdown("Fresh questions computed by the simulator, so the answers are right by construction.")
        generated(for_section(section), section)


def written_by_id() -> dict[str, Question]:
    return {q.id: q for s in content.sections() for q in content.bank(s.id)}


def lookup(question_id: str) -> Question | None:
    """The question behind an id from the history: a written one, or the generated variant its seed makes again."""
    found = written_by_id().get(question_id)
    if found is not None or not question_id.startswith("gen-"):
        return found
    stem, _, seed = question_id.rpartition("-")
    if not seed.isdigit():
        return None
    for gen in registry().values():
        q = gen.make(int(seed), content.catalogue())
        if q.id == question_id:
            return q
    return None
