"""Nested paging: the (n+1)(m+1) − 1 formula (sources.toml: nested-walk), the reference-by-reference walk, shadow vs EPT exits."""

import pytest

from engine.assisted.nested_paging import level_names, nested_walk, references, shadow_vs_ept_exits, walk_order
from engine.assisted.vmx import PAGE_TABLE_WORKLOAD, VmxError, parse_controls


def test_formula_matches_facts():
    assert references(4, 4) == 24 and references(5, 5) == 35 and references(4, 5) == 29


@pytest.mark.parametrize("n", range(1, 6))
@pytest.mark.parametrize("m", range(1, 6))
def test_walk_has_exactly_the_formula_many_reference_frames(n, m):
    trace = nested_walk(n, m)
    refs = [f for f in trace if f.state.phase == "ref"]
    assert len(refs) == references(n, m) == n * m + n + m
    assert trace[-1].counters["references"] == references(n, m)
    assert trace[-1].counters["guest_references"] == n and trace[-1].counters["host_references"] == (n + 1) * m
    assert [f.state.current.number for f in refs] == list(range(1, references(n, m) + 1))


def test_every_reference_is_labelled_in_hardware_order():
    labels = [r.label for r in walk_order(4, 4)]
    assert labels[:6] == ["host walk of gCR3 level 4", "host walk of gCR3 level 3", "host walk of gCR3 level 2",
                          "host walk of gCR3 level 1", "gL4 entry read", "host walk of gL4 entry level 4"]
    assert labels[19] == "gL1 entry read" and labels[-1] == "host walk of gPA level 1"
    assert len(set(labels)) == 24
    trace = nested_walk(4, 4)
    assert "guest PML4" not in trace[1].explanation and "PML4" in trace[1].explanation
    assert "(4+1)(4+1) − 1 = 24" in trace[-1].explanation
    assert level_names(5)[0] == "PML5" and level_names(2) == ("PD", "PT")


@pytest.mark.parametrize("n, m", [(0, 4), (4, 6), (2.0, 4), (True, 3)])
def test_bad_levels_raise(n, m):
    with pytest.raises(VmxError, match="must be a whole number from 1 to 5"):
        references(n, m)
    with pytest.raises(VmxError, match="must be a whole number from 1 to 5"):
        nested_walk(n, m)


def test_shadow_needs_page_table_exits_and_ept_only_first_touches():
    rows = {r["cause"]: (r["shadow"], r["ept"]) for r in shadow_vs_ept_exits(PAGE_TABLE_WORKLOAD)}
    assert rows["guest CR3 writes"] == (2, 0)
    assert rows["guest PTE writes"] == (9, 0)
    assert rows["hidden page faults"] == (3, 0)
    assert rows["EPT violations"] == (0, 4)
    assert rows["total"] == (16, 4)
    assert shadow_vs_ept_exits("add x10")[-1] == {"cause": "total", "shadow": 0, "ept": 0}
    assert shadow_vs_ept_exits("cpuid")[-2] == {"cause": "other exits", "shadow": 1, "ept": 1}


def test_shadow_vs_ept_rejects_swapped_vmcs():
    ept = parse_controls("primary: activate secondary controls\nsecondary: enable EPT")
    with pytest.raises(VmxError, match="shadow: this VMCS enables EPT"):
        shadow_vs_ept_exits("add", shadow=ept)
    with pytest.raises(VmxError, match="ept: this VMCS does not enable EPT"):
        shadow_vs_ept_exits("add", ept=parse_controls("primary: HLT exiting"))


def test_walk_is_deterministic():
    assert [f.caption for f in nested_walk(3, 5)] == [f.caption for f in nested_walk(3, 5)]
