"""2.5 Instance types: the lecture's t2 example, today's t2 family, CPU credits animated, and the EC2 Compute Unit."""

import streamlit as st

from engine.core.provenance import TAGS
from engine.ec2 import instance_types as it
from ui import content, layout, query
from ui import theme as page_theme
from ui.player import player
from viz import theme as chart_theme
from viz.ec2 import ec2_charts

layout.header("2.5", "Instance types and ECUs",
              "Instance types define VM classes with particular hardware characteristics.")
content.lesson("2.5", "instance_types")


@st.cache_resource(show_spinner=False)
def credits(name: str, usage: str, start: str):
    return it.burst(it.shipped().t2(name), it.USAGE_PRESETS[usage][1], start)


@st.cache_data(show_spinner=False)
def credit_spec(name: str, usage: str, start: str, look: tuple[str, str]) -> dict:
    """The chart of the whole run in ``look`` (presenter mode's sizes are part of the key); each frame sets the hour
    shown (see viz.ec2.ec2_charts.with_param)."""
    end = credits(name, usage, start)[-1].state
    rows = [{"hour": h, "series": "credit balance", "value": round(b, 2)} for h, b in enumerate(end.balance)]
    rows += [{"hour": h, "series": "CPU wanted", "value": w} for h, w in enumerate(end.wanted, start=1)]
    rows += [{"hour": h, "series": "CPU got", "value": round(g, 4)} for h, g in enumerate(end.got, start=1)]
    with chart_theme.looking(*look):
        return chart_theme.described(ec2_charts.credit_balance(rows).to_dict())


cat = content.guarded(it.shipped)
st.header("CPU credits: bursting above the baseline")  # the animation first; the tables and the ECU follow
c1, c2, c3 = st.columns(3)
with c1:
    name = query.select("Instance type", {t.name: t.name for t in cat.current}, name="t2", default="t2.small")
with c2:
    usage = query.select("Workload", {k: v[0] for k, v in it.USAGE_PRESETS.items()}, name="load", default="idle-then-burst")
with c3:
    start = query.select("Start balance", it.START_BALANCES, name="start", default="empty")
trace = credits(name, usage, start)


whole_run = credit_spec(name, usage, start, page_theme.chart_look())


def render(frame, out) -> None:
    s = frame.state
    graph, info = out.columns([3, 1])
    graph.vega_lite_chart(ec2_charts.credits_until(whole_run, s.hour), width="stretch")
    info.metric("Credit balance", f"{s.balance[-1]:,.1f}")
    info.metric("Baseline per vCPU", f"{s.baseline:.1%}")


player(trace, "credits", render, counter_labels={"throttled_hours": "hours held back to the baseline"}, client=True)
st.markdown(f"{it.CREDIT} **Baseline** = credits per hour ÷ 60 per vCPU.")
st.caption("Simplified model: credits earned and spent minute by minute; no launch credits (the start balance is a "
           "choice); T2 Unlimited, which may burst past a zero balance for a fee, is not modelled.")

st.header("The lecture's example")
st.table({"Instance": [t.slide_name for t in cat.lecture],
          "Compute power": [f"{t.vcpu} virtual core{'s' * (t.vcpu > 1)}, {t.compute_units} comp. unit{'s' * (t.compute_units > 1)}"
                            for t in cat.lecture],
          "Main memory": [f"{t.memory_gib:g} GiB" for t in cat.lecture],
          "Storage": ["via EBS"] * len(cat.lecture),
          "Platform": [t.platform for t in cat.lecture],
          "Price": [f"USD {t.price:g}" for t in cat.lecture]})
st.caption(f"As on the slide 'EC2 Instance Types (1/2)': {cat.lecture_table.provenance.source}. "
           "The lecture's prices per hour: an example, not today's.")
st.header("Today's t2 family")
ct = cat.current_table
st.table({"Type": [t.name for t in cat.current], "vCPUs": [t.vcpu for t in cat.current],
          "Memory": [f"{t.memory_gib:g} GiB" for t in cat.current],
          "Credits earned / h": [f"{t.credits_per_hour:g}" for t in cat.current],
          "Max balance": [f"{t.max_balance:g}" for t in cat.current],
          "Baseline per vCPU": [f"{t.baseline:.1%}" for t in cat.current],
          "USD / h": [f"{t.price:g}" for t in cat.current]})
st.caption(f"Table {ct.provenance.label} ({ct.provenance.meaning}); prices from public cost-tool tables ({TAGS[ct.price_tag]}), "
           f"not an AWS page. {ct.region}, {ct.os}, On-Demand. Source: {ct.provenance.source}. The lecture's t2 Medium "
           "has 1 virtual core; today's t2.medium has 2 vCPUs.")

st.header("The EC2 Compute Unit (ECU)")
st.markdown(f"> {it.ECU['definition']}\n\n— {it.ECU['definition_source']}")
st.markdown("The lecture: an abstract unit for compute power, introduced as a reference measure that allows "
            "predictability with different generations of hardware inside the data centers. In the lecture's table a "
            "t2 Small has **1** compute unit, a t2 xLarge **8**.")
st.caption(f"{it.ECU['original']} {it.ECU['dropped']}")
