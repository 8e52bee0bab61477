"""Section 2.5 engines: billing rules, transfer fees, regions, instance types, elasticity, quiz generators, diagrams."""

import math
import re
from pathlib import Path

import pytest

from engine.ec2 import billing, elasticity, instance_types, regions, transfer, variance
from engine.core.lessons import LESSONS_DIR, LessonError
from engine.core.quiz import grade, load_bank
from engine.quizgen import for_section
from engine.quizgen.cloud import GENERATORS
from tests.test_dot_valid import render as render_dot
from viz.ec2 import ec2_charts
from viz.ec2.ec2_charts import with_param
from viz.ec2.ec2_map import region_map, route_graph

DATA = LESSONS_DIR / "2.5"
LECTURE = {"t2.small": 0.02, "t2.medium": 0.05, "t2.large": 0.09, "t2.xlarge": 0.19}


def one(text: str, model: str) -> int:
    (run,) = billing.parse_timeline(text, LECTURE)
    return billing.billed_seconds(run, model)


# ----------------------------------------------------------------------------------------- billing rules

def test_61_minutes_are_two_started_hours_and_61_minutes_per_second():
    assert one("vm1 t2.small 0:00-1:01", "hour") == 2 * 3600
    assert one("vm1 t2.small 0:00-1:01", "second") == 61 * 60
    assert one("vm1 t2.small 0:00-1:00", "hour") == 3600  # exactly one hour is one hour


def test_per_second_has_a_60_second_minimum_per_run():
    assert one("vm1 t2.small 0:00:00-0:00:30", "second") == 60
    assert one("vm1 t2.small 0:00:00-0:00:01", "hour") == 3600
    assert one("vm1 t2.small 0:00:00-0:01:01", "second") == 61


def test_a_restart_begins_a_new_billable_hour():
    runs = billing.parse_timeline("vm1 t2.small 0:00-0:20\nvm1 t2.small 0:30-0:50", LECTURE)
    bill = billing.bill(runs, LECTURE)
    assert bill.billed_seconds("hour") == 2 * 3600
    assert bill.total("hour") == pytest.approx(0.04)
    assert bill.billed_seconds("second") == 40 * 60


def test_partial_hours_of_different_instances_are_not_pooled():
    bill = billing.bill(billing.parse_timeline(billing.PRESETS["not-pooled"].text, LECTURE), LECTURE)
    assert bill.used_seconds == 3600 and bill.billed_seconds("hour") == 3 * 3600
    assert bill.total("second") == pytest.approx(0.02)


def test_every_preset_bills_and_per_second_never_costs_more_than_started_hours():
    for preset in billing.PRESETS.values():
        bill = billing.bill(billing.parse_timeline(preset.text, LECTURE), LECTURE)
        assert 0 < bill.total("second") <= bill.total("hour")
        assert {r["kind"] for r in bill.timeline_rows("second")} <= {"used", "billed, not used"}
        assert sum(r["kind"] == "used" for r in bill.timeline_rows("hour")) == len(bill.runs)


@pytest.mark.parametrize("text, message", [
    ("vm1 t2.small -0:10-0:30", "line 1: times cannot be negative"),
    ("vm1 t2.small 30:00-25:00", "line 1: vm1 stops at 25:00, not after it starts at 30:00"),
    ("vm1 t2.small 1:00-1:00", "not after it starts"),
    ("vm1 t3.huge 0:00-1:00", "unknown instance type 't3.huge'"),
    ("vm1 t2.small from 0:00 to 1:00", "does not read as a run"),
    ("vm1 t2.small 0:00-1:75", "minutes or seconds above 59"),
    ("vm1 t2.small 0:00-1h", "is not a time"),
    ("# only a comment\n", "The timeline is empty"),
    ("vm1 t2.small 0:00-1:00\n\nvm1 t2.small 0:30-2:00", "line 3: vm1 is already running then \\(line 1\\)"),
])
def test_bad_timelines_say_which_line_and_what_is_wrong(text, message):
    with pytest.raises(billing.BillingError, match=message):
        billing.parse_timeline(text, LECTURE)


