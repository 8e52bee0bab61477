"""AppTest of the VM CPU scheduling and Shared I/O pages: controls, the player, bad scenarios, comparisons."""

from tests.players import browser_player
from tests.test_pages import answer, open_page, right_response

SCHED = "pages/s24_scheduling.py"
SHARED = "pages/s24_shared_io.py"


def tables_text(at) -> str:
    return " ".join(str(t.value.to_dict()) for t in at.table)


def test_scheduling_page_steps_through_credit_decisions():
    at = open_page(SCHED)
    player = browser_player(at, "sched")
    assert player.start == 0 and player.caption(0).startswith("Frame 1/")
    assert player.caption(1).startswith("Frame 2/")  # the frame "Next" shows
    assert "Jain's fairness index" in [m.label for m in at.metric]
    assert "UNDER" in player.frame_text(1)  # Credit shows priorities per vCPU
    chart = at.get("vega_lite_chart")[0].proto
    assert "vlp_frame" in chart.spec  # the Gantt chart is drawn once and follows the player's slider


def test_choosing_a_preset_switches_to_its_scheduler_and_the_url_keeps_it():
    at = open_page(SCHED)
    at.selectbox(key="q_preset").select("rtds-overload").run()
    assert not at.exception
    assert at.selectbox(key="q_sched").value == "rtds"
    assert "rtds-overload" in str(at.query_params["preset"])
    assert "deadline (ms)" in browser_player(at, "sched").frame_text(0)
    per_vm = next(t.value for t in at.table if "share ÷ entitled" in t.value.columns)
    assert sum(int(n) for n in per_vm["deadline misses"]) > 0  # utilisation 1.2 on one pCPU


def test_link_opens_preset_scheduler_and_frame():
    at = open_page(SCHED, {"preset": "boost", "sched": "credit2", "sched-frame": "3"})
    assert at.selectbox(key="q_sched").value == "credit2"
    player = browser_player(at, "sched")
    assert player.start == 3 and player.caption(3).startswith("Frame 4/")


def test_bad_scenario_shows_a_message_and_keeps_the_last_good_one():
    at = open_page(SCHED)
    before = browser_player(at, "sched")
    at.text_area(key="scenario_weights").input("host pcpus=2\nvm1 weight=0\nvm2").run()
    assert not at.exception
    assert any("weight 0 is outside Xen's range 1–65535" in e.value for e in at.error)
    assert browser_player(at, "sched").frames == before.frames  # the last good scenario's frames
    at.text_area(key="scenario_weights").input("host pcpus=1 duration=500\nsolo\nmine trace=run 5, block 20").run()
    assert not at.error
    assert "mine.v0" in browser_player(at, "sched").frame_text(0)


def test_a_run_too_long_to_wait_for_is_refused_with_its_size():
    at = open_page(SCHED)
    at.text_area(key="scenario_weights").input("host pcpus=64 duration=600000\nvm1\nvm2").run()
    assert not at.exception
    assert any("64 pCPUs for 600 s" in e.value and "at most 240" in e.value for e in at.error)


def test_rtds_budget_above_period_is_refused():
    at = open_page(SCHED, {"preset": "rtds-ok"})
    at.text_area(key="scenario_rtds-ok").input("host pcpus=1\nrt1 period=10 budget=12").run()
    assert any("budget 12 ms is above its period 10 ms" in e.value for e in at.error)


def test_comparison_follows_the_chosen_schedulers():
    at = open_page(SCHED)
    at.multiselect(key="sched_compare").set_value(["pinning", "credit"]).run()
    table = at.table[-1].value
    assert list(table["scheduler"]) == ["Static pinning (null scheduler)", "Credit (Credit1)"]


def test_shared_io_page_shows_extra_delay_for_the_other_guests():
    at = open_page(SHARED)
    effect = next(t.value for t in at.table if "extra delay (ms)" in t.value.columns)
    assert list(effect["guest"]) == ["web1", "web2"]
    assert all(float(d) > 0 for d in effect["extra delay (ms)"])
    player = browser_player(at, "io")
    assert player.caption(1).startswith("Frame 2/")  # the frame "Next" shows
    assert "Domain 0's I/O queue:" in player.frame_text(1)


