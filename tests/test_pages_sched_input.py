"""AppTest of what students paste into the VM CPU scheduling editor: Xen's own syntax, units that look wrong, and
scenarios too big to run (issues 14 and 15)."""

import pytest

from engine.sharing import sched
from tests.players import browser_player
from tests.test_pages import frame_text, open_page

SCHED = "pages/s24_scheduling.py"
XL_RTDS = ("host pcpus=1 duration=1000\nrt1\nrt2\nrt3\n"
           "xl sched-rtds -d rt1 -v all -p 10000 -b 4000\n"
           "xl sched-rtds -d rt2 -v all -p 10000 -b 4000\n"
           "xl sched-rtds -d rt3 -v all -p 10000 -b 2000")


def _per_vm(at):
    return next(t.value for t in at.table if "share ÷ entitled" in t.value.columns).set_index("VM")


def test_xl_sched_rtds_lines_pasted_give_the_reserved_shares():
    at = open_page(SCHED, {"preset": "rtds-ok"})
    at.text_area(key="scenario_rtds-ok").input(XL_RTDS).run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert not at.warning, [w.value for w in at.warning]
    shares = _per_vm(at)
    share_column = next(c for c in shares.columns if c.startswith("share"))
    assert [float(shares.loc[vm, share_column]) for vm in ("rt1", "rt2", "rt3")] == [0.4, 0.4, 0.2]


def test_xl_sched_credit_lines_set_the_weights():
    at = open_page(SCHED)
    at.text_area(key="scenario_weights").input(
        "host pcpus=1 duration=3000\nxl sched-credit -d light -w 256\nxl sched-credit -d heavy -w 768").run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    per_vm = _per_vm(at)
    assert "heavy" in per_vm.index and "light" in per_vm.index
    assert "heavy.v0" in browser_player(at, "sched").frame_text(0)


def test_a_bare_microsecond_period_runs_with_a_magnitude_warning():
    at = open_page(SCHED, {"preset": "rtds-ok"})
    at.text_area(key="scenario_rtds-ok").input(
        "host pcpus=1 duration=1000\nrt1 period=10000 budget=4000\nrt2 period=10 budget=4").run()
    assert not at.exception and not at.error
    warned = " ".join(w.value for w in at.warning).replace("\\", "")  # shown escaped, as text
    assert "period=10000 has no unit, so it is read as ms (10 s)" in warned and "Did you mean µs?" in warned
    assert "period=10000us" in warned


def test_an_oversized_scenario_is_refused_and_the_last_good_one_stays():
    at = open_page(SCHED)
    at.text_area(key="scenario_weights").input("host pcpus=2 duration=2000\nsmall vcpus=2\nother").run()
    assert not at.error
    good = browser_player(at, "sched")
    huge = "host pcpus=64 duration=3750\n" + "\n".join(f"vm{i} vcpus=64" for i in range(32))
    at.text_area(key="scenario_weights").input(huge).run()
    assert not at.exception
    assert any("2048 vCPUs in all; this simulator takes at most 128" in e.value
               and "Showing the last scenario that worked" in e.value for e in at.error), [e.value for e in at.error]
    assert browser_player(at, "sched").frames == good.frames
    assert "small.v1" in good.frame_text(0)
    tiny = "host pcpus=1 duration=3000\nweb workload=latency burst=0.001 wait=0.001"
    at.text_area(key="scenario_weights").input(tiny).run()
    assert any("burst and wait must each be 0.1–10000 ms" in e.value for e in at.error)
    assert browser_player(at, "sched").frames == good.frames


def test_a_run_over_the_engines_budget_is_refused_like_a_typo(monkeypatch):
    from engine.sharing import sched

    monkeypatch.setattr(sched, "MAX_STEPS", 5_000)
    at = open_page(SCHED)
    at.text_area(key="scenario_weights").input(
        "host pcpus=4 duration=20000\n" + "\n".join(f"v{i} vcpus=2 workload=io burst=0.5 wait=1" for i in range(4))).run()
    assert not at.exception
    assert any("more than 5,000 events" in e.value for e in at.error), [e.value for e in at.error]
    assert "vm1.v0" in browser_player(at, "sched").frame_text(0)  # the preset, the last good scenario


# 400 decisions of 8 pCPUs and 16 vCPUs under Credit2: 4,800 segments by the last frame, 1.9 million Gantt rows to
# build for the browser (ui.sched_views.BROWSER_ROWS), so it plays on the server's player, one frame a step.
BIG = "host pcpus=8 duration=1000\n" + "\n".join(f"vm{i} vcpus=4" for i in range(4))


@pytest.mark.parametrize("page, key, widget", [("pages/s24_scheduling.py", "sched", "scenario_weights"),
                                               ("pages/s24_shared_io.py", "io", "scenario_shared-io")])
def test_a_big_scenario_plays_on_the_server_and_a_preset_in_the_browser(page, key, widget):
    at = open_page(page, {"sched": "credit2"})
    preset = browser_player(at, key)  # a preset: every frame in the browser
    assert len(preset) > 1 and preset.caption(0).startswith("Frame 1/")
    assert not [b for b in at.button if b.key == f"{key}_next"]
    at.text_area(key=widget).input(BIG).run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    with pytest.raises(AssertionError, match="no browser player"):
        browser_player(at, key)
    assert frame_text(at, key).startswith("**Frame 1/400")  # the server's player, with its Streamlit buttons
    assert "vm3.v3" in " ".join(str(t.value.to_dict()) for t in at.table)
    at.button(key=f"{key}_next").click().run()
    assert frame_text(at, key).startswith("**Frame 2/400")
    at.button(key=f"{key}_last").click().run()
    assert frame_text(at, key).startswith("**Frame 400/400")
    assert at.query_params[f"{key}-frame"] in ("399", ["399"])
    assert len(at.get("vega_lite_chart")) >= 1 and "vlp_frame" not in at.get("vega_lite_chart")[0].proto.spec


def test_every_preset_fits_the_browser_and_a_host_of_128_vcpus_does_not():
    from engine.sharing.sched_model import VM, Scenario
    from engine.sharing.sched_presets import PRESETS
    from ui.sched_views import browser_sized, played

    assert all(browser_sized(played(p.scenario, s)[0]) for p in PRESETS.values() for s in sched.SCHEDULERS)
    host = Scenario(64, tuple(VM(f"vm{i}", 16, weight=256 * (1 + i % 2)) for i in range(8)), duration_ms=3750)
    trace = played(host, "credit")[0]
    assert len(trace) * len(trace[-1].state.vcpus) > 4_000  # few frames, but a 128-row vCPU table in each
    assert not browser_sized(trace)
