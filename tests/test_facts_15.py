"""Facts of issue 15 (Fidelity): each test pins one fact and the sources.toml entry it comes from."""

from __future__ import annotations

import re

import pytest

from engine.core.lessons import LESSONS_DIR
from engine.core.sources import load_sources

SOURCES = {s.id: s for s in load_sources(LESSONS_DIR / "sources.toml")}


def lesson(path: str) -> str:
    return (LESSONS_DIR / path).read_text(encoding="utf-8")


def cited(source_id: str, *words: str) -> None:
    """The entry exists and its figure says the fact (so the sources file and the code cannot drift apart)."""
    assert source_id in SOURCES, source_id
    text = (SOURCES[source_id].figure + " " + (SOURCES[source_id].note or "")).lower()
    for word in words:
        assert word.lower() in text, (source_id, word)


# ------------------------------------------------------------------------------- inter-AZ transfer, out and in

def test_one_way_between_zones_pays_out_and_in():
    from engine.ec2 import regions, transfer
    from engine.quizgen.cloud import transfer_question

    cited("inter-az-both-ends", "$0.01/GB out of the sending zone", "$0.01/GB into the receiving zone", "$0.02")
    geo, fees = regions.shipped(), transfer.shipped()
    assert fees.inter_az == 0.01 and fees.inter_az_one_way == pytest.approx(0.02)
    lines = transfer.quote(geo, fees, "us-east-1a", "us-east-1b", 100)
    assert [line.per_gb for line in lines] == [0.01, 0.01]
    assert "out of us-east-1a" in lines[0].what and "into us-east-1b" in lines[1].what
    assert sum(line.cost for line in lines) == pytest.approx(2.0)  # 100 GB one way: about $0.02/GB
    # the generator's answers follow the engine: every inter-AZ variant costs $0.02/GB
    inter_az = [q for q in map(lambda seed: transfer_question(seed, {}), range(60)) if "charged twice for one transfer" in q.explanation]
    assert inter_az
    for q in inter_az:
        gb = float(re.search(r"sends ([\d,]+) GB", q.prompt).group(1).replace(",", ""))
        assert q.value == pytest.approx(0.02 * gb)
        assert "again into the receiving one" in q.prompt
    text = lesson("2.5/regions.md")
    assert "**out** of the sending zone" in text and "**into** the receiving zone" in text and "about **$0.02**" in text


def test_regions_page_fee_table_lists_both_ends():
    from tests.test_pages import open_page

    at = open_page("pages/s25_regions.py")
    rows = [r for t in at.table for r in t.value.to_dict("records")]
    traffic = [str(r.get("traffic")) for r in rows]
    assert any("out of the sending zone" in t for t in traffic)
    assert any("into the receiving zone" in t and "$0.02/GB" in t for t in traffic)


# ------------------------------------------------------------------------------- VT-x latency: an exit, not a round trip

def test_vtx_latency_is_a_page_fault_exit_and_the_entry_is_not_charged():
    from engine.assisted import vmx

    cited("vmexit-latency", "page-fault vm exit", "not an exit-plus-entry round trip", "1931", "2409")
    assert vmx.LATENCY["Prescott"] == 1926 and "page fault" in vmx.LATENCY_MEANS and "not" in vmx.LATENCY_MEANS
    trace = vmx.simulate(vmx.parse_controls(vmx.EPT_CONTROLS), "cpuid", "Haswell")
    handle = next(f for f in trace if f.event.startswith("VMM handles"))
    assert "512 cycles of hardware (Haswell, a page-fault VM exit)" in handle.explanation
    assert "does not charge the VM entry" in handle.explanation and "round trip" not in handle.explanation
    text = lesson("2.3/vtx.md")
    assert "not a round trip" in text and "exit + handling +\nentry" in text
    page = open("pages/s23_vtx.py", encoding="utf-8").read()
    assert "hardware round trip" not in page and "the VM entry back is not charged" in page


# ------------------------------------------------------------------------------- Xen: the syscall shortcut is 32-bit only

