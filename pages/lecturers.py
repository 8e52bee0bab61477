"""For lecturers: export the quiz banks and generated variants to an LMS, and see class statistics (aggregate only)."""

from __future__ import annotations

import hmac
import os

import streamlit as st

from engine.core.lms import FORMATS, export
from engine.core.lms import stats as class_stats
from engine.core.progress import parse_export
from engine.core.quiz import KINDS
from engine.core.store import StoreError
from engine.quizgen.export import MAX_VARIANTS, QuestionIndex, collect
from ui import content, learner
from ui.charts import chart
from ui.editor import INPUT_ERRORS, problem
from ui.escape import literal
from viz.lms_stats import by_parameter, first_try_right

KIND_LABELS = {"single": "single choice", "multiple": "multiple choice", "numeric": "numeric", "order": "ordering",
               "table": "table"}
FORMAT_NOTES = {
    "moodle": "Import in Moodle under *Question bank → Import → Moodle XML format*. Every kind has its Moodle type: "
              "multiple choice with a fraction per option (right +100/k %, wrong −100/k %, so Moodle's floored sum is "
              "the app's partial credit), numerical with an absolute tolerance (a relative one becomes |value| × rel), "
              "ordering (Moodle's ordering type, graded by absolute position) and tables as matching questions. "
              "Hints become Moodle hints (interactive mode), why-nots per-option feedback, the solution general feedback.",
    "gift": "Import in Moodle under *Question bank → Import → GIFT format*. GIFT's core grammar has no ordering type and "
            "no hints: an ordering question becomes a matching question (each step → its place), a table a matching "
            "question without extra choices (only the choices some row needs are offered), and the hint is added to "
            "the feedback of every wrong answer.",
    "qti": "A zip with one QTI 1.2 assessment per bank: in Canvas, *Settings → Import course content → QTI .zip file*. "
           "QTI 1.2 is what Canvas's importer reads. Multiple choice adds +100/k or −100/k per option with the score "
           "floored at 0; ordering and tables are matching questions (Canvas's QTI 1.2 has no ordering type), graded "
           "per row.",
}


def short(text: str, limit: int = 48) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


def allowed() -> bool:
    """When VIRTLAB_LECTURER_SECRET is set, the page asks for it once per browser session (it exports the solutions)."""
    secret = os.environ.get("VIRTLAB_LECTURER_SECRET", "")
    if not secret or st.session_state.get("lecturer_ok"):
        return True
    with st.form("lecturer_secret"):
        typed = st.text_input("Lecturer password", type="password", max_chars=200)
        if st.form_submit_button("Open"):
            if hmac.compare_digest(typed.encode(), secret.encode()):
                st.session_state["lecturer_ok"] = True
                st.rerun()
            st.error("That is not the lecturer password.", icon="🔒")
    return False


@st.cache_resource(show_spinner=False)
def question_index() -> QuestionIndex:
    return QuestionIndex(catalogue=content.catalogue())


@st.cache_data(show_spinner="Collecting the questions…", max_entries=8)
def entries_for(sections: tuple[str, ...], kinds: tuple[str, ...], count: int, written: bool) -> list:
    """The questions of a choice (50 variants of every generator take seconds: switching the format reuses them)."""
    return collect(sections, kinds, count, written, catalogue=content.catalogue())


@st.cache_data(show_spinner="Writing the export…", max_entries=16)
def build(sections: tuple[str, ...], kinds: tuple[str, ...], count: int, written: bool, fmt: str,
          base_url: str) -> tuple[str, bytes, str, dict[str, int]]:
    entries = entries_for(sections, kinds, count, written)
    name, data, mime = export(entries, fmt, base_url=base_url)
    counts = {kind: sum(1 for e in entries if e.question.kind == kind) for kind in kinds}
    return name, data, mime, counts


def export_tab() -> None:
    sections = {s.id: f"{s.id} {s.title}" for s in content.sections()}
    chosen = st.multiselect("Sections", list(sections), default=list(sections), format_func=sections.get)
    kinds = st.multiselect("Question kinds", list(KINDS), default=list(KINDS), format_func=KIND_LABELS.get)
    left, middle, right = st.columns([1, 1, 2], vertical_alignment="bottom")
    written = left.checkbox("Written banks", value=True, help="The questions of lessons/<section>/quiz.toml.")
    count = middle.number_input("Variants per generator", 0, MAX_VARIANTS, 5,
                                help="Generated questions, seeds 1, 2, …: each variant's name holds its seed, so it "
                                     "can be made again.")
    fmt = right.radio("Format", list(FORMATS), format_func=FORMATS.get, horizontal=True)
    base_url = os.environ.get("VIRTLAB_PUBLIC_URL", "").strip()
    if not chosen or not kinds or not (written or count):
        st.info("Choose at least one section, one question kind, and the written banks or some variants.", icon="☝️")
        return
    name, data, mime, counts = build(tuple(chosen), tuple(kinds), int(count), written, fmt, base_url)
    total = sum(counts.values())
    summary = ", ".join(f"{n} {KIND_LABELS[k]}" for k, n in counts.items() if n)
    if not total:
        st.warning("No question of the chosen kinds in these sections.", icon="🫙")
        return
    st.download_button(f"⬇ Download {total} questions ({FORMATS[fmt]})", data, file_name=name, mime=mime,
                       type="primary", key="download_export")
    st.caption(f"{summary}; {len(data):,} bytes.")
    st.markdown(FORMAT_NOTES[fmt])
    st.caption("Each question's general feedback names its lecture slide or app page" +
               (f" and links its scenario at {literal(base_url)}." if base_url else
                "; set VIRTLAB_PUBLIC_URL to add a link to each generated scenario."))