def test_shared_io_off_draws_no_domain0_work_and_guest_view_switches():
    at = open_page(SHARED, {"io": "off"})
    player = browser_player(at, "io")
    assert "I/O jobs processed 0 " in player.caption(len(player) - 1)  # the last frame's counters
    at.selectbox(key="io_guest").select("web2").run()
    assert not at.exception
    at.selectbox(key="q_io").select("bursty").run()
    player = browser_player(at, "io")
    assert "I/O jobs processed 0 " not in player.caption(len(player) - 1)
    assert "I/O jobs processed " in player.caption(len(player) - 1)


def test_quiz_24_generated_questions_grade_the_engines_answer():
    from engine.quizgen import registry

    for gen_id in ("sched-shares", "credit-next", "pinning-util"):
        at = open_page("pages/s24_quiz.py", {"gen": gen_id, "seed": "5"})
        q = registry()[gen_id].make(5, {})
        answer(at, q, right_response(q))
        assert any(s.value.startswith("Correct.") for s in at.success), gen_id


# --------------------------------------------------------------------------- links of generated questions

def _link_params(link: str) -> dict[str, str]:
    from urllib.parse import parse_qsl, urlsplit

    return dict(parse_qsl(urlsplit(link).query))


def _no_link_notice(at, refused: bool = False) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not any("Link notice" in i.value for i in at.info), [i.value for i in at.info]
    assert all(refused and " refused: Cannot add " in e.value for e in at.error), [e.value for e in at.error]


def test_share_question_link_opens_its_host_with_the_answer_as_entitlement():
    from engine.quizgen.scheduling import long_run_share

    q = long_run_share(1, {})
    at = open_page(SCHED, _link_params(q.link))
    _no_link_notice(at)
    assert at.selectbox(key="q_preset").value == "custom" and at.selectbox(key="q_sched").value == "credit"
    per_vm = next(t.value for t in at.table if "entitled (pCPUs)" in t.value.columns)
    asked = q.prompt.split("**")[1]
    assert per_vm.set_index("VM").loc[asked, "entitled (pCPUs)"] == f"{q.value:.2f}"


def test_credit_next_question_link_opens_its_scenario_at_the_decision():
    from engine.quizgen.scheduling import credit_next

    q = credit_next(4, {})
    p = _link_params(q.link)
    at = open_page(SCHED, p)
    _no_link_notice(at)
    player = browser_player(at, "sched")
    assert player.start == int(p["sched-frame"])  # the browser opens the link at its decision
    frame = player.caption(player.start)
    assert frame.startswith(f"Frame {int(p['sched-frame']) + 1}/") and f"{q.answer[0]} → pCPU 0" in frame
    assert q.prompt.split("At t = ")[1].split(" ms")[0] in frame


def test_pinning_question_link_opens_its_plan_with_the_answer_in_the_table():
    from engine.quizgen.scheduling import pinning_layout

    q = pinning_layout(2, {})
    p = _link_params(q.link)
    at = open_page("pages/s24_resources.py", p)
    _no_link_notice(at, refused="refused" in " ".join(q.solution))  # the page shows a refused VM as an error
    assert len(at.error) == " ".join(q.solution).count(" refused: ")
    assert at.selectbox(key="q_layout").value == "custom" and at.selectbox(key="q_cpus").value == p["cpus"]
    assert at.text_area[0].value == p["plan"]
    row = at.table[0].value.iloc[0 if p["cpus"] == "pinned" else 1]
    assert abs(float(row["CPU utilisation"].rstrip("%")) - q.value) <= 0.5
    plan = browser_player(at, "plan")
    assert plan.start == int(p["plan-frame"])
    assert plan.caption(plan.start).startswith(f"Frame {int(p['plan-frame']) + 1}/{int(p['plan-frame']) + 1}")