def test_unknown_model_is_rejected():
    run = billing.Run("vm", "t2.small", 0, 10)
    with pytest.raises(ValueError, match="unknown billing model"):
        billing.billed_seconds(run, "per-minute")


# ----------------------------------------------------------------------------------------- data files

def test_shipped_data_files_load_with_their_tags():
    geo = regions.load_geography()
    assert all(len(r.azs) >= regions.MIN_AZS for r in geo.regions)
    assert geo.totals.provenance.tag == "U/S" and geo.totals.provenance.as_of
    fees = transfer.load_fees()
    assert fees.provenance.tag == "S" and fees.inter_az == 0.01 and fees.same_az == 0
    assert [t.per_gb for t in fees.tiers] == [0.0, 0.09, 0.085, 0.07, 0.05]
    cat = instance_types.load_catalogue()
    assert cat.prices("lecture") == LECTURE
    assert cat.lecture_table.provenance.tag == "lecture" and cat.current_table.price_tag == "S"
    assert cat.t2("t2.2xlarge").credits_per_hour == 81.6


def copy_with(tmp_path: Path, name: str, old: str, new: str) -> Path:
    text = (DATA / name).read_text()
    assert old in text, old
    path = tmp_path / name
    path.write_text(text.replace(old, new, 1))
    return path


@pytest.mark.parametrize("name, old, new, loader, message", [
    ("regions.toml", 'azs = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]', 'azs = ["eu-west-1a", "eu-west-1b"]',
     regions.load_geography, r"\(eu-west-1\): lists 2 availability zone\(s\); every AWS region has at least 3"),
    ("regions.toml", "lat = 53.3", "lat = 153.3", regions.load_geography, "not a place on Earth"),
    ("regions.toml", 'tag = "U/S"', 'tag = "maybe"', regions.load_geography, r"\[totals\]: 'tag' must be one of"),
    ("regions.toml", '"sa-east-1c"]', '"us-east-1a"]', regions.load_geography, "does not start with 'sa-east-1'"),
    ("regions.toml", "regions_low = 36", "regions_low = 40", regions.load_geography, "0 < low <= high"),
    ("transfer.toml", "inter_az_each_direction = 0.01", "inter_az_each_direction = -0.01", transfer.load_fees,
     "'inter_az_each_direction' must not be negative"),
    ("transfer.toml", "up_to_gb = 51200", "up_to_gb = 5000", transfer.load_fees, "'up_to_gb' must grow"),
    ("transfer.toml", "inbound = 0.0", 'inbound = "free"', transfer.load_fees, "'inbound' must be a number"),
    ("instance_types.toml", "baseline = 0.30", "baseline = 0.35", instance_types.load_catalogue,
     r"\[current\] \[\[type\]\] #5.*baseline 0.35 does not match credits per hour / 60 per vCPU = 0.3"),
    ("instance_types.toml", "max_balance = 864", "max_balance = 800", instance_types.load_catalogue,
     "is not 24 hours of earned credits"),
    ("instance_types.toml", "price = 0.09\n", "price = 0\n", instance_types.load_catalogue, "'price' must be positive"),
    ("instance_types.toml", 'name = "t2.large"', 'name = "t2.medium"', instance_types.load_catalogue, "used twice"),
])
def test_a_malformed_data_file_gives_a_located_message(tmp_path, name, old, new, loader, message):
    with pytest.raises(LessonError, match=message):
        loader(copy_with(tmp_path, name, old, new))


def test_broken_toml_and_missing_file_name_the_file(tmp_path):
    bad = tmp_path / "regions.toml"
    bad.write_text("[totals\n")
    with pytest.raises(LessonError, match="regions.toml: not valid TOML"):
        regions.load_geography(bad)
    with pytest.raises(LessonError, match="transfer.toml: file not found"):
        transfer.load_fees(tmp_path / "transfer.toml")


# ----------------------------------------------------------------------------------------- regions and transfer

