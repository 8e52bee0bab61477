"""Every mistake a lecturer can make in a lesson file gives a located message on every page that reads it.

Each case copies lessons/ to a temporary folder, breaks one file (bad UTF-8, bad TOML, a missing key, a wrong type,
an unknown reference, a renamed entry other files or pages rely on), and opens every page that reads the file under
AppTest with VIRTLAB_LESSONS_DIR pointing at the copy. The page must not raise, and it must show an error naming the
file, the entry (where the mistake is inside one) and the problem.

The lessons folder is read when the app's modules are imported and cached per process, so each case runs its
pages in a fresh Python process (``python -c PROBE``), which prints what every page showed as JSON.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pytest

ROOT = Path(__file__).resolve().parent.parent
LESSONS = ROOT / "lessons"

PROBE = r"""
import json, sys
from streamlit.testing.v1 import AppTest
out = {}
query = json.loads(sys.argv[2])
for page in sys.argv[3:]:
    at = AppTest.from_file(sys.argv[1], default_timeout=60)
    at.query_params["order"] = "1"
    for key, value in query.items():
        at.query_params[key] = value
    try:
        at.run()
        at.switch_page(page)
        at.run()
        out[page] = {"exception": [e.value + "\n" + "\n".join(ln for ln in e.stack_trace if sys.argv[1][:-6] in ln)
                                   for e in at.exception],
                     "errors": [e.value for e in at.error] + [w.value for w in at.warning]}
    except Exception as exc:  # AppTest itself failed (a timeout): report it like an exception
        out[page] = {"exception": [f"{type(exc).__name__}: {exc}"], "errors": []}
