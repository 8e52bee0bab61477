"""Lesson files are validated on load; a lecturer's mistake gives a located, readable message."""

from pathlib import Path

import pytest

from engine.virtualizability.isa import load_catalogue, parse_isa
from engine.core.lessons import LESSONS_DIR, LessonError, load_toml
from engine.core.outline import load_lecture, load_sections
from engine.virtualizability.programs import load_programs
from engine.core.quiz import grade, load_bank, parse_bank
from ui.navigation import BY_TITLE, GROUPS


SECTIONS = ("2.1", "2.2", "2.3", "2.4", "2.5")


def slide_titles() -> set[str]:
    """Every slide title the project may cite, from its own lessons/lecture.toml (no file outside the repo)."""
    return {title for section in load_lecture(LESSONS_DIR / "lecture.toml") for title in section.slides}


def test_lecture_outline_matches_the_app_sections():
    lecture = load_lecture(LESSONS_DIR / "lecture.toml")
    assert [s.id for s in lecture] == list(SECTIONS)
    assert all(len(s.slides) >= 4 for s in lecture)


def test_shipped_lessons_load():
    assert all(len(load_bank(s)) >= 10 for s in SECTIONS)
    sections = load_sections(LESSONS_DIR / "sections.toml")
    assert [s.id for s in sections] == list(SECTIONS)
    assert all(s.status == "ready" for s in sections)


def test_every_ready_concept_points_to_a_real_page():
    for section in load_sections(LESSONS_DIR / "sections.toml"):
        for concept in section.concepts:
            if section.status == "ready":
                assert concept.page in BY_TITLE, concept


@pytest.mark.parametrize("path", sorted(p.relative_to(LESSONS_DIR).as_posix() for s in SECTIONS
                                         for p in (LESSONS_DIR / s).glob("*.md")))
def test_every_lesson_text_names_its_lecture_slides(path):
    text = (LESSONS_DIR / path).read_text()
    assert text.startswith("# ") and len(text) > 200
    titles = slide_titles()
    line = text.rsplit("Lecture slides:", 1)[-1].strip().splitlines()[0] if "Lecture slides:" in text else ""
    cited = line.strip().removeprefix("'").removesuffix("'").split("', '") if line else []  # titles may hold a '
    assert cited and all(title in titles for title in cited), cited


def test_presets_parse_against_their_isa(catalogue):
    programs = load_programs(LESSONS_DIR / "2.1" / "programs.toml", catalogue)
    assert {p.isa for p in programs} >= {"ia32", "s370", "armv7", "power", "sparc"}


def test_quiz_slides_are_real_lecture_slide_titles():
    titles = slide_titles()
    for section in SECTIONS:
        for q in load_bank(section):
            assert q.slide in titles or (q.beyond and not q.slide), (q.id, q.slide)  # beyond the lecture: a page instead
    from engine.virtualizability.isa import load_catalogue
    from engine.quizgen import registry

    catalogue = load_catalogue(LESSONS_DIR / "isas")
    for gen in registry().values():
        assert gen.make(1, catalogue).slide in titles, gen.id


@pytest.mark.parametrize("section", SECTIONS)
def test_every_written_answer_grades_as_correct(section):
    for q in load_bank(section):
        response = f"{q.value:g}" if q.kind == "numeric" else (q.answer[0] if q.kind == "single" else list(q.answer))
        assert grade(q, response).correct, q.id


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "bad.toml"
    path.write_text(text)
    return path


def test_invalid_toml_names_the_file(tmp_path):
    with pytest.raises(LessonError, match=r"bad.toml: not valid TOML"):
        load_toml(write(tmp_path, "[quiz\nsection = 1"))


BANK = """
[quiz]
section = "2.1"
[[question]]
id = "q1"
kind = "{kind}"
prompt = "Which?"
options = ["a", "b"]
answer = {answer}
explanation = "because"
slide = "Slide"
"""


@pytest.mark.parametrize("kind, answer, message", [
    ("single", '"c"', r"\[\[question\]\] #1 \(q1\).*answer \['c'\] is not one of the options"),
    ("single", '["a", "b"]', "exactly one answer"),
    ("essay", '"a"', "'kind' must be one of single, multiple, numeric"),
    ("numeric", '"ten"', "'answer' must be a number"),
    ("multiple", "3", "'answer' must be the text of the right option"),
])
def test_bad_question_is_located_and_explained(kind, answer, message):
    import tomllib

    with pytest.raises(LessonError, match=message):
        parse_bank(tomllib.loads(BANK.format(kind=kind, answer=answer)), "2.1/quiz.toml")


