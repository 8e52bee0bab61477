"""Section 2.5 pages under AppTest: every page and control works, bad input gives st.error, not a traceback."""

import html
import re

import pyarrow as pa
import pytest

from engine.ec2 import regions, transfer
from engine.quizgen import registry
from tests.players import browser_player
from tests.test_pages import answer, open_page
from ui.diagram import CLASS as DIAGRAM_CLASS
from viz import vega

REGIONS, PRICING, INSTANCES, VARIANCE, QUIZ = (f"pages/s25_{n}.py" for n in ("regions", "pricing", "instances", "variance", "quiz"))


def no_exception(at) -> None:
    assert not at.exception, [e.value for e in at.exception]


@pytest.mark.parametrize("file, title", [(REGIONS, "Regions and data transfer"), (PRICING, "Pricing and elasticity"),
                                         (INSTANCES, "Instance types and ECUs"), (VARIANCE, "Performance variance"),
                                         (QUIZ, "Quiz 2.5: Case study Amazon EC2")])
def test_pages_open_with_title_and_lesson(file, title):
    at = open_page(file)
    assert at.title[0].value == title
    assert any(e.label.startswith("📖 Lesson") for e in at.expander) == (file != QUIZ)


# ----------------------------------------------------------------------------------------- regions

def last_route_caption(at) -> str:
    route = browser_player(at, "route")
    return route.caption(len(route) - 1)


def test_route_player_steps_across_boundaries_and_shows_the_fee():
    at = open_page(REGIONS)
    route = browser_player(at, "route")
    assert route.start == 0 and route.caption(0).startswith("Frame 1/5")
    assert "Crosses the boundary of us-east-1a" in route.caption(1)
    assert "Total fee: $2.00" in route.caption(4)  # 100 GB × ($0.01 out + $0.01 in) between AZs
    fees = route.frame_text(4)  # the fee table under the route's diagram: one line per boundary
    assert "<svg" in route.frames[4] and fees.count("$1.00") == 2 and "into us-east-1b (instance B)" in fees
    assert any(c.value.startswith("Fees as of") and "secondary source" in c.value for c in at.caption)


def test_route_ends_come_from_the_link_and_internet_egress_is_tiered():
    at = open_page(REGIONS, {"from": "eu-west-1a", "to": "internet"})
    at.number_input(key="transfer_gb").set_value(300.0).run()
    no_exception(at)
    assert "Total fee: $18.00" in last_route_caption(at)  # 100 GB free, 200 GB × $0.09
    at.number_input(key="transfer_gb").set_value(100.0).run()
    at.number_input(key="transfer_month").set_value(10_190.0).run()
    assert "Total fee: $8.75" in last_route_caption(at)  # 50 GB × $0.09 + 50 GB × $0.085 across the 10 TB tier


def test_round_trip_toggle_adds_the_reply_leg():
    at = open_page(REGIONS)
    at.toggle(key="transfer_round_trip").set_value(True).run()
    route = browser_player(at, "route")
    assert route.start == 0 and route.caption(0).startswith("Frame 1/9")
    assert "Total fee: $4.00" in last_route_caption(at)  # 100 GB each way × ($0.01 out + $0.01 in)


def test_unknown_zone_in_the_link_falls_back_with_a_notice():
    at = open_page(REGIONS, {"to": "mars-1a"})
    assert any("'to=mars-1a' is not one of" in i.value for i in at.info)


def internet_to_internet(at) -> None:
    at.selectbox(key="q_from").set_value(transfer.INTERNET).run()
    at.selectbox(key="q_to").set_value(transfer.INTERNET).run()


def test_the_amount_widget_starts_where_the_engine_does():  # 0 GB was allowed by the widget, refused by the engine
    at = open_page(REGIONS, {"gb": "0"})
    assert at.number_input(key="transfer_gb").min == transfer.MIN_GB
    assert any("'gb=0' is not an amount of 0.001–" in i.value.replace("\\", "") for i in at.info)


