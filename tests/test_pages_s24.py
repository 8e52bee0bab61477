"""Section 2.4 pages under AppTest: Resource distribution (presets, editor, over-commit, players) and Quiz 2.4."""

from engine.sharing.partition import PLAN_PRESETS
from engine.core.quiz import load_bank
from tests.players import browser_player
from tests.test_pages import answer, open_page

PAGE = "pages/s24_resources.py"


def frames(at) -> list[str]:
    """The caption of the frame each player opens at (plan, then I/O)."""
    return [p.caption(p.start) for p in (browser_player(at, "plan"), browser_player(at, "fcfs"))]


def test_renders_the_default_plan_with_both_players():
    at = open_page(PAGE)
    assert at.title[0].value == "Resource distribution"
    assert not at.error
    assert [f.split(" — ")[0] for f in frames(at)] == ["Frame 1/4", "Frame 1/8"]
    assert len(at.get("vega_lite_chart")) == 3  # the plan's picture, and each player's chart drawn once
    assert any("After the whole plan: disk 700/1000 GB" in c.value for c in at.caption)


def test_preset_and_cpu_mode_come_from_the_url_and_switch():
    at = open_page(PAGE, {"layout": "idle-pinned", "cpus": "pinned"})
    assert any("Cannot add 'render'" in e.value and "2 of 8 cores are free" in e.value for e in at.error)
    at.selectbox(key="q_cpus").select("scheduled").run()
    assert not at.error and at.query_params["cpus"] in ("scheduled", ["scheduled"])
    at.selectbox(key="q_layout").select("three-vms").run()
    assert at.text_area(key="plan_three-vms").value == PLAN_PRESETS["three-vms"].text


def test_add_and_resize_in_the_editor_update_the_picture():
    at = open_page(PAGE)
    base = PLAN_PRESETS["three-vms"].text
    at.text_area(key="plan_three-vms").input(base + "cache disk=50 mem=4 vcpus=0\n").run()
    assert any("add cache" in e.value and "VM 'cache': vcpus must be a whole number from 1" in e.value for e in at.error)
    at.text_area(key="plan_three-vms").input(base + "resize batch vcpus=1\ncache disk=50 mem=4 vcpus=1\n").run()
    assert not at.error
    assert any("disk 750/1000 GB · memory 60/64 GiB · 8 vCPUs on 8 cores" in c.value for c in at.caption)
    assert frames(at)[0].startswith("Frame 1/6")


def test_overcommit_gives_an_error_and_keeps_the_last_good_picture():
    at = open_page(PAGE)
    at.text_area(key="plan_three-vms").input(PLAN_PRESETS["three-vms"].text + "resize db mem=48\n").run()
    assert any("Cannot resize 'db': memory 32 → 48 GiB needs 16 more, but only 8 of 64 GiB are free" in e.value
               for e in at.error)
    assert any("memory 56/64 GiB" in c.value for c in at.caption)  # the layout before the refused resize
    at.text_area(key="plan_three-vms").input("host disk=10 mem=4 pcpus=2\nweb disk=1 mem=x vcpus=1").run()
    assert any("line 2" in e.value and "Showing the last plan that worked" in e.value for e in at.error)
    assert not at.exception


def test_players_step():
    at = open_page(PAGE, {"io": "greedy-burst"})
    plan, fcfs = browser_player(at, "plan"), browser_player(at, "fcfs")
    assert plan.caption(1).startswith("Frame 2/4 — Line 2: add web")  # the frame "Next" shows
    last = len(fcfs) - 1
    assert fcfs.caption(last).startswith("Frame 12/12 — t = 28 ms: all 11 requests served")
    assert "total waiting (ms) 151" in fcfs.caption(last)
    assert "Device: idle · Queue: empty" in fcfs.frame_text(last)
    at.text_area(key="io_greedy-burst").input("web at=0").run()
    assert any("needs service=" in e.value and "Showing the last requests that worked" in e.value for e in at.error)


def test_quiz_24_renders_and_grades_a_written_question():
    q = next(q for q in load_bank("2.4") if q.kind == "single")
    at = open_page("pages/s24_quiz.py")
    answer(at, q, q.answer[0])
    assert any(s.value.startswith("Correct.") for s in at.success) and any(q.slide in i.value for i in at.info)
    assert at.metric[0].value == "1 / 1"


def test_the_form_appends_operations_to_the_plan():
    at = open_page(PAGE)
    at.selectbox(key="op_kind").select("resize")
    at.text_input(key="op_name").input("web")
    at.number_input(key="op_disk").set_value(100)
    at.number_input(key="op_mem").set_value(4)
    at.number_input(key="op_vcpus").set_value(2)
    at.button(key="FormSubmitter:plan_op-Append").click().run()
    assert at.text_area(key="plan_three-vms").value.endswith("resize web disk=100 mem=4 vcpus=2\n")
    assert not at.warning and not at.error
    assert any("memory 52/64 GiB" in c.value for c in at.caption)
    at.selectbox(key="op_kind").select("add")
    at.text_input(key="op_name").input("huge")
    at.number_input(key="op_mem").set_value(64)
    at.button(key="FormSubmitter:plan_op-Append").click().run()
    assert any("Cannot add 'huge': memory needs 64 GiB, but only 12 of 64 GiB are free" in e.value for e in at.error)
    assert any("memory 52/64 GiB" in c.value for c in at.caption)