def test_duplicate_question_ids_are_rejected():
    import tomllib

    data = tomllib.loads(BANK.format(kind="single", answer='"a"'))
    data["question"].append(dict(data["question"][0]))
    with pytest.raises(LessonError, match="used twice"):
        parse_bank(data, "2.1/quiz.toml")


def test_isa_file_errors_are_clear(catalogue):
    base = load_toml(LESSONS_DIR / "isas" / "20-ia32.toml")
    broken = {**base, "instruction": [{**base["instruction"][0], "privileged": "yes"}]}
    with pytest.raises(LessonError, match=r"\(LGDT\): 'privileged' must be true or false"):
        parse_isa(broken, "20-ia32.toml")
    unknown_field = {**base, "instruction": [{**base["instruction"][0], "effect": {"writes": {"XYZ": "1"}}}]}
    with pytest.raises(LessonError, match=r"XYZ.*not declared in \[state\]"):
        parse_isa(unknown_field, "20-ia32.toml")
    no_emulation = {**base, "instruction": [{k: v for k, v in base["instruction"][0].items() if k != "emulation"}]}
    with pytest.raises(LessonError, match="needs an 'emulation' text"):
        parse_isa(no_emulation, "20-ia32.toml")


def test_preset_with_unknown_instruction_is_reported(tmp_path, catalogue):
    path = write(tmp_path, '[[program]]\nid="p"\nisa="ia32"\nname="n"\ndescription="d"\ncode="FOO"\n')
    with pytest.raises(LessonError, match="the code cannot run on the page: line 1: 'FOO'"):
        load_programs(path, catalogue)


def test_empty_catalogue_folder(tmp_path):
    with pytest.raises(LessonError, match="no ISA files"):
        load_catalogue(tmp_path)


def test_bad_section_status(tmp_path):
    path = write(tmp_path, '[[section]]\nid="2.1"\ntitle="t"\nsummary="s"\nstatus="done"\n[[section.concept]]\nname="c"\n')
    with pytest.raises(LessonError, match="'status' must be one of ready, planned"):
        load_sections(path)


def test_sources_file_names_real_pages_and_covers_every_lesson_page():
    from engine.core.sources import for_page, load_sources

    sources = load_sources(LESSONS_DIR / "sources.toml")
    assert len(sources) >= 40
    assert sorted({p for s in sources for p in s.pages} - set(BY_TITLE)) == []
    tools = {p.title for p in GROUPS["VirtLab"]}  # home, progress, review, self-test: no figures of their own
    assert [t for t in BY_TITLE if t not in tools and not for_page(sources, t)] == []


def test_every_sources_citation_in_the_code_names_an_entry():
    import re

    from engine.core.sources import load_sources

    ids = {s.id for s in load_sources(LESSONS_DIR / "sources.toml")}
    root = LESSONS_DIR.parent
    cited = {(p.relative_to(root).as_posix(), m) for folder in ("engine", "viz", "ui", "pages", "tests", "bench", "lessons")
             for p in (root / folder).rglob("*") if p.suffix in (".py", ".toml", ".md")
             for m in re.findall(r"sources\.toml: ([a-z0-9-]+)", p.read_text(encoding="utf-8"))}
    assert cited and sorted(c for c in cited if c[1] not in ids) == []


@pytest.mark.parametrize("text, message", [
    ('[[source]]\nid = "Bad Id"\nfigure = "f"\nsource = "s"\nsureness = "V"\npages = ["Quiz 2.1"]', "lower-case words"),
    ('[[source]]\nid = "a"\nfigure = "f"\nsource = "s"\nsureness = "sure"\npages = ["Quiz 2.1"]', "'sureness' must be one of"),
    ('[[source]]\nid = "a"\nfigure = "f"\nsource = "s"\nsureness = "V"\npages = []', "at least one page"),
])
def test_bad_source_entries_are_located_and_explained(tmp_path, text, message):
    from engine.core.sources import load_sources

    with pytest.raises(LessonError, match=r"bad.toml \[\[source\]\] #1.*" + message):
        load_sources(write(tmp_path, text))