@pytest.mark.parametrize("change, message, frames", [(internet_to_internet, "Both ends are the internet", 4)])  # inbound
def test_bad_route_gives_an_error_and_keeps_the_last_good_one(change, message, frames):
    at = open_page(REGIONS)
    change(at)
    no_exception(at)
    assert any(message in e.value and "last route that worked" in e.value for e in at.error)
    route = browser_player(at, "route")
    assert route.start == 0 and route.caption(0).startswith(f"Frame 1/{frames}")


def test_region_map_and_counts_are_dated_and_tagged():
    at = open_page(REGIONS)
    totals = regions.shipped().totals
    assert any(f"as of {totals.provenance.as_of}" in m.value and "secondary figures that disagree" in m.value for m in at.markdown)
    assert len(at.get("graphviz_chart")) + sum(DIAGRAM_CLASS in e.proto.body for e in at.get("html")) == 2  # ui/diagram.py


# ----------------------------------------------------------------------------------------- pricing

def metric(at, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def test_sixty_one_minutes_cost_two_hours_under_the_lecture_model():
    at = open_page(PRICING)
    assert metric(at, "Per started hour") == "$0.0400"
    assert metric(at, "Per second (60 s minimum)") == "$0.0203"
    assert metric(at, "Used") == "1:01"


def test_presets_and_price_tables_change_the_bill():
    at = open_page(PRICING, {"timeline": "not-pooled"})
    assert metric(at, "Per started hour") == "$0.0600"
    at.selectbox(key="q_prices").set_value("current").run()
    no_exception(at)
    assert metric(at, "Per started hour") == "$0.0690"  # 3 h × $0.023 [S]


@pytest.mark.parametrize("text, message", [
    ("vm1 t2.small 30:00-25:00", "stops at 25:00, not after it starts at 30:00"),
    ("vm1 t2.small -1:00-0:30", "cannot be negative"),
    ("vm1 m5.large 0:00-1:00", "unknown instance type 'm5.large'"),
    ("vm1 t2.small 0:00 until 1:00", "does not read as a run"),
])
def test_bad_timeline_gives_an_error_and_keeps_the_last_good_bill(text, message):
    at = open_page(PRICING)
    at.text_area(key="timeline_61-minutes").input("vm1 t2.small 0:00-0:30").run()
    assert metric(at, "Per started hour") == "$0.0200"
    at.text_area(key="timeline_61-minutes").input(text).run()
    no_exception(at)
    assert any(message in e.value and "last timeline that worked" in e.value for e in at.error)
    assert metric(at, "Per started hour") == "$0.0200"


def test_elasticity_controls_change_the_costs():
    at = open_page(PRICING)
    fixed_before = next(m for m in at.metric if m.label.startswith("fixed")).value
    slider = next(s for s in at.slider if s.key.startswith("fixed_"))
    slider.set_value(slider.value + 5).run()
    assert next(m for m in at.metric if m.label.startswith("fixed")).value != fixed_before
    at.select_slider(key="elastic_lag").set_value(0).run()
    at.selectbox(key="q_demand").set_value("flash").run()
    at.number_input(key="demand_seed").set_value(7).run()
    no_exception(at)
    assert next(m for m in at.metric if m.label.startswith("elastic")).label == "elastic: rent per hour"


# ----------------------------------------------------------------------------------------- instance types

def test_tables_ecu_and_credit_player():
    at = open_page(INSTANCES)
    assert len(at.table) == 2
    assert any("1.0-1.2 GHz 2007 Opteron" in m.value for m in at.markdown)
    credits = browser_player(at, "credits")
    assert credits.start == 0 and credits.caption(0).startswith("Frame 1/19")
    assert "Hour 18" in credits.caption(len(credits) - 1)  # the last frame
    assert frame_metric(credits, 0, "Credit balance") and frame_metric(credits, 0, "Baseline per vCPU").endswith("%")
    at.selectbox(key="q_t2").set_value("t2.2xlarge").run()
    at.selectbox(key="q_load").set_value("steady-above").run()
    at.selectbox(key="q_start").set_value("full").run()
    no_exception(at)
    assert "t2.2xlarge starts with 1958.4 credits" in browser_player(at, "credits").caption(0)


# ----------------------------------------------------------------------------------------- variance

def frame_metric(player, index: int, label: str) -> str:
    """The value of the metric ``label`` in a browser player's frame ``index`` (ui.canvas.Canvas.metric)."""
    found = re.search(rf'<div class="vl-metric-label"[^>]*>{re.escape(html.escape(label))}</div>'
                      r'<div class="vl-metric-value">(.*?)</div>', player.frames[index])
    assert found, (label, player.frame_text(index))
    return html.unescape(found.group(1))


def test_variance_controls_change_cov_and_bands():
    at = open_page(VARIANCE)
    player = browser_player(at, "variance")
    assert frame_metric(player, len(player) - 1, "Bands") == "2"  # the last frame
    at.slider(key="variance_share").set_value(0).run()
    player = browser_player(at, "variance")
    assert frame_metric(player, len(player) - 1, "Bands") == "1"
    assert float(frame_metric(player, len(player) - 1, "CoV").rstrip("%")) < 5
    at.select_slider(key="variance_n").set_value(1000).run()
    at.slider(key="variance_noise").set_value(10).run()
    at.number_input(key="variance_seed").set_value(4).run()
    no_exception(at)
    player = browser_player(at, "variance")
    assert player.start == 0 and player.caption(0).startswith("Frame 1/")
    assert "1000 measurements" in player.caption(len(player) - 1)


def chart_rows(at) -> list[list[dict]]:
    """Each chart's rows as Streamlit sends them (Arrow, apart from the spec)."""
    return [pa.ipc.open_stream(e.proto.data.data).read_all().to_pylist() for e in at.get("vega_lite_chart")]


def shown_in(rows: list[dict], frame: int) -> list[dict]:
    """The rows of a browser player's chart that frame ``frame`` (0-based) shows (viz.vega.frames)."""
    return [r for r in rows if r[vega.FIRST] <= frame <= r[vega.LAST]]


def test_players_show_only_the_frames_data():
    """A player's chart is sent once with every frame's rows, each row once with the frames it shows in, and a
    parameter bound to the player's slider picks the frame's rows in the browser."""
    at = open_page(VARIANCE)
    specs = [e.proto.spec for e in at.get("vega_lite_chart")]
    rows = chart_rows(at)
    assert [len({r["index"] for r in shown_in(frame_rows, 0)}) for frame_rows in rows[:2]] == [5, 5]  # 5 runs
    assert len(shown_in(rows[0], 1)) == 10  # the frame "Next" shows
    assert len({r["index"] for r in rows[0]}) == len(rows[0])  # a run shown from frame 1 on is sent once
    assert all(f'"{vega.FRAME_PARAM}"' in s and "#variance-frame-input" in s for s in specs[:2])
    at.run()
    assert [e.proto.spec for e in at.get("vega_lite_chart")] == specs  # a rerun sends the same charts
    at = open_page(INSTANCES)
    rows = chart_rows(at)[0]
    got = [r for r in shown_in(rows, 1) if r["series"] != "CPU wanted"]
    assert max(r["hour"] for r in got) == 1  # the credit balance up to hour 1
    assert max(r["hour"] for r in shown_in(rows, 1)) > 1  # 'CPU wanted' for the whole run
    assert f'"{vega.FRAME_PARAM}"' in at.get("vega_lite_chart")[0].proto.spec


def test_variance_settings_come_from_the_link_and_bad_values_fall_back():
    at = open_page(VARIANCE, {"share": "0", "n": "500", "noise": "5", "seed": "9"})
    assert (at.slider(key="variance_share").value, at.select_slider(key="variance_n").value) == (0, 500)
    assert at.number_input(key="variance_seed").value == 9
    player = browser_player(at, "variance")
    assert "500 measurements" in player.caption(len(player) - 1)
    at = open_page(VARIANCE, {"n": "33", "share": "250"})
    assert any("'n' must be one of" in i.value for i in at.info) and any("'share=250' is outside" in i.value for i in at.info)
    assert at.select_slider(key="variance_n").value == 100 and at.slider(key="variance_share").value == 40
    at.slider(key="variance_share").set_value(70).run()
    assert at.query_params["share"] in ("70", ["70"])


# ----------------------------------------------------------------------------------------- quiz

def test_quiz_has_written_and_generated_questions():
    at = open_page(QUIZ, {"gen": "transfer", "seed": "3"})
    assert sum(1 for m in at.markdown if m.value.startswith("**Question ")) >= 10
    q = registry()["transfer"].make(3, {})
    answer(at, q, f"{q.value:g}")
    assert any(s.value.startswith("Correct.") for s in at.success)


def test_quiz_histogram_question_grades_the_engine_answer():
    at = open_page(QUIZ, {"gen": "histogram", "seed": "11"})
    q = registry()["histogram"].make(11, {})
    answer(at, q, q.answer[0])
    assert any(s.value.startswith("Correct.") for s in at.success)


# ----------------------------------------------------------------------------------------- links of generated questions

def _link_params(link: str) -> dict[str, str]:
    from urllib.parse import parse_qsl, urlsplit

    return dict(parse_qsl(urlsplit(link).query))


def _no_link_notice(at) -> None:
    no_exception(at)
    assert not any("Link notice" in i.value for i in at.info), [i.value for i in at.info]
    assert not at.error, [e.value for e in at.error]


def test_bill_question_link_opens_its_timeline_with_the_answer_as_the_bill():
    q = registry()["bill"].make(0, {})
    p = _link_params(q.link)
    at = open_page(PRICING, p)
    _no_link_notice(at)
    assert at.selectbox(key="q_timeline").value == "custom" and at.text_area[0].value == p["runs"]
    label = "Per started hour" if "started hour" in q.prompt else "Per second (60 s minimum)"
    shown = next(m.value for m in at.metric if m.label == label)
    assert abs(float(shown.lstrip("$").replace(",", "")) - q.value) <= 0.0001


def test_transfer_question_link_opens_its_route_amounts_and_total():
    q = registry()["transfer"].make(0, {})
    p = _link_params(q.link)
    at = open_page(REGIONS, p)
    _no_link_notice(at)
    assert (at.selectbox(key="q_from").value, at.selectbox(key="q_to").value) == (p["from"], p["to"])
    assert (at.number_input(key="transfer_gb").value, at.number_input(key="transfer_month").value) == \
        (float(p["gb"]), float(p["month"]))
    route = browser_player(at, "route")
    frame = route.caption(route.start)
    assert route.start == int(p["route-frame"]) and frame.startswith(f"Frame {int(p['route-frame']) + 1}/")
    assert f"Total fee: ${q.value:,.2f}" in frame


def test_histogram_question_link_opens_its_settings_at_the_full_histogram():
    q = registry()["histogram"].make(1, {})
    p = _link_params(q.link)
    at = open_page(VARIANCE, p)
    _no_link_notice(at)
    assert (at.slider(key="variance_share").value, at.select_slider(key="variance_n").value,
            at.slider(key="variance_noise").value, at.number_input(key="variance_seed").value) == \
        (int(p["share"]), int(p["n"]), int(p["noise"]), int(p["seed"]))
    player = browser_player(at, "variance")
    assert player.start == int(p["variance-frame"]) == len(player) - 1  # the full histogram
    assert f"{p['n']} measurements" in player.caption(player.start)
    assert frame_metric(player, player.start, "Bands") == ("2" if q.answer[0].startswith("Two") else "1")