print("PROBE-RESULT " + json.dumps(out))
"""

ISA_PAGES = ("pages/s21_instructions.py", "pages/s21_isa_designer.py", "pages/s21_trap_emulate.py",
             "pages/s21_quiz.py")
TYPES_PAGES = ("pages/s25_instances.py", "pages/s25_pricing.py", "pages/s25_quiz.py")


@dataclass(frozen=True)
class Case:
    id: str
    file: str  # relative to lessons/
    change: Callable[[str], str] | bytes  # text -> broken text, or the file's new bytes
    pages: tuple[str, ...]
    expect: tuple[str, ...]  # every one must appear (regex, case-insensitive) in one error message of every page
    query: tuple[tuple[str, str], ...] = ()  # the pages' address values (e.g. presenter mode, which reads the tour)


def sub(pattern: str, replacement: str, count: int = 1) -> Callable[[str], str]:
    def change(text: str) -> str:
        new, n = re.subn(pattern, replacement, text, count=count, flags=re.M)
        assert n, f"the case's pattern {pattern!r} matches nothing: update the case"
        return new
    return change


CASES = [
    # ISA catalogue (lessons/isas): the 2.1 pages and Quiz 2.1
    Case("isa-not-utf8", "isas/20-ia32.toml", lambda t: t.replace("name", "n\udcffame", 1), ISA_PAGES,
         (r"20-ia32\.toml", r"not UTF-8", r"line \d+")),
    Case("isa-bad-toml", "isas/10-s370.toml", sub(r"^(\w+) = ", r"\1 == "), ISA_PAGES,
         (r"10-s370\.toml", r"not valid TOML")),
    Case("isa-missing-key", "isas/30-armv7.toml", sub(r"^name = .*\n", ""), ISA_PAGES,
         (r"30-armv7\.toml", r"missing required key 'name'")),
    Case("isa-wrong-type", "isas/20-ia32.toml", sub(r"^privileged = (true|false)", "privileged = \"yes\""), ISA_PAGES,
         (r"20-ia32\.toml", r"\[\[instruction\]\] #\d+", r"'privileged' must be true or false")),
    # Trap-and-emulate programs refer to ISA instructions by mnemonic
    Case("program-unknown-instruction", "2.1/programs.toml", sub(r"^POPF\b", "POPFF"), ("pages/s21_trap_emulate.py",),
         (r"programs\.toml", r"POPFF")),
    # Instance types (lessons/2.5/instance_types.toml): instances, pricing, Quiz 2.5
    Case("types-bad-toml", "2.5/instance_types.toml", sub(r"^\[current\]", "[current"), TYPES_PAGES,
         (r"instance_types\.toml", r"not valid TOML")),
    Case("types-not-utf8", "2.5/instance_types.toml", lambda t: t.replace("title", "t\udcfeitle", 1), TYPES_PAGES,
         (r"instance_types\.toml", r"not UTF-8")),
    Case("types-missing-key", "2.5/instance_types.toml", sub(r"^price = .*\n", ""), TYPES_PAGES,
         (r"instance_types\.toml", r"\[\[type\]\] #1", r"missing required key 'price'")),
    Case("types-wrong-type", "2.5/instance_types.toml", sub(r"^vcpu = \d+", 'vcpu = "two"'), TYPES_PAGES,
         (r"instance_types\.toml", r"\[\[type\]\] #1", r"'vcpu' must be a number")),
    Case("types-renamed", "2.5/instance_types.toml", sub(r'^name = "t2\.small"', 'name = "t2.smol"', count=0),
         TYPES_PAGES, (r"instance_types\.toml", r"\[lecture\]", r"'t2\.small' is missing")),
    # Paging presets: one per paging mode
    Case("paging-mode-without-preset", "2.2/paging.toml", sub(r'^\[\[preset\]\]\nmode = "ia32"(.|\n)*?(?=^\[)', ""),
         ("pages/s22_paging.py",), (r"paging\.toml", r"no \[\[preset\]\] for mode 'ia32'")),
    Case("paging-preset-twice", "2.2/paging.toml", sub(r'^mode = "ia32"', 'mode = "teaching"'),
         ("pages/s22_paging.py",), (r"paging\.toml", r"#2", r"mode 'teaching' has a preset already")),
    Case("paging-bad-toml", "2.2/paging.toml", sub(r'^mode = "ia32"', 'mode = ia32'),
         ("pages/s22_paging.py",), (r"paging\.toml", r"not valid TOML")),
    # Quiz banks, the outline, sources, lessons' Markdown
    Case("quiz-missing-key", "2.1/quiz.toml", sub(r"^prompt = .*\n", ""), ("pages/s21_quiz.py", "pages/self_test.py"),
         (r"quiz\.toml", r"missing required key 'prompt'")),
    Case("quiz-not-utf8", "2.3/quiz.toml", b"[[question]]\nid = \"\xff\"\n", ("pages/s23_quiz.py",),
         (r"quiz\.toml", r"not UTF-8", r"line 2")),
    Case("lesson-md-not-utf8", "2.1/trap_emulate.md", b"# Trap and emulate\n\xc3(\n", ("pages/s21_trap_emulate.py",),
         (r"trap_emulate\.md", r"not UTF-8", r"line 2")),
    Case("sections-bad-toml", "sections.toml", sub(r"^\[\[section\]\]", "[[section]"), ("pages/home.py",),
         (r"sections\.toml", r"not valid TOML")),
    Case("regions-wrong-type", "2.5/regions.toml", sub(r"^(\w+) = \"", r'\1 = ["'), ("pages/s25_regions.py",),
         (r"regions\.toml",)),
    Case("transfer-bad-toml", "2.5/transfer.toml", sub(r"^\[", "[["), ("pages/s25_regions.py",),
         (r"transfer\.toml",)),
    Case("isa-not-utf8-bt", "isas/20-ia32.toml", lambda t: t.replace("name", "n\udcffame", 1),
         ("pages/s22_binary_translation.py",), (r"20-ia32\.toml", r"not UTF-8")),
    Case("tour-bad-toml", "tour.toml", sub(r"^\[\[step\]\]", "[[step]"), ("pages/s21_trap_emulate.py",),
         (r"tour\.toml", r"not valid TOML"), query=(("presenter", "1"),)),
    Case("sources-missing-key", "sources.toml", sub(r"^figure = .*\n", ""), ("pages/s21_trap_emulate.py",),
         (r"sources\.toml", r"missing required key 'figure'")),
    Case("bt-programs-bad-toml", "2.2/bt_programs.toml", sub(r"^\[\[", "[[["), ("pages/s22_binary_translation.py",),
         (r"bt_programs\.toml", r"not valid TOML")),
]


def broken_copy(case: Case, tmp: Path) -> Path:
    lessons = tmp / "lessons"
    shutil.copytree(LESSONS, lessons)
    target = lessons / case.file
    if isinstance(case.change, bytes):
        target.write_bytes(case.change)
    else:
        target.write_bytes(case.change(target.read_text(encoding="utf-8")).encode("utf-8", "surrogateescape"))
    return lessons


def probe(lessons: Path, pages: tuple[str, ...], tmp: Path, query: tuple[tuple[str, str], ...] = ()
          ) -> dict[str, dict[str, list[str]]]:
    env = {**os.environ, "VIRTLAB_LESSONS_DIR": str(lessons), "VIRTLAB_DATA_DIR": str(tmp / "data")}
    done = subprocess.run([sys.executable, "-c", PROBE, str(ROOT / "app.py"), json.dumps(dict(query)), *pages], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith("PROBE-RESULT ")), None)
    assert line, done.stderr[-3000:]
    return json.loads(line.removeprefix("PROBE-RESULT "))


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_a_broken_lesson_file_gives_a_located_message_on_every_page_that_reads_it(case, tmp_path):
    result = probe(broken_copy(case, tmp_path), case.pages, tmp_path, case.query)
    for page in case.pages:
        shown = result[page]
        assert not shown["exception"], f"{case.id}: {page} raised\n" + "\n".join(shown["exception"])
        located = [m for m in shown["errors"] if all(re.search(p, m.replace("\\", ""), re.I) for p in case.expect)]
        assert located, f"{case.id}: {page} shows no message naming {case.expect}; it shows {shown['errors']}"


def test_the_unbroken_copy_shows_no_lesson_error(tmp_path):
    lessons = tmp_path / "lessons"
    shutil.copytree(LESSONS, lessons)
    pages = tuple(sorted({p for c in CASES for p in c.pages}))
    result = probe(lessons, pages, tmp_path)
    for page in pages:
        assert not result[page]["exception"], (page, result[page]["exception"])
        assert not [m for m in result[page]["errors"] if "lesson file" in m.lower()], (page, result[page]["errors"])


def test_the_instance_types_the_pricing_presets_use_are_the_expected_ones():
    """instance_types.EXPECTED is what the loader insists on; it must cover every type the pricing presets name."""
    from engine.ec2 import billing, instance_types

    named = {m for p in billing.PRESETS.values() for m in re.findall(r"\bt2\.\w+", p.text)}
    assert named <= set(instance_types.EXPECTED), named - set(instance_types.EXPECTED)
