"""Static pinning: each vCPU belongs to one pCPU for good (and Xen's null scheduler, 1 vCPU per pCPU).

The lecture's "Pinning: each VM is statically assigned CPU cores". A pCPU only ever runs its own
vCPUs, so when they all block the pCPU idles even if vCPUs pinned elsewhere are waiting: pinning
wastes idle CPUs that a scheduler would use. Several vCPUs on one pCPU take turns round-robin.
"""

from __future__ import annotations

from engine.sharing.sched_model import Scenario
from engine.sharing.sched_policy import Policy, VCpu

SIMPLIFICATIONS = [
    "vCPUs without an explicit pin are pinned round-robin (vCPU i of the host to pCPU i mod N).",
    "Several vCPUs pinned to one pCPU take turns round-robin with the Credit timeslice; no weights apply.",
    "With exactly one vCPU per pCPU this is Xen's null scheduler: a pCPU runs that vCPU or nothing.",
]


def auto_pins(scenario: Scenario) -> list[int]:
    """The pCPU of every vCPU of the host, in order: explicit pins, else round-robin."""
    pins, i = [], 0
    for vm in scenario.vms:
        for c in range(vm.vcpus):
            pins.append(vm.pins[c] if c < len(vm.pins) else i % scenario.pcpus)
            i += 1
    return pins


class PinningPolicy(Policy):
    id = "pinning"

    def __init__(self, scenario: Scenario, vcpus: list[VCpu]):
        super().__init__(scenario, vcpus)
        for v, pin in zip(vcpus, auto_pins(scenario)):
            v.pin = pin
        self.slice = scenario.timeslice_ms * 1000

    def reason(self, chosen: VCpu, candidates: list[VCpu]) -> str:
        return "it is pinned to this pCPU and first in its queue"

    def runtime(self, v: VCpu, now: int) -> int:
        return self.slice

    def describe(self, v: VCpu) -> str:
        return f"pinned to pCPU {v.pin}"