def test_syscall_skips_xen_only_in_32_bit_pv_guests():
    import tomllib

    from engine.assisted import compare, xen

    cited("xen-syscall-x86-64", "32-bit pv guests", "on x86-64", "enters xen first")
    syscall, fault = xen.syscall_vs_pagefault()
    assert syscall[-1].counters["xen_entries"] == 0  # the modelled guest is 32-bit (ring 1)
    assert "32-bit" in syscall[0].event and "x86-64" in syscall[1].explanation and "enters Xen first" in syscall[1].explanation
    assert "32-bit" in fault[-1].explanation
    assert "32-bit" in compare.INTERVENTIONS["pv"]["syscall"][1] and "64-bit" in compare.INTERVENTIONS["pv"]["syscall"][1]
    assert "every system call enters Xen first" in xen.SIMPLIFICATIONS
    text = lesson("2.3/xen.md")
    assert "holds for **32-bit** guests" in text and "**every** system call of a 64-bit PV guest enters Xen first" in text
    bank = tomllib.loads(lesson("2.3/quiz.toml"))["question"]
    for q in bank:  # wherever the bank says a system call goes without Xen, it says for which guests
        for text in [*q.get("options", []), *q.get("solution", []), q.get("explanation", ""), *q.get("why_not", {}).values()]:
            if "without Xen" in text and "system call" in text.lower():
                assert "32-bit" in text, (q["id"], text)
    tour = lesson("tour.toml")
    assert "A system call skips Xen" not in tour and "A 32-bit guest's system call skips Xen" in tour


# ------------------------------------------------------------------------------- Compare: no negative or fake-zero cost

def test_compare_costs_are_never_negative_and_unknown_never_reads_zero():
    from engine.assisted import compare

    cited("compare-port-io", "emulation path", "does not subtract", "18.3 m")
    for r in compare.table():
        assert r.overhead_cycles >= 0, r
        text = compare.cost_text(r)
        assert not text.startswith(("-", "0.0")), (r, text)
        if r.unknown_events:
            assert text.endswith("unknown"), (r, text)
        else:
            assert "unknown" not in text
    io_bt = next(r for r in compare.table() if (r.workload, r.technique) == ("io", "bt"))
    assert io_bt.overhead_cycles == 5_000 * 2_000 + 500 * 390 + 500 * (3927 - 1093) + 10_000 * 214  # 13.8 M, was -18.3 M
    assert compare.cycles_text(40_000) == "40.0 k" and compare.cycles_text(12) == "12" and compare.cycles_text(0) == "0"
    page = open("pages/s23_compare.py", encoding="utf-8").read()
    assert "negative number" not in page and "compare.cost_text(r)" in page


# ------------------------------------------------------------------------------- ARMv7 MRS: UNKNOWN mode bits in User mode

def test_armv7_mrs_does_not_show_the_real_mode():
    cited("armv7-critical", "mrs reads the cpsr without trapping", "unknown")
    program = lesson("2.1/programs.toml")
    block = program[program.index('id = "armv7-cps"'):].split("[[program]]")[0]
    assert "shows the real mode" not in block and "show User" not in block
    assert "UNKNOWN" in block and block.count("MRS") >= 2
    assert "MRS reveals the mode" not in lesson("isas/30-armv7.toml")
    assert "UNKNOWN" in lesson("isas/30-armv7.toml").split("summary = ", 1)[1].split("\n", 1)[0]


# ------------------------------------------------------------------------------- 2.4 wording: pinning and Credit shares

def test_pinning_is_a_static_assignment_that_may_be_shared():
    import tomllib

    cited("vcpu-pinning", "static assignment", "pinned to the same core")
    text = lesson("2.4/resources.md")
    assert "owns a core" not in text and "**statically assigned** to a core" in text and "the **same** core" in text
    bank = {q["id"]: q for q in tomllib.loads(lesson("2.4/quiz.toml"))["question"]}
    for q in bank.values():
        for value in [q.get("explanation", ""), *q.get("why_not", {}).values()]:
            assert "own their cores" not in value and "A pinned core is not shared" not in value, q["id"]
    assert "keeps every other vCPU off those 4" in bank["pinning-price"]["prompt"]


