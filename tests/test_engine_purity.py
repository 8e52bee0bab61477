"""engine/ must stay pure Python: no Streamlit, so simulations are testable and reusable."""

import subprocess
import sys
from pathlib import Path

ENGINE = Path(__file__).resolve().parent.parent / "engine"


def test_no_streamlit_import_in_engine_sources():
    offenders = [p.name for p in ENGINE.rglob("*.py") if "import streamlit" in p.read_text() or "from streamlit" in p.read_text()]
    assert offenders == []


def test_importing_every_engine_module_does_not_load_streamlit():
    modules = sorted("engine." + ".".join(p.relative_to(ENGINE).with_suffix("").parts) for p in ENGINE.rglob("*.py")
                     if p.name != "__init__.py")
    code = "import sys\n" + "".join(f"import {m}\n" for m in modules) + "print('streamlit' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ENGINE.parent, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
    assert len(modules) >= 8


LAYERS = ("engine", "viz", "ui", "pages")  # each may import only the layers before it


def imported_packages(path: Path) -> set[str]:
    import ast

    tree = ast.parse(path.read_text())
    names = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    names |= {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
    return {name.split(".")[0] for name in names}


def test_imports_run_one_way_pages_ui_viz_engine():
    root = ENGINE.parent
    offenders = []
    for rank, layer in enumerate(LAYERS):
        later = set(LAYERS[rank + 1:])
        offenders += [f"{p.relative_to(root)} imports {bad}" for p in (root / layer).rglob("*.py")
                      for bad in imported_packages(p) & later]
    assert offenders == []


def test_engine_core_knows_no_lecture_section():
    sections = {p.name for p in ENGINE.iterdir() if p.is_dir() and p.name not in ("core", "quizgen", "__pycache__")}
    assert sections == {"virtualizability", "fullvirt", "assisted", "sharing", "ec2"}
    offenders = [f"{p.name}: {line.strip()}" for p in (ENGINE / "core").glob("*.py") for line in p.read_text().splitlines()
                 if line.startswith(("from engine.", "import engine.")) and not line.split()[1].startswith("engine.core")]
    assert offenders == []
