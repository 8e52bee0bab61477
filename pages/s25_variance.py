"""2.5 Performance variance: many instances of one type on two hardware generations; CoV and the mean's confidence."""

import streamlit as st

from engine.ec2 import variance as v
from ui import content, layout, query
from ui import theme as page_theme
from ui.player import player
from viz import theme as chart_theme
from viz.ec2 import ec2_charts

layout.header("2.5", "Performance variance",
              "Instances of the same type may be hosted on different generations of hardware.")
content.lesson("2.5", "variance")
SIZES = [10, 20, 50, 100, 200, 500, 1000]


@st.cache_resource(show_spinner=False, max_entries=64)
def simulate(n: int, share_b: float, seed: int, noise: float):
    return v.simulate(n, share_b, seed, noise)


@st.cache_data(show_spinner=False, max_entries=32)
def specs(n: int, share_b: float, seed: int, noise: float, look: tuple[str, str]) -> dict[str, dict]:
    """Every chart of one setting, keyed by its scalars (hashing thousands of rows on each rerun costs more) and by
    the chart look (presenter mode's sizes)."""
    trace = simulate(n, share_b, seed, noise)
    runs = trace[-1].state.measurements  # every frame shows the first n of these
    groups = [("all runs", None), (v.PROCESSORS["A"], "A"), (v.PROCESSORS["B"], "B")]
    charts = {
        "histogram": ec2_charts.runtime_histogram([{"index": m.index, "runtime": m.runtime,
                                                 "processor": v.PROCESSORS[m.processor]} for m in runs]),
        "boxes": ec2_charts.runtime_box([{"index": m.index, "runtime": m.runtime, "group": g}
                                         for g, p in groups for m in runs if p is None or m.processor == p]),
        "confidence": ec2_charts.confidence([
            {"measurements": f.state.stats.n, "mean": round(f.state.stats.mean, 2), "low": round(f.state.stats.ci[0], 2),
             "high": round(f.state.stats.ci[1], 2)} for f in trace]),
        "mix": ec2_charts.cov_by_mix(v.sweep(n, seed, noise)),
    }
    with chart_theme.looking(*look):
        return {name: chart_theme.described(chart.to_dict()) for name, chart in charts.items()}


def from_link(name: str, default: int, low: int, high: int) -> str:
    """The widget key, first filled from the URL (a lecturer's bookmark), then kept in the URL as it changes."""
    key = f"variance_{name}"
    if key not in st.session_state:
        st.session_state[key] = query.read_int(name, default, low, high)
    return key


if "variance_n" not in st.session_state and query.read_int("n", 100, 0, 10_000) not in SIZES:
    st.info(f"Link notice: 'n' must be one of {', '.join(map(str, SIZES))}; using 100.", icon="🔗")
    st.session_state["variance_n"] = 100
c1, c2, c3, c4 = st.columns(4)
with c1:
    share = st.slider("Hosts with processor type B (%)", 0, 100, step=5, key=from_link("share", 40, 0, 100))
with c2:
    n = st.select_slider("Measurements", SIZES, key=from_link("n", 100, 0, 10_000))
with c3:
    noise = st.slider("Run-to-run noise (%)", 0, 15, key=from_link("noise", 3, 0, 15))
with c4:
    seed = st.number_input("Seed", min_value=0, max_value=10_000, step=1, key=from_link("seed", 1, 0, 10_000))
st.query_params.update({"share": str(share), "n": str(n), "noise": str(noise), "seed": str(seed)})
trace = simulate(n, share / 100, int(seed), noise / 100)
charts = specs(n, share / 100, int(seed), noise / 100, page_theme.chart_look())


def render(frame, out) -> None:
    s = frame.state
    hist, box = out.columns(2)
    hist.vega_lite_chart(ec2_charts.first_measurements(charts["histogram"], s.stats.n), width="stretch")
    box.vega_lite_chart(ec2_charts.first_measurements(charts["boxes"], s.stats.n), width="stretch")
    a, b, c = out.columns(3)
    a.metric("Mean ± 95% CI", f"{s.stats.mean:.1f} ± {s.stats.ci_half:.1f} s")
    b.metric("CoV", f"{s.stats.cov:.1%}", help="Coefficient of variation: standard deviation ÷ mean")
    c.metric("Bands", s.bands, help="2 when the sorted runtimes split at a gap much wider than the spread on either side")


player(trace, "variance", render, counter_labels={"measurements": "measurements", "on_type_b": "on type B"},
       client=True)

st.header("How well is the benchmark's mean known?")
st.vega_lite_chart(charts["confidence"], width="stretch")
st.caption("With two bands the spread is large, so the interval of the mean shrinks only slowly (≈ 1/√n), and a small "
           "sample can land mostly on one host type and give a misleading mean. Colours show the host type, which an "
           "EC2 user does not see directly.")
st.header("Which mix varies most?")
st.vega_lite_chart(charts["mix"], width="stretch")
st.caption(f"{n} measurements at every share, same seed. With one processor type (0% or 100%) only the run-to-run "
           "noise is left; a mix adds the gap between the bands, largest when both types are common.")
st.caption(f"Simplified model: {v.SIMPLIFICATIONS} Paper: Schad, Dittrich & Quiané-Ruiz, PVLDB 3(1), 2010 (abstract).")