@pytest.fixture(scope="module")
def world():
    return regions.load_geography(), transfer.load_fees()


def test_layout_is_map_like_and_keeps_regions_apart(world):
    geo, _ = world
    pos = regions.layout(geo)
    east, west, sydney = pos["us-east-1"], pos["us-west-2"], pos["ap-southeast-2"]
    assert west[0] < east[0] < sydney[0] and sydney[1] < east[1]
    centres = [pos[r.id] for r in geo.regions]
    for i, a in enumerate(centres):
        for b in centres[i + 1:]:
            assert max(abs(a[0] - b[0]), abs(a[1] - b[1])) >= regions.MIN_GAP - 1e-6
    assert math.dist(pos["us-east-1"], pos["us-east-1a"]) == pytest.approx(regions.AZ_RING)


@pytest.mark.parametrize("source, destination, gb, before, kind, total", [
    ("us-east-1a", "us-east-1a", 500, 0, "same-az", 0.0),
    ("us-east-1a", "us-east-1c", 500, 0, "inter-az", 10.0),  # $0.01 out + $0.01 in (sources.toml: inter-az-both-ends)
    ("us-east-1a", "eu-west-1b", 500, 0, "inter-region", 10.0),
    ("us-east-1a", "internet", 50, 0, "egress", 0.0),  # inside the free 100 GB
    ("us-east-1a", "internet", 200, 0, "egress", 100 * 0.09),
    ("us-east-1a", "internet", 100, 10_190, "egress", 50 * 0.09 + 50 * 0.085),  # crosses the 10 TB tier
    ("internet", "eu-west-1b", 1000, 0, "inbound", 0.0),
])
def test_transfer_fees_follow_the_fee_table(world, source, destination, gb, before, kind, total):
    geo, fees = world
    assert transfer.classify(geo, source, destination) == kind
    trace = transfer.simulate(geo, fees, source, destination, gb, before)
    assert trace[-1].state.total == pytest.approx(total)
    assert trace[-1].state.done and trace[-1].event.startswith("Total fee")
    ends = 2 if kind == "inter-az" else 1  # between zones the sender pays out and the receiver pays in
    assert sum(line.gb for line in trace[-1].state.lines) == pytest.approx(ends * gb)
    assert len(trace) == len(trace[0].state.waypoints) + 1  # one frame per place, then the total


def test_inter_region_route_crosses_zone_then_region_boundaries(world):
    geo, fees = world
    events = [f.event for f in transfer.simulate(geo, fees, "us-east-1a", "eu-west-1b", 10)]
    assert events[1] == "Crosses the boundary of us-east-1a" and events[2] == "Crosses the boundary of region us-east-1"
    between_zones = transfer.simulate(geo, fees, "us-east-1a", "us-east-1b", 10)
    assert "out of us-east-1a" in between_zones[1].explanation and "into us-east-1b" in between_zones[2].explanation


@pytest.mark.parametrize("source, destination, total", [
    ("us-east-1a", "us-east-1b", 100 * 0.04),  # out and in for each leg: $0.02/GB one way, $0.04/GB there and back
    ("us-east-1a", "us-east-1a", 0.0),
    ("us-east-1a", "eu-west-1b", 2 * 100 * 0.02),  # each region charges its way out
    ("us-east-1a", "internet", 0.0),  # 100 GB inside the free tier, the reply comes in for free
    ("internet", "us-east-1a", 0.0),
])
def test_a_round_trip_pays_each_direction(world, source, destination, total):
    geo, fees = world
    trace = transfer.simulate(geo, fees, source, destination, 100, 0, round_trip=True)
    assert trace[-1].state.total == pytest.approx(total)
    replies = [f for f in trace if f.event.startswith("Reply: ")]
    assert replies and replies[0].state.waypoints[0].label.startswith(("instance B", "the internet"))
    there, back = (transfer.simulate(geo, fees, a, b, 100) for a, b in ((source, destination), (destination, source)))
    assert len(trace) == len(there) + len(back) - 1  # both legs without their own totals, then one total
    for frame in trace:
        render_dot(route_graph(frame.state).source)


