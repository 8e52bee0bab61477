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
