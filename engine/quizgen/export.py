"""What the LMS export holds: every written bank and N seeded variants of every generator, filtered by section and
question kind, each with the bank category it goes into (engine.core.lms writes the formats)."""

from __future__ import annotations

from pathlib import Path
from typing import Iterable, Mapping

from engine.core.lessons import LESSONS_DIR
from engine.core.lms import Entry
from engine.core.outline import load_sections
from engine.core.quiz import KINDS, Question, load_bank
from engine.quizgen import Generator, registry
from engine.virtualizability.isa import ISA, load_catalogue

MAX_VARIANTS = 50
FIRST_SEED = 1


def _category(*parts: str) -> str:
    return "/".join(p.replace("/", "-").replace(":", " -").strip() for p in ("VirtLab", *parts))


def variants(gen: Generator, count: int, catalogue: Mapping[str, ISA], first_seed: int = FIRST_SEED) -> list[Question]:
    """``count`` variants of a generator, seeds ``first_seed``, ``first_seed + 1``, ... (a seed that repeats an
    earlier variant's id is skipped; each question's id names its seed, so a variant can be made again)."""
    out: dict[str, Question] = {}
    seed = first_seed
    while len(out) < count and seed < first_seed + 4 * count + 10:
        q = gen.make(seed, catalogue)
        out.setdefault(q.id, q)
        seed += 1
    return list(out.values())


def collect(sections: Iterable[str], kinds: Iterable[str] = KINDS, count: int = 5, written: bool = True,
            lessons_dir: Path = LESSONS_DIR, catalogue: Mapping[str, ISA] | None = None) -> list[Entry]:
    """The export's entries, section by section: the written bank (if ``written``), then ``count`` variants of each
    generator of the section (0: none), keeping only questions of ``kinds``."""
    if not 0 <= count <= MAX_VARIANTS:
        raise ValueError(f"the number of variants must be between 0 and {MAX_VARIANTS}, not {count}")
    wanted = set(kinds)
    unknown = wanted - set(KINDS)
    if unknown:
        raise ValueError(f"unknown question kind(s) {sorted(unknown)}: expected some of {', '.join(KINDS)}")
    titles = {s.id: s.title for s in load_sections(lessons_dir / "sections.toml")}
    catalogue = catalogue if catalogue is not None else load_catalogue(lessons_dir / "isas")
    generators = registry().values()
    entries: list[Entry] = []
    for section in sections:
        if section not in titles:
            raise ValueError(f"unknown section {section!r}: expected one of {', '.join(titles)}")
        head = f"{section} {titles[section]}"
        if written and (lessons_dir / section / "quiz.toml").exists():
            entries += [Entry(_category(head, "Written"), q) for q in load_bank(section, lessons_dir) if q.kind in wanted]
        for gen in (g for g in generators if g.section == section):
            if count:
                entries += [Entry(_category(head, "Generated", gen.title), q)
                            for q in variants(gen, count, catalogue) if q.kind in wanted]
    return entries


class QuestionIndex:
    """The question behind an id in the history: a written one, or the generated variant its seed makes again (what
    the class statistics need to name wrong options and a variant's parameters). Built once, cached per id."""

    def __init__(self, lessons_dir: Path = LESSONS_DIR, catalogue: Mapping[str, ISA] | None = None):
        self.catalogue = catalogue if catalogue is not None else load_catalogue(lessons_dir / "isas")
        self.written: dict[str, Question] = {}
        for section in load_sections(lessons_dir / "sections.toml"):
            if (lessons_dir / section.id / "quiz.toml").exists():
                self.written.update({q.id: q for q in load_bank(section.id, lessons_dir)})
        self.generators: dict[str, Generator] = {}
        self.titles: dict[str, str] = {}
        for gen in registry().values():  # a generator's id stem ('gen-2d') from the id of its first variant
            stem = gen.make(FIRST_SEED, self.catalogue).id.rpartition("-")[0]
            self.generators[stem] = gen
            self.titles[stem] = gen.title
        self._made: dict[str, Question | None] = {}

    def __call__(self, question_id: str) -> Question | None:
        if question_id in self.written:
            return self.written[question_id]
        if question_id not in self._made:
            stem, _, seed = question_id.rpartition("-")
            gen = self.generators.get(stem)
            made = gen.make(int(seed), self.catalogue) if gen is not None and seed.isdigit() and len(seed) < 10 else None
            self._made[question_id] = made if made is not None and made.id == question_id else None
        return self._made[question_id]