def test_reply_egress_counts_after_the_months_egress(world):
    geo, fees = world
    (line,) = [line for line in transfer.simulate(geo, fees, "internet", "us-east-1a", 50, 10_240, round_trip=True)[-1].state.lines
               if line.per_gb]
    assert (line.gb, line.per_gb) == (50, 0.085)  # the 10 TB tier is already used up


@pytest.mark.parametrize("source, destination, gb, before, message", [
    ("internet", "internet", 10, 0, "Both ends are the internet"),
    ("us-east-1a", "mars-1a", 10, 0, "Unknown availability zone 'mars-1a'"),
    ("us-east-1a", "us-east-1b", 0, 0, "positive number of GB"),
    ("us-east-1a", "us-east-1b", -5, 0, "positive number of GB"),
    ("us-east-1a", "internet", 5, -1, "0 GB or more"),
])
def test_bad_routes_and_amounts_are_explained(world, source, destination, gb, before, message):
    geo, fees = world
    with pytest.raises(transfer.TransferError, match=message):
        transfer.simulate(geo, fees, source, destination, gb, before)


def test_dot_diagrams_are_valid(world):
    geo, fees = world
    source = region_map(geo, frozenset({"us-east-1a"})).source
    assert "layout=neato" in source and source.count("!\"") == len(regions.layout(geo))
    render_dot(source)
    for src, dst in (("us-east-1a", "us-east-1a"), ("us-east-1a", "us-east-1b"), ("us-east-1a", "ap-southeast-2c"),
                     ("eu-west-1a", "internet"), ("internet", "sa-east-1b")):
        for frame in transfer.simulate(geo, fees, src, dst, 250, 0):
            render_dot(route_graph(frame.state).source)


# ----------------------------------------------------------------------------------------- instance types, elasticity

def test_credit_balance_earns_spends_and_caps():
    cat = instance_types.load_catalogue()
    small = cat.t2("t2.small")
    idle = instance_types.burst(small, (0.0,) * 30, "empty")
    assert idle[-1].state.balance[-1] == pytest.approx(small.max_balance)  # 30 h × 12 credits capped at 288
    assert idle[24].state.balance[-1] == pytest.approx(24 * 12)
    busy = instance_types.burst(small, (1.0,) * 3, "empty")
    assert busy[-1].state.got == pytest.approx((0.2, 0.2, 0.2))  # empty balance: the baseline only
    assert busy[-1].counters["throttled_hours"] == 3
    full = instance_types.burst(small, (1.0,) * 3, "full")
    assert full[-1].state.got == pytest.approx((1.0, 1.0, 1.0))
    assert full[-1].state.balance[-1] == pytest.approx(288 - 3 * (60 - 12))
    with pytest.raises(ValueError, match="between 0% and 100%"):
        instance_types.burst(small, (1.5,), "empty")


def test_elastic_follows_demand_and_fixed_pays_for_the_peak():
    values = elasticity.demand("flash", 3)
    assert values == elasticity.demand("flash", 3) and len(values) == elasticity.HOURS
    fixed, follow = elasticity.fixed(values, 0.1), elasticity.elastic(values, 0.1, 0)
    assert fixed.under == 0 and follow.under == 0 and follow.cost < fixed.cost
    assert fixed.capacity[0] == math.ceil(max(values))
    late = elasticity.elastic(values, 0.1, 1)
    assert late.under > 0  # reacting an hour late misses the start of the spike
    assert elasticity.fixed(values, 0.1, 2).under > 0
    with pytest.raises(elasticity.ElasticityError, match="lag must be 0–6"):
        elasticity.elastic(values, 0.1, 9)
    with pytest.raises(elasticity.ElasticityError, match="unknown demand curve"):
        elasticity.demand("tsunami", 1)


