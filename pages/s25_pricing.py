"""2.5 Pricing: the bill of a VM timeline per started hour and per second; elasticity against fixed capacity."""

import hashlib

import streamlit as st

from engine.ec2 import billing, elasticity, instance_types
from engine.core.provenance import TAGS
from engine.ec2.money import usd
from ui import content, layout, query
from ui.editor import parsed
from ui.escape import literal
from ui import theme as page_theme
from ui.charts import chart
from viz import theme as chart_theme
from viz.ec2 import ec2_charts

layout.header("2.5", "Pricing and elasticity",
              "Amazon charges a fee for each started hour of VM usage; today Linux instances pay per second.")
content.lesson("2.5", "pricing")


cat = content.guarded(instance_types.shipped)

st.header("The bill of a timeline")
tables = {"lecture": f"The lecture's example prices ({cat.lecture_table.region}, {cat.lecture_table.os})",
          "current": f"Today's t2 prices ({cat.current_table.region}, {cat.current_table.os})"}
left, right = st.columns(2)
with left:
    table = query.select("Prices", tables, name="prices", default="lecture")
LINKED = "custom"  # a timeline given as text in the link (?timeline=custom&runs=...), e.g. by a generated quiz question
with right:
    preset_id = query.select("Timeline preset", {k: p.title for k, p in billing.PRESETS.items()}
                             | {LINKED: "🔗 Timeline from a link"}, name="timeline", default="61-minutes")
prices = cat.prices(table)


def linked_timeline() -> str:
    """The link's ``runs`` text if the timeline reader accepts it with these prices; otherwise '' (after a notice)."""
    if "runs" not in st.query_params:
        return ""
    text = query.read_text("runs", "", max_chars=2000).strip()  # too long: a notice, and ""
    try:
        if text:
            billing.parse_timeline(text, prices)
    except billing.BillingError as exc:  # the link's text, shown as text, not Markdown
        st.info(f"Link notice: the linked timeline cannot be billed: {literal(exc)} Showing the first preset's timeline.",
                icon="🔗")
        text = ""
    return text


if preset_id == LINKED:
    linked = linked_timeline()
    first = next(iter(billing.PRESETS.values()))
    preset = billing.Preset("Timeline from a link", linked or first.text,
                            "The timeline of the link (for example a generated quiz question); edit it like any other."
                            if linked else "No usable timeline in the link: this is the first preset's; edit it.")
    text_key = f"timeline_{LINKED}" + (f"_{hashlib.sha1(linked.encode()).hexdigest()[:8]}" if linked else "")
else:
    preset, text_key = billing.PRESETS[preset_id], f"timeline_{preset_id}"
simulation = st.container()  # the two bills come first on the screen; the timeline editor sits under them
edit, used = st.columns([4, 1], vertical_alignment="center")
text = edit.text_area(f"Timeline ({billing.FORMAT_HELP}; instance types: {', '.join(prices)})", preset.text,
                      key=text_key, height=150)

good = text_key.replace("timeline_", "timeline_good_", 1)
with edit:  # a mistake is shown under the editor; the last timeline that worked stays (this price table's preset if
    # the last good one used a type the table lacks)
    runs = parsed(text, lambda t: billing.parse_timeline(t, prices), good, preset.text, "timeline")
bill = billing.bill(runs, prices)

used.metric("Used", billing.duration(bill.used_seconds))
billed = {"hour": f"{bill.billed_seconds('hour') // billing.HOUR:,} h billed",
          "second": f"{billing.duration(bill.billed_seconds('second'))} billed"}
labels = {"hour": "Per started hour", "second": "Per second (60 s minimum)"}
for col, model in zip(simulation.columns(2), billing.MODELS):
    with col:
        st.metric(labels[model], usd(bill.total(model)), billed[model], delta_color="off", delta_arrow="off",
                  help=billing.MODELS[model])
        chart(ec2_charts.billing_timeline, bill.timeline_rows(model))
simulation.caption(preset.lesson)  # what this timeline shows, under its two bills
st.dataframe(bill.rows(), hide_index=True, width="stretch")
source = cat.lecture_table if table == "lecture" else cat.current_table
st.caption("Rules: the EC2 pricing page before October 2017 and AWS What's New, 2 Oct 2017. "
           f"Prices: {source.title}, {source.provenance.label} ({TAGS[source.price_tag]}). "
           "Each run is billed on its own: a restart starts a new hour, and partial hours are never pooled. "
           f"{billing.CONVENTIONS} "
           "Per-second billing applies to Linux only; the same Linux prices are used for both models here.")

st.markdown("**The per-hour cost depends on** (lecture): the **region** · the **instance type** · the **operating "
            "system and image** (possible licence costs) · the **usage of external services** (EBS, Internet traffic, ...).")

st.header("Elasticity: follow the demand, or buy for the peak")
c1, c2, c3, c4 = st.columns(4)
with c1:
    curve = query.select("Demand", {k: p.title for k, p in elasticity.PRESETS.items()}, name="demand", default="daily")
with c2:
    seed = st.number_input("Seed", min_value=0, max_value=10_000, value=1, step=1, key="demand_seed")
values = elasticity.demand(curve, int(seed))
peak = max(1, int(-(-max(values) // 1)))
with c3:
    capacity = st.slider("Fixed capacity (instances)", 0, 2 * peak, peak, key=f"fixed_{curve}_{seed}")
with c4:
    lag = st.select_slider("Elastic reacts after (hours)", [0, 1, 2, 3], value=1, key="elastic_lag")
st.caption(elasticity.PRESETS[curve].description + f" Peak: {max(values):g} instances.")
price = prices["t2.small"]


@st.cache_data(show_spinner=False, max_entries=64)
def provisioning_views(curve: str, seed: int, capacity: int, lag: int, price: float,
                       look: tuple[str, str]) -> list[tuple[str, float, str, dict]]:
    """Name, cost, idle/missing line and chart spec of both plans, keyed by the scalars that make them (hashing the
    chart rows on every rerun would cost more than the whole page) and by the chart look (presenter mode's sizes)."""
    values = elasticity.demand(curve, seed)
    plans = (elasticity.fixed(values, price, capacity), elasticity.elastic(values, price, lag))
    top = max(max(values), *(max(plan.capacity) for plan in plans)) + 1
    with chart_theme.looking(*look):
        return [(plan.name, plan.cost, f"{plan.over:,.0f} idle · {plan.under:,.0f} missing instance-hours",
                 chart_theme.described(ec2_charts.provisioning(plan.rows(top)).to_dict())) for plan in plans]


for col, (name, cost, gap, spec) in zip(st.columns(2), provisioning_views(curve, int(seed), capacity, lag, price,
                                                                        page_theme.chart_look())):
    with col:
        st.metric(name, usd(cost), gap, delta_color="off", delta_arrow="off")
        st.vega_lite_chart(spec, width="stretch")
st.caption(f"Each hour rents whole t2.small instances at ${price:g}/h ({tables[table]}). Dashed: demand; solid: capacity. "
           "Sky-blue shading: paid for but idle (over-provisioning); vermillion (red-orange): demand without capacity (under-provisioning). "
           "The demand curves are synthetic.")
