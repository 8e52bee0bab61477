"""The scheduling scenario editor's text format: round trip, defaults, and located errors."""

import pytest

from engine.sharing.sched_model import VM, Scenario, SchedulerConfigError, SharedIO, Workload, validate
from engine.sharing.sched_presets import PRESETS
from engine.sharing.sched_text import format_scenario, parse_scenario


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_every_preset_round_trips(preset):
    scenario = PRESETS[preset].scenario
    assert parse_scenario(format_scenario(scenario)) == scenario


def test_defaults_are_xens():
    s = parse_scenario("host pcpus=2\nvm1")
    assert s == Scenario(2, (VM("vm1"),))
    assert (s.vms[0].weight, s.vms[0].cap, s.vms[0].period_ms, s.vms[0].budget_ms) == (256, 0, 10.0, 4.0)
    assert s.timeslice_ms == 30 and s.boost


def test_all_settings_are_read():
    s = parse_scenario("# a comment\nhost pcpus=4 duration=500 seed=7 timeslice=100 ratelimit=0.5 boost=off\n"
                       "dom0 io=on cost=2.5 bursty=off pcpu=1\n"
                       "web vcpus=2 weight=512 cap=150 workload=latency burst=1 wait=20 pins=0,1\n"
                       "rt period=5 budget=2.5  # RTDS reservation\n"
                       "mine trace=run 5, block 20")
    assert (s.pcpus, s.duration_ms, s.seed, s.timeslice_ms, s.ratelimit_ms, s.boost) == (4, 500, 7, 100, 0.5, False)
    assert s.shared_io == SharedIO(True, 2.5, False, 1)
    assert s.vms[0] == VM("web", 2, 512, 150, Workload("latency", 1, 20), (0, 1))
    assert (s.vms[1].period_ms, s.vms[1].budget_ms) == (5, 2.5)
    assert s.vms[2].workload == Workload("trace", trace="run 5, block 20")


@pytest.mark.parametrize("text, message", [
    ("", "the scenario is empty"),
    ("vm1 vcpus=2", "line 1 ('vm1 vcpus=2'): the first line must describe the host"),
    ("host duration=5", "the host needs pcpus="),
    ("host pcpus=2", "has no VM"),
    ("host pcpus=2\nvm1 vcpus=two", "line 2 ('vm1 vcpus=two'): vcpus=two must be a whole number"),
    ("host pcpus=2\nvm1 colour=red", "unknown setting 'colour'"),
    ("host pcpus=2\nvm1 weight=1 weight=2", "weight= is given twice"),
    ("host pcpus=2\nvm1 weight", "'weight' is not key=value"),
    ("host pcpus=2\n1vm", "'1vm' is not a VM name"),
    ("host pcpus=2\nvm1 workload=gpu", "unknown workload 'gpu'"),
    ("host pcpus=2\nvm1 workload=trace", "workload=trace goes with trace="),
    ("host pcpus=2\nvm1 burst=nan", "must be a finite number"),
    ("host pcpus=2 boost=maybe\nvm1", "boost=maybe must be on or off"),
    ("host pcpus=2\nhost pcpus=3\nvm1", "line 2 ('host pcpus=3'): the host is described once"),
])
def test_mistakes_name_the_line(text, message):
    with pytest.raises(SchedulerConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_scenario(text)


@pytest.mark.parametrize("text, scheduler, message", [
    ("host pcpus=2\nvm1 weight=0", "credit", "weight 0 is outside Xen's range 1–65535"),
    ("host pcpus=2\nrt budget=12 period=10", "rtds", "budget 12 ms is above its period 10 ms"),
    ("host pcpus=2\nvm1 vcpus=1 pins=0,1", "pinning", "2 pins given but the VM has only 1 vCPU"),
    ("host pcpus=2\nvm1 pins=3", "pinning", "pinned to pCPU 3, but the host has pCPUs 0–1"),
    ("host pcpus=2\nvm1 trace=run 5, jump 3", "credit", "trace line 1, item 2"),
])
def test_parsed_scenarios_are_checked_against_xens_ranges(text, scheduler, message):
    with pytest.raises(SchedulerConfigError, match=message):
        validate(parse_scenario(text), scheduler)