def test_every_chart_builder_serialises():
    rows = {"billing_timeline": billing.bill(billing.parse_timeline("vm1 t2.small 0:00-1:01", LECTURE), LECTURE).timeline_rows("hour"),
            "provisioning": elasticity.fixed(elasticity.demand("daily", 1), 0.1).rows(20),
            "credit_balance": [{"hour": 0, "series": "credit balance", "value": 1.0}],
            "runtime_histogram": [{"index": 0, "runtime": 100.0, "processor": "processor type A (newer)"}],
            "runtime_box": [{"index": 0, "runtime": 100.0, "group": "all runs"}],
            "confidence": [{"measurements": 5, "mean": 100.0, "low": 99.0, "high": 101.0}],
            "cov_by_mix": variance.sweep(20, 1, 0.03, steps=3)}
    builders = ("billing_timeline", "provisioning", "credit_balance", "runtime_histogram", "runtime_box", "confidence",
                "cov_by_mix")
    assert set(rows) == set(builders)
    for name, data in rows.items():
        assert getattr(ec2_charts, name)(data).to_dict()["$schema"].startswith("https://vega.github.io/schema/vega-lite/")


def test_players_patch_one_parameter_of_a_cached_spec():
    whole = ec2_charts.runtime_histogram([{"index": i, "runtime": 100.0 + i, "processor": "processor type A (newer)"}
                                                  for i in range(20)]).to_dict()
    assert whole["params"] == [{"name": "shown", "value": 20}]
    frame = with_param(whole, "shown", 5)
    assert frame["params"] == [{"name": "shown", "value": 5}] and whole["params"][0]["value"] == 20
    assert frame["transform"] == whole["transform"] == [{"filter": "(datum.index < shown)"}]
    with pytest.raises(KeyError, match="no parameter 'now'"):
        with_param(whole, "now", 1)


# ----------------------------------------------------------------------------------------- quiz

def test_bank_and_generators():
    bank = load_bank("2.5")
    assert len(bank) >= 10 and {q.kind for q in bank} >= {"single", "multiple", "numeric", "table"}
    assert len(for_section("2.5")) >= 3


def test_generators_are_right_by_construction():
    bill, fee, hist = (g.make for g in GENERATORS)
    for seed in range(30):
        q = bill(seed, {})
        assert q == bill(seed, {}) and grade(q, str(q.value)).correct
        q = fee(seed, {})
        assert q == fee(seed, {}) and grade(q, str(q.value)).correct and "secondary source" in q.prompt
        q = hist(seed, {})
        assert q == hist(seed, {}) and len(q.answer) == 1
    for q in (bill(s, {}) for s in range(60)):  # the timeline in the prompt, billed by the engine, is the answer
        runs = billing.parse_timeline(re.search(r"```\n(.*?)\n```", q.prompt, re.S).group(1), LECTURE)
        model = "hour" if "started hour" in q.prompt else "second"
        assert q.value == pytest.approx(billing.bill(runs, LECTURE).total(model), abs=1e-6)
        if model == "hour":  # whole started hours per run at the lecture's prices
            hours = sum(math.ceil(r.seconds / billing.HOUR) * LECTURE[r.type] for r in runs)
            assert q.value == pytest.approx(hours)
    assert {hist(s, {}).answer[0] for s in range(40)} == set(variance.SHAPES.values())


# ----------------------------------------------------------------------------------------- real timestamps (issue 14)

