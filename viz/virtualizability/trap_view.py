"""Builders for the trap-and-emulate animation: the who-runs diagram, the state table, the listing."""

from __future__ import annotations

import graphviz

from engine.virtualizability.isa import ISA
from engine.virtualizability.trap_emulate import ProgramLine, TrapState
from viz import palette
from viz.dot import digraph, emphasis

_PHASE_EDGES: dict[str, tuple[tuple[str, str, str], ...]] = {
    "trap": (("runner_src", "cpu", "executes"), ("cpu", "vmm", "trap!")),
    "emulate": (("vmm", "vcpu", "emulate on vCPU"), ("vmm", "kernel", "resume")),
    "reflect": (("vmm", "kernel", "reflect fault"),),
    "silent": (("runner_src", "cpu", "runs directly: NO trap"),),
    "direct": (("runner_src", "cpu", "runs directly"),),
}


def cpu_graph(state: TrapState, isa: ISA, context: str) -> graphviz.Digraph:
    """Guest app, guest kernel, VMM, virtual CPU and the real CPU; the running party is emphasised."""
    g = digraph(rankdir="TB", nodesep="0.25", ranksep="0.6")
    g.attr("node", fontsize="19")
    g.attr("edge", fontsize="18")
    runner = state.runner
    with g.subgraph(name="cluster_guest") as vm:
        vm.attr(label="Virtual machine", style="rounded,dashed", color="#666666", rank="same")
        vm.node("app", f"Guest app\n{isa.user_mode}", **emphasis(runner == "guest app", palette.PALE))
        vm.node("kernel", f"Guest kernel\nbelieves: {isa.system_mode}\nreally: {isa.deprivileged_mode or isa.deprivileged_value}",
                **emphasis(runner == "guest kernel", palette.SKY))
        vm.node("vcpu", "Virtual CPU\n(kept by the VMM)", shape="cylinder", **emphasis("emulate" in state.phase, palette.WHITE))
    g.node("vmm", f"VMM\n{isa.system_mode}", **emphasis(runner == "VMM", palette.ORANGE))
    g.node("cpu", f"Real CPU\nnow in {state.real_mode}", **emphasis(runner == "CPU", palette.GREY))
    g.edge("kernel", "vmm", style="invis")
    g.edge("vmm", "cpu", style="invis")
    source = "app" if context == "app" else "kernel"
    for tail, head, label in _PHASE_EDGES.get(state.phase, ()):
        tail = source if tail == "runner_src" else tail
        alarm = state.phase in ("trap", "silent")
        colour = palette.TRAP if alarm else palette.BLUE
        g.edge(tail, head, label=f" {label} ", color=colour, fontcolor=colour, penwidth="3",
               style="bold" if alarm else "solid", constraint="false")
    return g


def state_rows(state: TrapState, isa: ISA) -> list[dict[str, str]]:
    """One row per tracked field: native, virtual CPU (guest's view) and real hardware."""
    rows = []
    for f in isa.state:
        native, virtual, real = state.native.get(f.name), state.vcpu.get(f.name), state.host.get(f.name)
        if f.name == isa.mode_field:
            status = "mode: virtual vs real"
        else:
            status = "DIFFERS" if f.name in state.diverged else "same"
        rows.append({"Field": f.name, "Native machine": native, "Virtual CPU (guest's view)": virtual,
                     "Real hardware": real, "Native = virtual?": status})
    rows.append({"Field": "guest stack", "Native machine": _stack(state.native.stack), "Virtual CPU (guest's view)": _stack(state.vcpu.stack),
                 "Real hardware": "(guest memory)", "Native = virtual?": "DIFFERS" if "stack" in state.diverged else "same"})
    return rows


def _stack(values: tuple[str, ...]) -> str:
    return "[" + ", ".join(values) + "]" if values else "[]"


def listing(program: tuple[ProgramLine, ...], current: int | None) -> str:
    """The program as a code block, with an arrow at the line being executed."""
    out = []
    for index, line in enumerate(program):
        marker = "➜" if index == current else " "
        out.append(f"{marker} {line.number:>2}  {line.label}")
    return "\n".join(out)


def spelling_rows(program: tuple[ProgramLine, ...]) -> list[dict[str, str]]:
    """"You wrote → catalogue entry" for every line not written in the catalogue's own spelling."""
    return [{"Line": str(line.number), "You wrote": line.written, "Catalogue entry": line.instruction.mnemonic,
             "Why": line.how} for line in program if line.how]


def styled_state_table(rows: list[dict[str, str]]) -> "pandas.io.formats.style.Styler":
    """The state table with differing rows filled vermillion (and labelled DIFFERS, not colour alone)."""
    import pandas

    def paint(row: "pandas.Series") -> list[str]:
        differs = row["Native = virtual?"] == "DIFFERS"
        return [f"background-color: {palette.VERMILLION}; color: white; font-weight: bold" if differs else ""] * len(row)

    return pandas.DataFrame(rows).style.apply(paint, axis=1)
