"""DOT diagram of a type I or type II stack with the current hop of the disk read."""

from __future__ import annotations

import graphviz

from engine.virtualizability.vmm_stack import PRIVILEGE_CROSSING, PathScenario, StackState
from viz import palette
from viz.dot import digraph, emphasis

FILLS = {"app": palette.PALE, "guest_os": palette.SKY, "vmm": palette.ORANGE, "host_os": palette.GREEN, "hw": palette.GREY}


def stack_graph(design: PathScenario, state: StackState) -> graphviz.Digraph:
    g = digraph(rankdir="TB")
    g.attr("node", fontsize="18")
    g.attr("edge", fontsize="18")
    with g.subgraph(name="cluster_vm") as vm:
        vm.attr(label="VM 1", style="rounded,dashed", color="#666666", fontsize="14")
        for layer in design.layers[:2]:
            vm.node(layer.id, f"{layer.label}\n{layer.detail}", **emphasis(layer.id == state.at, FILLS[layer.id]))
    g.node("vm2", "VM 2 … VM n\n(waiting)", fillcolor=palette.WHITE, color="#999999", style="rounded,dashed", fontcolor="#666666")
    for layer in design.layers[2:]:
        g.node(layer.id, f"{layer.label}\n{layer.detail}", width="4", **emphasis(layer.id == state.at, FILLS[layer.id]))
    ids = [layer.id for layer in design.layers]
    for upper, lower in zip(ids, ids[1:]):
        g.edge(upper, lower, style="invis", weight="10")
    g.edge("vm2", ids[2], style="invis")
    if state.previous is not None and state.hop is not None:
        crossing = state.hop in PRIVILEGE_CROSSING
        g.edge(state.previous, state.at, label=f" {state.hop} ", color=palette.TRAP if crossing else palette.BLUE,
               fontcolor=palette.TRAP if crossing else palette.BLUE, penwidth="3.5",
               style="bold" if crossing else "dashed", constraint="false")
    return g


def step_listing(design: PathScenario, current: int) -> str:
    """The scenario's steps as a numbered list, with an arrow at the current one."""
    return "\n".join(f"{'➜' if i == current else ' '} {i + 1:>2}  {step.event}" for i, step in enumerate(design.steps))