@pytest.mark.parametrize("text, hour, second", [
    # by hand: 23:30 -> 0:30 the next day is 3,600 s: 1 started hour (hours count from the run's start), 3,600 s
    ("vm1 t2.small 23:30-0:30", 3600, 3600),
    ("vm1 t2.small 23:30 - 0:30", 3600, 3600),
    ("vm1 t2.small 23:30 to 0:30", 3600, 3600),
    # 22:10 -> 1:45 = 1:50 + 1:45 = 3:35 = 12,900 s: 4 started hours
    ("vm1 t2.small 22:10-1:45", 4 * 3600, 12_900),
    # 23:59:30 -> 0:00:10 = 40 s: one started hour, and the 60 s minimum per second
    ("vm1 t2.small 23:59:30-0:00:10", 3600, 60),
    # ISO 8601 as the AWS CLI prints it (Z, .000Z, +00:00), joined by '-', '/', ' - ' or a space
    ("vm1 t2.small 2026-03-01T23:30:00Z-2026-03-02T00:30:00Z", 3600, 3600),
    ("vm1 t2.small 2026-03-01T23:30:00.000Z/2026-03-02T00:30:00.000Z", 3600, 3600),
    ("vm1 t2.small 2026-03-01T23:30:00+00:00 2026-03-02T00:31:00+00:00", 2 * 3600, 3660),
    # offsets: 23:30+01:00 is 22:30 UTC, so until 00:30 UTC it is 2 h
    ("vm1 t2.small 2026-03-01T23:30:00+01:00-2026-03-02T00:30:00Z", 2 * 3600, 7200),
    # -05:00 on both ends, '-' inside the offsets too: 1 day 1 h = 90,000 s, 25 hours
    ("vm1 t2.small 2026-03-01T23:30:00-05:00-2026-03-03T00:30:00-05:00", 25 * 3600, 90_000),
    # multi-day with clock times: hours past 24
    ("vm1 t2.small 9:00-57:00:01", 49 * 3600, 48 * 3600 + 1),
    # over the end of February 2028 (a leap year): 2028-02-28 12:00 -> 2028-03-01 12:00 is 2 days
    ("vm1 t2.small 2028-02-28T12:00:00Z-2028-03-01T12:00:00Z", 48 * 3600, 48 * 3600),
])
def test_midnight_iso_and_multi_day_runs_billed_by_hand(text, hour, second):
    assert one(text, "hour") == hour
    assert one(text, "second") == second


