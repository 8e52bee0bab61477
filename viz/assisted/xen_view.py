"""Builders for the Xen pages: architecture, machine frames, CPU paths, event bits and the I/O ring."""

from __future__ import annotations

import graphviz

from engine.assisted.xen import CpuState, EventState, Host, IoRingState, MemState
from viz import palette
from viz.dot import digraph, emphasis, html_escape

OWNER_COLOURS = (palette.ORANGE, palette.SKY, palette.GREEN, palette.PURPLE, palette.YELLOW, palette.BLUE)


def owner_colours(host: Host) -> dict[str, str]:
    colours = {"Xen": palette.GREY, "—": palette.WHITE}
    for i, d in enumerate(host.domains):
        colours[d.name] = OWNER_COLOURS[i % len(OWNER_COLOURS)]
    return colours


def architecture_graph(host: Host, active: str | None = None) -> graphviz.Digraph:
    """Xen on the hardware, Domain 0 with the control interface and physical drivers, Domain U guests."""
    g = digraph(rankdir="TB", nodesep="0.3")
    g.attr("node", fontsize="17")
    colours = owner_colours(host)
    ring = host.kernel_ring
    for d in host.domains:
        if d.privileged:
            text = (f"{d.name} (Domain 0)\ncontrol interface, management tools\nphysical device drivers + back ends\n"
                    f"kernel: ring {ring}")
        else:
            text = f"{d.name} (Domain U)\nXen-enabled guest OS\nfront-end drivers\napps: ring 3, kernel: ring {ring}"
        g.node(d.name, text, **emphasis(active == d.name, colours[d.name]))
    g.node("xen", "Xen hypervisor (ring 0)\nhypercalls · events · validated page tables · scheduling",
           width="7", **emphasis(active == "Xen", palette.GREY))
    g.node("hw", "Hardware: CPUs, memory (machine frames), disks, NICs", width="7", fillcolor=palette.PALE)
    for d in host.domains:
        g.edge(d.name, "xen", dir="both", label=" hypercalls / events " if d is host.domains[-1] else "")
    g.edge("xen", "hw")
    return g


def frames_graph(state: MemState) -> graphviz.Digraph:
    """Every machine frame coloured by owner; page tables marked PT; the current request's frames outlined."""
    host = state.host
    colours = owner_colours(host)
    request = state.request
    pte = request.new_pte if request else None
    marked = {request.table_frame: "PTE here"} if request else {}
    if pte is not None:
        marked[pte.frame] = "maps this"
    cells, per_row = [], 16
    for frame, owner, kind, refs in host.frame_rows():
        border = ' border="4" color="#000000"' if frame in marked else ""
        note = f"<br/><font point-size=\"11\">{marked[frame]}</font>" if frame in marked else ""
        tag = f'<br/><font point-size="11">{kind}</font>' if kind in ("PT", "Xen") else ""
        cells.append(f'<td bgcolor="{colours.get(owner, palette.WHITE)}" width="46"{border}>{frame}{tag}{note}</td>')
    rows = "".join("<tr>" + "".join(cells[i:i + per_row]) + "</tr>" for i in range(0, len(cells), per_row))
    owners = [name for name in colours if name != "—"]
    span = max(1, per_row // len(owners))
    rows += "<tr>" + "".join(f'<td colspan="{span}" bgcolor="{colours[n]}"><b>{html_escape(n)}</b></td>' for n in owners) + "</tr>"
    g = digraph()
    g.attr(label="machine frames coloured by owner (last row: legend); PT = registered page table, mapped read-only",
           labelloc="b", fontsize="14")
    g.node("frames", f'<<table border="0" cellborder="1" cellspacing="2" cellpadding="4">{rows}</table>>',
           shape="plaintext", style="", fontsize="14")
    return g


def cpu_graph(state: CpuState) -> graphviz.Digraph:
    """Ring 3 (app), the guest kernel's ring and ring 0 (Xen), the running one emphasised."""
    g = digraph(rankdir="TB")
    g.attr("node", fontsize="17", width="4.5")
    layers = (("guest app", "Guest app (ring 3)"), ("guest kernel", f"Guest kernel (ring {state.ring if state.actor == 'guest kernel' else 1})"),
              ("Xen", "Xen (ring 0)"))
    fills = {"guest app": palette.PALE, "guest kernel": palette.SKY, "Xen": palette.GREY}
    for actor, label in layers:
        text = f"{label}\n{state.handler}" if actor == state.actor else label
        g.node(actor.replace(" ", "_"), text, **emphasis(actor == state.actor, fills[actor]))
    g.edge("guest_app", "guest_kernel", style="invis")
    g.edge("guest_kernel", "Xen", style="invis")
    if state.cr2:
        g.node("cr2", f"CR2 = {state.cr2}\n(readable only in ring 0)", shape="note", fillcolor=palette.YELLOW)
        g.edge("Xen", "cr2", style="dashed", arrowhead="none")
    return g


def event_rows(state: EventState) -> list[dict[str, str]]:
    return [{"Port": str(p), "Pending": "● pending" if pending else "", "Handled": "✓" if p in state.handled else "",
             "": "◀ this event" if p == state.port else ""} for p, pending in enumerate(state.pending)]


def ring_graph(state: IoRingState) -> graphviz.Digraph:
    """The shared ring's slots with the four free-running pointers under them."""
    size = len(state.slots)
    cells = []
    for i, entry in enumerate(state.slots):
        fill = palette.WHITE if entry is None else (palette.SKY if entry.kind == "request" else palette.GREEN)
        text = " " if entry is None else f"{entry.kind}<br/>id {entry.id}"
        cells.append(f'<td bgcolor="{fill}" width="64" height="46">{text}</td>')
    pointers = []
    for i in range(size):
        names = [n for n, v in (("req_prod", state.req_prod), ("req_cons", state.req_cons), ("rsp_prod", state.rsp_prod),
                                ("rsp_cons", state.rsp_cons)) if v % size == i]
        label = f'<font point-size="12">{"<br/>".join(names)}</font>' if names else " "
        pointers.append(f'<td border="0">{label}</td>')
    table = (f'<<table border="0" cellborder="1" cellspacing="0" cellpadding="6"><tr>{"".join(cells)}</tr>'
             f'<tr>{"".join(pointers)}</tr></table>>')
    g = digraph(rankdir="TB", nodesep="0.5", ranksep="0.5")
    g.attr("node", fontsize="17")
    with g.subgraph() as top:
        top.attr(rank="same")
        top.node("front", f"Guest front end\n({'blkfront' if state.kind == 'block' else 'netfront'})",
                 **emphasis(state.actor == "guest front end", palette.SKY))
        top.node("xen", "Xen:\nevent channels", **emphasis(state.actor == "Xen", palette.PALE))
        top.node("back", f"Dom0 back end\n({'blkback' if state.kind == 'block' else 'netback'})",
                 **emphasis(state.actor == "Dom0 back end", palette.ORANGE))
    g.node("ring", table, shape="plaintext", style="")
    g.node("device", "physical device\n(real driver in Dom0)", **emphasis(state.actor == "device", palette.GREY))
    g.edge("front", "xen", style="dashed", label=" notify ")
    g.edge("xen", "back", style="dashed", label=" notify ")
    g.edge("front", "ring", label=" requests ")
    g.edge("back", "ring", label=" responses ")
    g.edge("back", "device")
    return g
