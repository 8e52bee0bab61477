"""Performance variance: seeded measurements on two processor types, CoV, bands and the mean's confidence interval."""

import statistics

import pytest

from engine.ec2 import variance as v


def runtimes(n, share, seed=1, noise=0.03):
    return [m.runtime for m in v.measure(n, share, seed, noise)]


def test_measurements_are_deterministic_and_follow_the_mix():
    assert v.measure(200, 0.3, 7) == v.measure(200, 0.3, 7)
    assert v.measure(200, 0.3, 7) != v.measure(200, 0.3, 8)
    assert all(m.processor == "A" for m in v.measure(50, 0.0, 1))
    assert all(m.processor == "B" for m in v.measure(50, 1.0, 1))
    share = sum(m.processor == "B" for m in v.measure(2000, 0.3, 1)) / 2000
    assert share == pytest.approx(0.3, abs=0.04)


def test_one_hardware_type_gives_one_narrow_band_and_a_mix_gives_two():
    for share in (0.0, 1.0):
        values = runtimes(300, share)
        assert v.bands(values) == 1 and v.shape(values) == "narrow"
        assert v.stats(values).cov < 0.05
    mixed = runtimes(300, 0.5)
    assert v.bands(mixed) == 2 and v.shape(mixed) == "two"
    assert v.stats(mixed).cov > 3 * v.stats(runtimes(300, 0.0)).cov
    assert v.shape(runtimes(300, 0.0, noise=0.12)) == "wide"


def test_stats_match_the_textbook_formulas():
    values = [10.0, 12.0, 14.0, 16.0]
    s = v.stats(values)
    assert s.mean == 13.0 and s.sd == pytest.approx(statistics.stdev(values))
    assert s.cov == pytest.approx(s.sd / 13.0)
    assert s.ci_half == pytest.approx(3.182 * s.sd / 2)  # t(0.975, 3) × sd / √4
    assert v.t975(1000) == pytest.approx(1.962, abs=0.002)


def test_the_confidence_interval_narrows_with_more_measurements():
    trace = v.simulate(1000, 0.4, 3)
    halves = [f.state.stats.ci_half for f in trace]
    assert [f.state.stats.n for f in trace] == v.checkpoints(1000) == [5, 10, 20, 40, 80, 160, 320, 640, 1000]
    assert halves[-1] < halves[2] / 4
    assert trace[-1].counters["measurements"] == 1000
    assert trace[-1].counters["on_type_b"] == sum(m.processor == "B" for m in trace[-1].state.measurements)
    assert "CoV" in trace[-1].explanation and "95% confidence interval" in trace[-1].explanation


def test_text_histogram_counts_every_run():
    values = runtimes(60, 0.5)
    lines = v.text_histogram(values).splitlines()
    assert len(lines) == 12 and lines[0].startswith("  60–  70 s") and sum(int(line.rsplit(" ", 1)[1]) for line in lines) == 60


@pytest.mark.parametrize("n, share, noise, message", [
    (1, 0.5, 0.03, "2–2000"), (5000, 0.5, 0.03, "2–2000"), (10, 1.5, 0.03, "0–100%"), (10, 0.5, 0.9, "0–30%"),
])
def test_bad_parameters_are_explained(n, share, noise, message):
    with pytest.raises(v.VarianceError, match=message):
        v.measure(n, share, 1, noise)


def test_no_unverified_number_is_presented_as_the_papers():
    assert "24%" not in v.SIMPLIFICATIONS and "Xeon" not in v.SIMPLIFICATIONS and "Opteron" not in v.SIMPLIFICATIONS
    assert set(v.PROCESSORS.values()) == {"processor type A (newer)", "processor type B (older)"}


def test_the_spread_peaks_when_both_processor_types_are_common():
    rows = [r for r in v.sweep(400, 2, 0.03) if r["measure"] == "CoV"]
    covs = [r["value"] for r in rows]
    assert rows[0]["share"] == 0 and rows[-1]["share"] == 1 and len(rows) == 21
    assert max(covs) > 4 * max(covs[0], covs[-1])
    assert 0.3 <= rows[covs.index(max(covs))]["share"] <= 0.7