def test_the_aws_timestamps_preset_by_hand():
    runs = billing.parse_timeline(billing.PRESETS["aws-timestamps"].text, LECTURE)
    bill = billing.bill(runs, LECTURE)
    # web 1 h; batch 21:45:10Z on 1 March to 07:00:00Z on 3 March = 1 d 9:14:50 = 119,690 s -> 34 started hours;
    # test 45 s -> 1 started hour and 60 s
    assert [r.seconds for r in runs] == [3600, 119_690, 45]
    assert [r.billed["hour"] // 3600 for r in bill.runs] == [1, 34, 1]
    assert [r.billed["second"] for r in bill.runs] == [3600, 119_690, 60]
    assert bill.total("hour") == pytest.approx(1 * 0.02 + 34 * 0.05 + 1 * 0.02)
    assert bill.total("second") == pytest.approx((3600 * 0.02 + 119_690 * 0.05 + 60 * 0.02) / 3600)
    rows = bill.rows()
    assert rows[1]["run"] == "2026-03-01 21:45:10 – 03-03 07:00 UTC" and rows[1]["used"] == "1 d 9:14:50"
    assert rows[2]["run"] == "2026-03-02 12:00 – 12:00:45 UTC" and rows[0]["run"] == "2026-03-01 23:30 – 03-02 00:30 UTC"


def test_how_the_times_were_read_is_said():
    (run,) = billing.parse_timeline("vm1 t2.small 23:30-0:30", LECTURE)
    assert run.note == "crosses midnight: the stop is read as 0:30 the next day"
    (run,) = billing.parse_timeline("vm1 t2.small 2026-03-01T23:30-2026-03-02T00:30", LECTURE)
    assert run.note == "no UTC offset given: read as UTC"


@pytest.mark.parametrize("text, message", [
    ("vm1 t2.small 2026-02-30T23:30:00Z-2026-03-02T00:30:00Z", "not a valid ISO 8601 timestamp \\(day is out of range"),
    ("vm1 t2.small 2026-03-01T24:30:00Z-2026-03-02T00:30:00Z", "hour above 23"),
    ("vm1 t2.small 2026-03-01T23:30:00+15:00-2026-03-02T00:30:00Z", "offsets run from -12:00 to \\+14:00"),
    ("vm1 t2.small 2026-03-01T23:30:00Z-2026-03-01T23:30:00Z", "stops at 2026-03-01 23:30 UTC, not after it starts"),
    ("vm1 t2.small 0:00-1:00\nvm2 t2.small 2026-03-01T23:30:00Z-2026-03-02T00:30:00Z", "line 2: this timeline mixes"),
    ("vm1 t2.small 2025-03-01T00:00:00Z-2026-03-03T00:00:00Z", "more than 8,784 hours"),
    ("vm1 t2.small 0:00-" + "9" * 400 + ":00", "is more than 8,784 hours"),
    ("vm1 t2.small 0:00-" + "9" * 5000 + ":00", "is more than 8,784 hours"),
    ("vm1 t2.small 9:00-9:00", "for 24 hours write e.g. 9:00-33:00"),
])
def test_bad_timestamps_say_what_to_write(text, message):
    with pytest.raises(billing.BillingError, match=message):
        billing.parse_timeline(text, LECTURE)


def test_timeline_size_is_limited_and_overlaps_are_found_fast():
    import time

    many = "\n".join(f"vm{i} t2.small 0:00-1:00" for i in range(20_000))
    started = time.perf_counter()
    with pytest.raises(billing.BillingError, match=f"line {billing.MAX_RUNS + 1}: the timeline has more than"):
        billing.parse_timeline(many, LECTURE)
    # the largest accepted timeline, one VM restarted 500 times, then an overlap at the end: found by sorting
    lines = [f"vm t2.small {h}:00-{h}:30" for h in range(billing.MAX_RUNS - 1)] + ["vm t2.small 3:10-3:20"]
    with pytest.raises(billing.BillingError, match=f"line {billing.MAX_RUNS}: vm is already running then \\(line 4\\)"):
        billing.parse_timeline("\n".join(lines), LECTURE)
    assert time.perf_counter() - started < 1.0
    assert len(billing.parse_timeline("\n".join(lines[:-1]), LECTURE)) == billing.MAX_RUNS - 1


@pytest.mark.parametrize("value, text", [
    (0, "$0.00"), (1742.2, "$1,742.20"), (0.0058, "$0.0058"), (999_999_999_999.99, "$999,999,999,999.99"),
    (1e15, "$1e+15"), (1.7e308, "$1.7e+308"), (float("inf"), "not a finite amount"), (float("nan"), "not a finite amount"),
])
def test_amounts_never_show_inf_or_hundreds_of_digits(value, text):
    from engine.ec2.money import usd

    assert usd(value) == text


def test_numbers_never_show_inf():
    from engine.ec2.money import number

    assert [number(v) for v in (20_000, 12.5, 0.25, -0.0001, 1e300, float("-inf"))] == [
        "20,000", "12.5", "0.25", "0", "1e+300", "not a finite amount"]


def test_the_chart_counts_minutes_from_the_first_start():
    bill = billing.bill(billing.parse_timeline(billing.PRESETS["overnight"].text, LECTURE), LECTURE)
    rows = bill.timeline_rows("hour")
    # night 23:30-0:30 and backup 22:10-1:45: the first start (22:10) is minute 0
    assert [(r["run"], r["kind"], r["from"], r["to"]) for r in rows] == [
        ("night (line 1)", "used", 80.0, 140.0),
        ("backup (line 2)", "used", 0.0, 215.0), ("backup (line 2)", "billed, not used", 215.0, 240.0)]
    assert rows[0]["end"] == 240.0


def test_the_smallest_amount_is_the_widgets_minimum(world):
    geo, fees = world
    assert transfer.quote(geo, fees, "us-east-1a", "us-east-1b", transfer.MIN_GB)  # the widget's minimum is billed
    for bad in (0.0, transfer.MIN_GB / 2, float("nan"), float("inf"), 1e308 * 10):
        with pytest.raises(transfer.TransferError, match="positive number of GB, at least 0.001 GB"):
            transfer.quote(geo, fees, "us-east-1a", "us-east-1b", bad)