def test_credit_shares_go_by_weight_times_active_vcpus():
    import tomllib

    cited("credit-weight-cap", "same number of vcpus", "all busy", "no cap")
    cited("credit-accounting", "weight times active vcpus")
    text = lesson("2.4/scheduling.md")
    assert "**weight × active vCPUs**" in text and "**same number of vCPUs**, **all busy**, and **no cap**" in text
    bank = {q["id"]: q for q in tomllib.loads(lesson("2.4/quiz.toml"))["question"]}
    for qid in ("credit-weight-share", "credit-default-weight"):
        assert "active vCPUs" in bank[qid]["explanation"] and "single-vCPU" in bank[qid]["prompt"]
    assert "weight × active vCPUs" in lesson("tour.toml")


# ------------------------------------------------------------------------------- binary translation: one wording, VMware box

def test_bt_has_one_wording_for_critical_instructions_and_a_vmware_box():
    import tomllib

    cited("vmware-bt-design", "only guest kernel code", "privileged instructions", "telling code from data")
    text = lesson("2.2/binary_translation.md")
    assert "replace them with an exception, so that they" not in text
    assert "**replace them so that they hand control to the VMM**" in text
    box = text[text.index("> **How VMware's binary translation differs"):]
    assert "**Only guest kernel code is translated.**" in box and "**Privileged instructions are translated too**" in box
    for reason in ("**data is mixed with code**", "**indirect jumps and calls**", "**self-modifying and run-time generated code**"):
        assert reason in text
    bank = {q["id"]: q for q in tomllib.loads(lesson("2.2/quiz.toml"))["question"]}
    assert "data is mixed with code" in bank["bt-why-runtime"]["explanation"]
    for q in bank.values():  # the bank says what happens to a critical instruction in the lesson's words
        for value in [q.get("explanation", ""), *q.get("options", []), *q.get("solution", [])]:
            assert "replaced with an exception" not in value and "replace them with an exception" not in value


# ------------------------------------------------------------------------------- 2.5 wording: t2 compute units, Schad et al.

def test_t2_compute_units_are_the_lectures_not_aws_figures():
    cited("t2-compute-units", "not aws figures", "1 jul 2014")
    assert "**compute units in the lecture's t2 table (1, 2, 4, 8) are not AWS figures**" in lesson("2.5/instance_types.md")
    assert "not AWS figures" in lesson("2.5/instance_types.toml")


def test_schad_attribute_the_bands_to_system_types_as_a_belief():
    import tomllib

    from engine.quizgen.cloud import histogram_question

    cited("schad-variance", "we believe", "not proven")
    text = lesson("2.5/variance.md")
    assert "the bands correspond to" not in text and "**we believe**" in text
    bank = tomllib.loads(lesson("2.5/quiz.toml"))["question"]
    assert not [q["id"] for q in bank if "which correspond to different physical system types" in q.get("explanation", "")]
    assert "the authors believe" in histogram_question(1, {}).explanation


# ------------------------------------------------------------------------------- CR0.WP and MMIO

def test_kernel_writes_to_read_only_pages_fault_only_with_cr0_wp():
    cited("cr0-wp", "only when cr0.wp = 1", "keeps the real cr0.wp = 1")
    assert "a **kernel** (supervisor) write faults only when **CR0.WP = 1**" in lesson("2.2/paging.md")
    assert "**CR0.WP = 1**" in lesson("2.2/shadow.md") and "CR0.WP = 1" in lesson("2.3/ept.md")


def test_mmio_stands_beside_port_io():
    from engine.assisted import compare, vmx

    cited("mmio-port-io", "memory-mapped i/o", "ept violation (48)", "misconfiguration (49)")
    assert "**memory-mapped registers (MMIO)**" in lesson("2.2/io_levels.md") and "**port I/O**" in lesson("2.2/io_levels.md")
    assert "| MMIO:" in lesson("2.3/vtx.md") and "48 EPT violation or 49 EPT misconfiguration" in lesson("2.3/vtx.md")
    assert vmx.exit_name(48) == "EPT violation" and vmx.exit_name(49) == "EPT misconfiguration"
    assert "MMIO" in compare.MMIO_NOTE and "compare.MMIO_NOTE" in open("pages/s23_compare.py", encoding="utf-8").read()
