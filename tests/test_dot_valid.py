"""Every DOT diagram the app builds must parse: graphviz's own `dot` renders each frame of each preset.

The browser renders DOT with a WebAssembly graphviz; a syntax error there shows as a broken
diagram, not an exception, so these tests run the real parser over every builder's output.
"""

import shutil
import subprocess
from pathlib import Path

import pytest

from engine.fullvirt.io_levels import IO_LEVELS
from engine.core.lessons import LESSONS_DIR
from engine.fullvirt.paging import load_presets, parse_mappings, walk
from engine.virtualizability.programs import load_programs
from engine.virtualizability.rings import LAYOUTS
from engine.fullvirt.shadow import PRESETS
from engine.virtualizability.trap_emulate import parse_program, simulate
from engine.virtualizability.vmm_stack import DESIGNS, simulate_path
from viz.virtualizability.isa_sets import sets_graph
from viz.fullvirt.paging_view import walk_graph
from viz.virtualizability.rings_dot import rings_graph
from viz.fullvirt.shadow_view import shadow_graph
from viz.virtualizability.trap_view import cpu_graph
from viz.virtualizability.vmm_stack_dot import stack_graph


def render(source: str) -> None:
    dot = shutil.which("dot")
    if dot is None:
        pytest.fail("graphviz's `dot` is missing: run tests/install_test_deps.sh (the README's test command does)")
    result = subprocess.run([dot, "-Tsvg", "-o", "/dev/null"], input=source, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr + "\n" + source[:2000]


def test_stack_and_io_diagrams():
    for scenario in (*DESIGNS.values(), *IO_LEVELS.values()):
        for frame in simulate_path(scenario):
            render(stack_graph(scenario, frame.state).source)


def test_isa_set_and_ring_diagrams(catalogue):
    for isa in catalogue.values():
        render(sets_graph(isa.name, isa.instructions, isa.verdict().virtualizable).source)
    for layout in LAYOUTS:
        render(rings_graph(layout).source)


def test_trap_diagrams(catalogue):
    for preset in load_programs(LESSONS_DIR / "2.1" / "programs.toml", catalogue):
        isa = catalogue[preset.isa]
        program = parse_program(preset.code, isa)
        for frame in simulate(isa, program):
            line = frame.state.line
            render(cpu_graph(frame.state, isa, program[line].context if line is not None else "kernel").source)


def test_walk_diagrams():
    for preset in load_presets(LESSONS_DIR / "2.2" / "paging.toml").values():
        space = parse_mappings(preset.mode, preset.mappings)
        for example in preset.examples:
            for frame in walk(space, example.va, example.access, example.user):
                render(walk_graph(frame.state).source)


def test_shadow_diagrams():
    for make in PRESETS.values():
        for frame in make().run():
            render(shadow_graph(frame.state).source)
