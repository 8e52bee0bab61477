"""DOT builders and table rows are plain functions: check what they show for a given frame."""

from engine.virtualizability.rings import LAYOUTS_BY_ID
from engine.virtualizability.trap_emulate import parse_program, simulate_text
from engine.virtualizability.vmm_stack import DESIGNS, simulate_path
from viz import palette
from viz.virtualizability.catalogue_table import instruction_rows, verdict_rows
from viz.virtualizability.isa_sets import sets_graph
from viz.virtualizability.rings_dot import rings_graph
from viz.virtualizability.trap_view import cpu_graph, listing, state_rows
from viz.virtualizability.vmm_stack_dot import stack_graph


def test_stack_graph_emphasises_the_current_layer_and_hop():
    trace = simulate_path(DESIGNS["type2"])
    frame = next(f for f in trace if f.state.hop == "syscall")
    dot = stack_graph(DESIGNS["type2"], frame.state).source
    assert "host_os" in dot and 'label=" syscall "' in dot
    assert f'color="{palette.ACTIVE}"' in dot and 'penwidth=4' in dot


def test_sets_graph_verdict_and_critical_box(catalogue):
    ia32 = catalogue["ia32"]
    dot = sets_graph(ia32.name, ia32.instructions, False).source
    assert "NOT virtualizable" in dot and "POPF" in dot and "(18)" in dot
    s370 = catalogue["s370"]
    assert "sensitive ⊆ privileged: virtualizable" in sets_graph(s370.name, s370.instructions, True).source


def test_rings_graph_vtx_has_root_and_non_root():
    dot = rings_graph(LAYOUTS_BY_ID["vtx"]).source
    assert "VMX root mode" in dot and "VMX non-root mode" in dot and "guest kernel (non-root)" in dot
    assert "unused" in rings_graph(LAYOUTS_BY_ID["native"]).source


def test_trap_views(catalogue):
    ia32 = catalogue["ia32"]
    program = parse_program("PUSHF\nCLI\nPOPF", ia32)
    trace = simulate_text(ia32, "PUSHF\nCLI\nPOPF")
    silent = next(f.state for f in trace if f.state.phase == "silent")
    dot = cpu_graph(silent, ia32, "kernel").source
    assert "runs directly: NO trap" in dot and "believes: ring 0" in dot and "really: ring 1" in dot
    rows = {r["Field"]: r for r in state_rows(silent, ia32)}
    assert rows["IF"]["Native machine"] == "1" and rows["IF"]["Virtual CPU (guest's view)"] == "0"
    assert rows["IF"]["Native = virtual?"] == "DIFFERS" and rows["GDTR"]["Native = virtual?"] == "same"
    assert listing(program, 2).splitlines()[2].startswith("➜")
    trap = next(f.state for f in trace if f.state.phase == "trap")
    assert 'label=" trap! "' in cpu_graph(trap, ia32, "kernel").source


def test_catalogue_rows(catalogue):
    rows = verdict_rows(catalogue)
    by_isa = {r["ISA"]: r for r in rows}
    assert by_isa[catalogue["ia32"].name]["Verdict (derived)"] == "not virtualizable"
    assert by_isa[catalogue["power"].name]["Lecture says"] == "qualifies"
    popf = next(r for r in instruction_rows(catalogue["ia32"].instructions) if r["Instruction"] == "POPF")
    assert popf["Critical"] and popf["Class"] == "critical"


def test_styled_state_table_paints_only_differing_rows(catalogue):
    from viz.virtualizability.trap_view import styled_state_table

    ia32 = catalogue["ia32"]
    silent = next(f.state for f in simulate_text(ia32, "PUSHF\nCLI\nPOPF") if f.state.phase == "silent")
    html = styled_state_table(state_rows(silent, ia32)).to_html()
    assert html.count(palette.VERMILLION) >= 1 and "DIFFERS" in html
