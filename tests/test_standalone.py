"""The repository stands on its own: a clone with nothing beside it passes, and nothing cites a path outside it."""

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TRACKED = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
READABLE = [ROOT / f for f in TRACKED if f.endswith((".py", ".md", ".toml", ".txt", ".sh", ".ini", ".cfg")) or f == ".ci/run"]


def test_a_clone_with_nothing_beside_it_passes_the_lesson_tests(tmp_path):
    clone = tmp_path / "alone" / "virtlab"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
    assert sorted(p.name for p in clone.parent.iterdir()) == ["virtlab"]
    out = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_lessons.py",
                          "tests/test_engine_purity.py"], cwd=clone, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-2000:]
    assert re.search(r"\d+ passed", out.stdout) and "failed" not in out.stdout


def test_no_file_sends_a_reader_outside_the_repository():
    outside = re.compile(r"\.\./shared|shared/(facts|lecture)|facts\.md")
    offenders = [f"{p.relative_to(ROOT)}:{n}" for p in READABLE if p.name != Path(__file__).name
                 for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if outside.search(line)]
    assert offenders == []
