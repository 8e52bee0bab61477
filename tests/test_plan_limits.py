"""The resource plan's size is bounded and its refusals are summarised (issue 15: 10,000 lines drew 10,000 boxes)."""

from __future__ import annotations

import pytest

from engine.sharing.partition import MAX_PLAN_OPERATIONS, PartitionError, parse_plan, refusal_summary, replay

HOST = "host disk=10 mem=4 pcpus=2\n"


def test_a_plan_has_at_most_max_operations():
    ok = HOST + "\n".join(f"remove vm{i}" for i in range(MAX_PLAN_OPERATIONS))
    assert len(parse_plan(ok).operations) == MAX_PLAN_OPERATIONS
    with pytest.raises(PartitionError, match=f"line {MAX_PLAN_OPERATIONS + 2}: the plan has more than "
                                             f"{MAX_PLAN_OPERATIONS} operations"):
        parse_plan(HOST + "\n".join(f"remove vm{i}" for i in range(10_000)))


def test_up_to_three_refusals_are_shown_each_and_more_are_summarised():
    three = replay(parse_plan(HOST + "\n".join(f"vm{i} disk=100 mem=1 vcpus=1" for i in range(3))), "pinned")
    assert len(refusal_summary(three)) == 3
    many = replay(parse_plan(HOST + "\n".join(f"vm{i} disk=100 mem=1 vcpus=1" for i in range(37))), "pinned")
    (summary,) = refusal_summary(many)
    lines = summary.splitlines()
    assert lines[0] == "37 operations refused; the first 3:"
    assert [line.split(" refused")[0] for line in lines[1:4]] == [
        "– Line 2: add vm0 disk=100 mem=1 vcpus=1", "– Line 3: add vm1 disk=100 mem=1 vcpus=1",
        "– Line 4: add vm2 disk=100 mem=1 vcpus=1"]
    assert lines[-1] == "Step through the plan below for the rest."