def show(result: class_stats.ClassStats, stem: str) -> None:
    if not result.learners:
        st.info("No answers yet.", icon="🫙")
        return
    st.markdown(f"**{result.learners} learners.** Quiz pages' first encounter only (reviews not counted). Groups of "
                f"fewer than {result.min_group} learners are not shown: {result.hidden_questions} question(s) and "
                f"{result.hidden_parameter_groups} parameter group(s) hidden.")
    rows = [vars(r) for r in result.questions]
    if not rows:
        return
    st.header("Per question")
    chart(first_try_right, rows)
    st.dataframe([{"Question": r.question, "Section": r.section, "Material": r.material, "Learners": r.learners,
                   "First try right": f"{r.first_try_right} ({r.first_try_right_percent:g} %)",
                   "Most chosen wrong": (f"{short(r.most_chosen_wrong)} ({r.most_chosen_wrong_learners})"
                                         if r.most_chosen_wrong else "—"),
                   "Mean first score": f"{r.mean_first_score_percent:g} %",
                   "Right on the 2nd try": r.right_on_second_try, "Solution asked": r.solution_asked,
                   "Prompt": short(r.prompt, 100)} for r in result.questions], hide_index=True, width="stretch")
    st.caption("Long texts are shortened here; the CSV has them in full.")
    st.download_button("⬇ Per question (CSV)", class_stats.to_csv(result.questions), file_name=f"{stem}-questions.csv",
                       mime="text/csv", key=f"{stem}_questions_csv")
    if result.parameters:
        st.header("Generated questions per parameter")
        generators = sorted({p.generator for p in result.parameters})
        titles = question_index().titles
        gen = st.selectbox("Generator", generators, format_func=lambda g: f"{titles.get(g, g)} ({g})",
                           key=f"{stem}_generator")
        chart(by_parameter, [vars(p) for p in result.parameters if p.generator == gen])
        st.download_button("⬇ Per parameter (CSV)", class_stats.to_csv(result.parameters, class_stats.ParameterRow),
                           file_name=f"{stem}-parameters.csv", mime="text/csv", key=f"{stem}_parameters_csv")


@st.cache_data(show_spinner="Counting the class's answers…", max_entries=4)
def store_stats(_store, url: str, version: tuple[int, int]) -> class_stats.ClassStats:
    """The store's statistics, computed again only when its events changed (a class of 200 with 6,800
    answers takes about a second to read and aggregate, too long for every click on this page)."""
    index = question_index()
    return class_stats.class_stats(class_stats.by_learner(_store.class_events()), index, index.titles)


def stats_tab() -> None:
    st.markdown("Aggregate only: no learner key or name is read into these tables, and nothing is shown for fewer "
                f"than {class_stats.MIN_GROUP} learners.")
    source = st.radio("Answers from", ["This server's database", "Students' export files"], horizontal=True,
                      key="stats_source")
    index = question_index()
    if source == "This server's database":
        store = learner.store()
        if store is None:
            return
        try:
            result = store_stats(store, store.url, store.class_version())
        except StoreError as exc:
            st.error(str(exc), icon="💾")
            return
        show(result, "virtlab-class")
        return
    files = st.file_uploader("Export files from “My progress” (CSV or JSON), one per student", type=["csv", "json"],
                             accept_multiple_files=True, key="stats_files")
    learners = []
    for upload in files or []:
        try:
            learners.append(parse_export(upload.getvalue(), upload.name, now=0.0))
        except INPUT_ERRORS as exc:  # ExportError (a ValueError) says what is wrong; anything else is a parser bug
            message = problem(exc, "export file")
            named = message if message.startswith(literal(upload.name)) else f"{literal(upload.name)}: {message}"
            st.error(f"Left out: {named}", icon="📄")
    if learners:
        show(class_stats.class_stats(learners, index, index.titles), "virtlab-uploads")
    else:
        st.caption("Each file counts as one learner; a student who sends two files counts twice.")


st.title("For lecturers")
st.markdown("Export the quiz banks and generated variants to Moodle or Canvas, and see how the class answered.")
if allowed():
    tab_export, tab_stats = st.tabs(["Export to the LMS", "Class statistics"])
    with tab_export:
        export_tab()
    with tab_stats:
        stats_tab()
