"""VT-x engine: control bits and exit reasons pinned against sources.toml (vmx-controls, vmx-exit-reasons), exits decided by the VMCS, tagged TLB, IOMMU."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.assisted.vmx import (
    EPT_CONTROLS, EXIT_REASONS, FIELDS, LATENCY, PAGE_TABLE_WORKLOAD, PIN_CONTROLS, PRESETS, PRIMARY_CONTROLS,
    SECONDARY_CONTROLS, SHADOW_CONTROLS, UNCONDITIONAL, Vmcs, VmxError, assign_vpids, control_rows, controls_text,
    dma_flow, exit_summary, lint, parse_controls, parse_workload, simulate, tagged_tlb, tagged_tlb_trace,
    vmcs_from_rows,
)

NONE = Vmcs()  # no controls at all: only unconditional exits remain
EPT = parse_controls(EPT_CONTROLS)
SHADOW = parse_controls(SHADOW_CONTROLS)


def exits(trace):
    return [(f.state.line, f.state.vmcs.exit_info.reason) for f in trace if f.state.phase == "exit"]


def test_control_bits_match_facts():
    assert {n: PRIMARY_CONTROLS[n] for n in ("HLT exiting", "INVLPG exiting", "CR3-load exiting", "CR3-store exiting",
                                             "unconditional I/O exiting", "use I/O bitmaps", "use MSR bitmaps",
                                             "activate secondary controls")} == {
        "HLT exiting": 7, "INVLPG exiting": 9, "CR3-load exiting": 15, "CR3-store exiting": 16,
        "unconditional I/O exiting": 24, "use I/O bitmaps": 25, "use MSR bitmaps": 28, "activate secondary controls": 31}
    assert SECONDARY_CONTROLS["enable EPT"] == 1 and SECONDARY_CONTROLS["enable VPID"] == 5
    assert SECONDARY_CONTROLS["unrestricted guest"] == 7
    assert PIN_CONTROLS["external-interrupt exiting"] == 0 and PIN_CONTROLS["NMI exiting"] == 3
    assert (FIELDS["PIN_BASED_VM_EXEC_CONTROL"], FIELDS["CPU_BASED_VM_EXEC_CONTROL"], FIELDS["EXCEPTION_BITMAP"],
            FIELDS["SECONDARY_VM_EXEC_CONTROL"]) == (0x4000, 0x4002, 0x4004, 0x401E)
    assert len(set(PRIMARY_CONTROLS.values())) == len(PRIMARY_CONTROLS)  # no two names on one bit


def test_exit_reasons_match_facts():
    pinned = {0: "Exception or NMI", 1: "External interrupt", 10: "CPUID", 12: "HLT", 14: "INVLPG",
              28: "Control-register access", 30: "I/O instruction", 31: "RDMSR", 32: "WRMSR", 48: "EPT violation",
              49: "EPT misconfiguration", 55: "XSETBV", 18: "VMCALL", 64: "XRSTORS"}
    assert {n: EXIT_REASONS[n] for n in pinned} == pinned
    assert not {35, 38, 42} & EXIT_REASONS.keys()  # unused numbers (sources.toml: vmx-exit-reasons)
    assert set(range(65)) - {35, 38, 42} <= EXIT_REASONS.keys()
    assert {m: UNCONDITIONAL[m] for m in ("cpuid", "getsec", "invd", "xsetbv", "vmcall", "invept", "invvpid")} == {
        "cpuid": 10, "getsec": 11, "invd": 13, "xsetbv": 55, "vmcall": 18, "invept": 50, "invvpid": 53}
    assert len(UNCONDITIONAL) == 14
    assert LATENCY["Prescott"] == 1926 and LATENCY["Ivy Bridge"] == 466 and LATENCY["Broadwell"] == 531


def test_vmcs_words_have_the_bits_at_their_positions():
    vmcs = parse_controls("primary: HLT exiting, bit 25, activate secondary controls\nsecondary: enable EPT\n"
                          "pin: external-interrupt exiting\nexceptions: #PF, 6")
    assert vmcs.word("primary") == (1 << 7) | (1 << 25) | (1 << 31)
    assert vmcs.word("secondary") == 0b10 and vmcs.word("pin") == 1
    assert vmcs.exception_bitmap == (1 << 14) | (1 << 6) and vmcs.ept


@pytest.mark.parametrize("vmcs", [NONE, SHADOW, EPT, parse_controls("primary: " + ", ".join(PRIMARY_CONTROLS))])
def test_unconditional_exits_ignore_the_controls(vmcs):
    workload = "\n".join(UNCONDITIONAL)
    assert [r for _, r in exits(simulate(vmcs, workload))] == list(UNCONDITIONAL.values())


def test_hlt_exits_only_with_hlt_exiting():
    assert exits(simulate(NONE, "hlt")) == []
    assert exits(simulate(parse_controls("primary: HLT exiting"), "hlt")) == [(1, 12)]
    assert "HLT exiting (primary bit 7) is 0" in simulate(NONE, "hlt")[2].explanation


def test_conditional_instructions_follow_their_controls():
    workload = "mov cr3, eax\nmov eax, cr3\ninvlpg 0x1000\nrdtsc\nmov cr4, eax\nexternal interrupt\nnmi\n#GP\nlgdt\nwbinvd"
    assert exits(simulate(NONE, workload)) == []
    full = parse_controls("primary: CR3-load exiting, CR3-store exiting, INVLPG exiting, RDTSC exiting, "
                          "activate secondary controls\nsecondary: descriptor-table exiting, WBINVD exiting\n"
                          "pin: external-interrupt exiting, NMI exiting\nexceptions: #GP\ncr4 mask: 0x2000")
    assert [r for _, r in exits(simulate(full, workload))] == [28, 28, 14, 16, 28, 1, 0, 0, 46, 54]


def test_io_bitmap_selects_ports():
    vmcs = parse_controls("primary: use I/O bitmaps, unconditional I/O exiting\nio: 0x60, 0x3f8-0x3ff")
    trace = simulate(vmcs, "in al, 0x60\nout 0x80, al\nout 0x3fc, al\nin ax, 0x64")
    assert exits(trace) == [(1, 30), (3, 30)]  # the bitmap wins over unconditional I/O exiting
    assert trace[2].state.vmcs.exit_info.qualification == "IN, 1 byte, port 0x60, immediate operand"
    assert exits(simulate(parse_controls("primary: unconditional I/O exiting"), "out 0x80, al")) == [(1, 30)]
    assert exits(simulate(NONE, "out 0x80, al")) == []


def test_msr_bitmap():
    assert [r for _, r in exits(simulate(NONE, "rdmsr 0x10\nwrmsr 0x1b"))] == [31, 32]  # no bitmap: all exit
    vmcs = parse_controls("primary: use MSR bitmaps\nmsr write: 0x1b")
    assert exits(simulate(vmcs, "rdmsr 0x1b\nwrmsr 0x1b\nrdmsr 0x10\nrdmsr 0x40000000")) == [(2, 32), (4, 31)]


def test_ept_removes_paging_exits_but_first_touches_violate():
    trace = simulate(EPT, PAGE_TABLE_WORKLOAD)
    assert {r for _, r in exits(trace)} == {48}
    violations = [f.state.vmcs.exit_info.guest_physical for f in trace if f.state.phase == "exit"]
    assert violations == [0x3000, 0x10000, 0x11000, 0x20000]  # one per page, on its first touch
    shadow = simulate(SHADOW, PAGE_TABLE_WORKLOAD)
    assert {r for _, r in exits(shadow)} == {0, 14, 28}
    assert shadow[-1].counters["vm_exits"] > trace[-1].counters["vm_exits"]
    assert lint(EPT) == () and lint(SHADOW) == ()
    assert "KVM clears it" in lint(parse_controls(EPT_CONTROLS + "\nprimary: CR3-load exiting"))[0]


def test_entries_counters_and_cycles():
    trace = simulate(parse_controls("primary: HLT exiting"), "add x1000\ncpuid x3\nhlt", "Penryn")
    last = trace[-1].counters
    assert (last["vm_exits"], last["vm_entries"], last["exit_10"], last["exit_12"]) == (4, 5, 3, 1)
    assert last["cycles"] == 4 * (858 + 1000)
    assert [f.state.phase for f in trace] == ["setup", "launch", "guest", "exit", "handle", "entry", "repeat", "exit",
                                              "handle", "entry", "done"]
    assert "VMLAUNCH" in trace[1].event and "VMRESUME" in trace[5].event and "×1000" in trace[2].event
    assert [f.state.mode for f in trace[3:6]] == ["root", "root", "non-root"]
    assert "saves the guest state" in trace[3].explanation and "loads the host state" in trace[3].explanation
    assert exit_summary(trace) == [{"reason": 10, "name": "CPUID", "count": 3, "cycles": 3 * 1858},
                                   {"reason": 12, "name": "HLT", "count": 1, "cycles": 1858}]
    assert simulate(NONE, "cpuid", handling_cycles=0)[-1].counters["cycles"] == LATENCY["Haswell"]


def test_presets_run_and_tell_their_story():
    shadow, ept = PRESETS["shadow-paging"].run(), PRESETS["ept-on"].run()
    assert shadow[-1].counters["vm_exits"] == 16 and ept[-1].counters["vm_exits"] == 4
    cpuid = PRESETS["cpuid-hlt"].run()[-1].counters
    assert cpuid["exit_10"] == 10 and "exit_12" not in cpuid
    assert PRESETS["io-heavy"].run()[-1].counters["exit_30"] == 240


def test_rows_round_trip_and_show_six_areas():
    rows = control_rows(SHADOW)
    assert {r["area"] for r in rows} == {"guest state", "host state", "execution controls", "exit controls",
                                         "entry controls", "exit information"}
    hlt = next(r for r in rows if r["name"] == "HLT exiting")
    assert hlt == {"area": "execution controls", "field": "CPU_BASED_VM_EXEC_CONTROL", "encoding": "0x4002", "bit": 7,
                   "name": "HLT exiting", "value": "1"}
    assert next(r for r in rows if r["name"] == "#PF")["bit"] == 14
    assert vmcs_from_rows(rows) == SHADOW
    assert parse_controls(controls_text(SHADOW)) == SHADOW and parse_controls(controls_text(EPT)) == EPT
    exited = simulate(NONE, "cpuid")[2].state.vmcs
    assert next(r for r in control_rows(exited) if r["field"] == "VM_EXIT_REASON")["value"] == "10 CPUID"


@pytest.mark.parametrize("text, message", [
    ("primary: HLT exitting", "line 1: unknown primary control 'HLT exitting'"),
    ("primary: bit 32", "line 1: primary bit 32 is out of range 0–31"),
    ("primary: bit 0", "line 1: primary bit 0 is not a control this model knows"),
    ("\nio: 0x10000", "line 2: port 0x10000 is out of range 0–0xffff"),
    ("io: 0x70-0x60", "line 1: port range 0x70-0x60 runs backwards"),
    ("io: sixty", "line 1: port 'sixty' is not a number"),
    ("secondary: enable EPT", "line 1: secondary controls \\(enable EPT\\) are set but 'activate secondary controls' "
                              "\\(primary bit 31\\) is 0"),
    ("primary: activate secondary controls\nsecondary: enable VPID", "VPID is 0, which is reserved for the VMM"),
    ("vpid: 65536", "line 1: VPID 65536 is out of range"),
    ("exceptions: 32", "line 1: exception vector 32 is out of range"),
    ("primary HLT exiting", "line 1: 'primary HLT exiting' needs the form 'field: value'"),
    ("tertiary: x", "line 1: unknown VMCS field 'tertiary'"),
    ("msr read: 0x100000000", "line 1: MSR 0x100000000 is out of range"),
])
def test_bad_controls_raise_vmx_errors(text, message):
    with pytest.raises(VmxError, match=message):
        parse_controls(text)


def test_bad_rows_raise_vmx_errors():
    rows = control_rows(NONE)
    index = next(i for i, r in enumerate(rows) if r["name"] == "HLT exiting")
    rows[index] = {**rows[index], "value": "maybe"}
    with pytest.raises(VmxError, match=f"row {index + 1} \\(CPU_BASED_VM_EXEC_CONTROL HLT exiting\\): a control bit is 1 or 0"):
        vmcs_from_rows(rows)


@pytest.mark.parametrize("text, message", [
    ("", "workload: give at least one guest instruction"),
    ("cpiud", "line 1: unknown guest instruction or event 'cpiud'"),
    ("add\nadd x0", "line 2: repetition x0 is out of range"),
    ("in al, 0x10000", "line 1: port 0x10000 is out of range"),
    ("in bl, 0x60", "line 1: IN moves AL, AX or EAX"),
    ("out dx, al", "line 1: give the port as a number"),
    ("in al", "line 1: write 'in al, 0x60'"),
    ("rdmsr", "line 1: name the MSR"),
    ("mov cr5, eax", "line 1: there is no control register CR5"),
    ("mov dr9, eax", "line 1: there is no debug register DR9"),
    ("mov cr3", "line 1: write 'mov cr3, eax'"),
    ("#XY", "line 1: unknown exception '#xy'"),
    ("load", "line 1: give one guest-physical address"),
    ("add\n" * 201, "workload: 201 lines; at most 200"),
])
def test_bad_workloads_raise_vmx_errors(text, message):
    with pytest.raises(VmxError, match=message):
        parse_workload(text)


def test_bad_generation_and_handling():
    with pytest.raises(VmxError, match="generation 'Skylake' is not one of Prescott"):
        simulate(NONE, "add", "Skylake")
    with pytest.raises(VmxError, match="handling_cycles must be a whole number of at least 0"):
        simulate(NONE, "add", handling_cycles=-1)


def test_simulation_is_deterministic():
    a, b = PRESETS["shadow-paging"].run(), PRESETS["shadow-paging"].run()
    assert [(f.state, f.caption, dict(f.counters)) for f in a] == [(f.state, f.caption, dict(f.counters)) for f in b]


# --------------------------------------------------------------------------- tagged TLB

def test_vpid_zero_is_never_given_to_a_guest():
    assert assign_vpids(3) == (1, 2, 3)
    assert 0 not in assign_vpids(65535) and len(assign_vpids(65535)) == 65535
    for bad in (0, 65536):
        with pytest.raises(VmxError, match="vm_count must be between 1 and 65535"):
            assign_vpids(bad)
    trace = tagged_tlb_trace([1, 2], 3, 4, 16, True)
    assert {f.state.vpid for f in trace if f.state.running != "VMM"} == {1, 2, 3}
    assert {f.state.vpid for f in trace if f.state.running == "VMM"} == {0}


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 20), min_size=1, max_size=40), st.integers(1, 4), st.integers(0, 8), st.integers(1, 32),
       st.sampled_from(["LRU", "FIFO", "random"]), st.integers(0, 3))
def test_tagged_hit_rate_is_at_least_untagged(pages, vms, switches, entries, policy, seed):
    untagged = tagged_tlb(pages, vms, switches, entries, False, seed, policy)
    tagged = tagged_tlb(pages, vms, switches, entries, True, seed, policy)
    assert tagged.accesses == untagged.accesses
    if policy == "LRU":  # LRU's stack property guarantees it; FIFO and random can lose (see the test below)
        assert tagged.hit_rate >= untagged.hit_rate
    assert tagged.flushes == 0 and untagged.flushes == 2 * switches
    assert tagged.walk_references == tagged.misses * 24


def test_fifo_anomaly_tagged_can_lose():
    """Old entries at the head of a FIFO queue can push out fresh ones (a Belady-style anomaly), hence LRU above."""
    pages = [0, 4, 0, 2, 1, 4, 0]
    assert tagged_tlb(pages, 1, 4, 3, True, policy="FIFO").hits < tagged_tlb(pages, 1, 4, 3, False, policy="FIFO").hits
    assert tagged_tlb(pages, 1, 4, 3, True).hits >= tagged_tlb(pages, 1, 4, 3, False).hits


def test_tagged_tlb_keeps_entries_across_switches():
    pages = list(range(8))
    untagged = tagged_tlb(pages * 4, 2, 5, 64, False)
    tagged = tagged_tlb(pages * 4, 2, 5, 64, True)
    assert untagged.misses == 6 * 8 + 5 * 2  # every turn starts cold, so does the VMM
    assert tagged.misses == 2 * 8 + 2  # each VM's pages and the VMM's, once
    assert tagged.hit_rate > untagged.hit_rate
    trace = tagged_tlb_trace(pages, 2, 1, 64, False)
    assert [f.state.event for f in trace].count("flush") == 2 and trace[-1].counters["misses"] == 8 + 2 + 8
    assert tagged_tlb(pages, 2, 3, 4, True, seed=7, policy="random") == tagged_tlb(pages, 2, 3, 4, True, seed=7, policy="random")


@pytest.mark.parametrize("args, message", [
    (([], 2, 1, 8, True), "workload: give at least one guest page number"),
    (([-1], 2, 1, 8, True), "every page number must be a whole number"),
    (([1], 2, -1, 8, True), "switches must be a whole number of at least 0"),
    (([1], 2, 1, 0, True), "tlb_entries must be a whole number of at least 1"),
])
def test_bad_tagged_tlb_settings(args, message):
    with pytest.raises(VmxError, match=message):
        tagged_tlb(*args)
    with pytest.raises(VmxError, match="policy 'MRU' is not one of"):
        tagged_tlb([1], 1, 0, 1, True, policy="MRU")
    with pytest.raises(VmxError, match="more than 500 events"):
        tagged_tlb_trace(list(range(600)), 1, 0, 8, True)
    with pytest.raises(VmxError, match="more than 2,000,000 accesses"):
        tagged_tlb(list(range(1000)), 1, 2000, 8, True)


# --------------------------------------------------------------------------- IOMMU

def test_iommu_blocks_cross_domain_dma():
    blocked = dma_flow("VM1", "VM2", iommu_on=True)
    assert blocked[-1].state.outcome == "blocked" and blocked[-1].counters["iommu_faults"] == 1
    assert all(r.status == "untouched" for r in blocked[-1].state.regions)
    corrupted = dma_flow("VM1", "VM2", iommu_on=False)[-1]
    assert corrupted.state.outcome == "corrupted" and corrupted.counters["corruptions"] == 1
    assert {r.owner: r.status for r in corrupted.state.regions}["VM2"] == "corrupted"
    assert "correctness & isolation" in corrupted.explanation


def test_iommu_translates_own_dma_and_without_it_guest_physical_is_wrong():
    own = dma_flow("VM2", "VM2", True)[-1].state
    assert own.outcome == "delivered" and own.host_address == 0x202000
    assert {r.owner: r.status for r in own.regions}["VM2"] == "written"
    wrong = dma_flow("VM2", "VM2", False)[-1].state
    assert wrong.outcome == "corrupted" and {r.owner: r.status for r in wrong.regions}["VMM"] == "corrupted"
    with pytest.raises(VmxError, match="device_owner 'VM3' is not one of VM1, VM2"):
        dma_flow("VM3", "VM1", True)
    with pytest.raises(VmxError, match="target_domain 'dom0' is not one of VM1, VM2"):
        dma_flow("VM1", "dom0", True)
